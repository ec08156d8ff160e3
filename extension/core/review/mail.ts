// Patch mail reading: mbox/mboxrd splitting, RFC 2822 headers, MIME bodies, [PATCH vN k/N] subjects, trailers and the diff part.

/** One message of a mailbox (or one git format-patch file), decoded to text. */
export interface MailMessage {
  headers: Map<string, string>;
  /** decoded text of the message body (text/plain and patch parts only) */
  body: string;
}

/** What a patch subject says: `[PATCH v2 3/4] iommu: Restore lost return` */
export interface PatchSubject {
  /** the subject without its bracketed prefixes */
  title: string;
  /** tags inside the brackets, e.g. ["PATCH", "v2", "3/4"] */
  tags: string[];
  version?: number;
  /** position in the series, 0 for a cover letter */
  index?: number;
  total?: number;
  rfc: boolean;
  /** `Re:` — a reply in the thread (review comments, sometimes with a suggested diff), not part of the series */
  reply: boolean;
}

export interface Trailer {
  name: string;
  value: string;
}

/** A patch mail taken apart: description, trailers, and the diff text that follows `---`. */
export interface PatchMail {
  subject: PatchSubject;
  /** the raw Subject header, unfolded and decoded */
  rawSubject: string;
  from?: string;
  date?: string;
  messageId?: string;
  /** commit message without trailers */
  description: string;
  trailers: Trailer[];
  /** unified diff text (file headers and hunks only; diffstat and signature removed), '' for a cover letter */
  diff: string;
}

/** Bad input: the message says what is wrong, in one line, for the CLI's stderr. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * isMboxFromLine - whether @line starts a new message in a mailbox, by the test git mailsplit
 * makes (is_from_line): `From ` and, at the last colon of the line, a time whose digits are
 * `d?:dd` … `dd:dd` followed by a year after 90. The same split as `git am`: a body line git keeps in
 * its message must not start a message of its own here, or what git applies is not what was reviewed.
 */
export function isMboxFromLine(line: string): boolean {
  if (line.length + 1 < 20 || !line.startsWith('From ')) return false;
  const digit = (k: number) => k >= 0 && k < line.length && line.charCodeAt(k) >= 48 && line.charCodeAt(k) <= 57;
  let colon = line.length - 1;
  for (;;) {
    colon--;
    if (colon < 5) return false;
    if (line[colon] === ':') break;
  }
  if (!digit(colon - 4) || !digit(colon - 2) || !digit(colon - 1) || !digit(colon + 1) || !digit(colon + 2)) return false;
  const year = /^\s*[+-]?\d+/.exec(line.slice(colon + 3));
  return year !== null && parseInt(year[0], 10) > 90;
}

/** looksLikeMail - whether @text starts like an RFC 2822 message or a mailbox (not a bare diff) */
export function looksLikeMail(text: string): boolean {
  const [first, second = ''] = text.replace(/^\uFEFF/, '').split('\n', 2).map((l) => l.replace(/\r$/, ''));
  if (isMboxFromLine(first)) return true;
  // A `From ` line git does not split at is still a header line to git mailinfo.
  if (first.startsWith('From ') && /^[!-9;-~]+:/.test(second)) return true;
  // A bare message starts with a header block that has a Subject or From header before the first blank line.
  const head = text.split(/\r?\n\r?\n/, 1)[0];
  if (!/^[A-Za-z][A-Za-z0-9-]*:/.test(first)) return false;
  return /^(Subject|From):/im.test(head) && head.split(/\r?\n/).every((l) => /^[A-Za-z][A-Za-z0-9-]*:/.test(l) || /^[ \t]/.test(l));
}

/**
 * splitMbox - the messages of a mailbox, in order.
 * mboxrd escaping (`>From `, `>>From `…) is undone: one `>` comes off every `>+From ` line in a body.
 * A text that does not start with a From_ line is taken as one bare message.
 */
export function splitMbox(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const messages: string[][] = [];
  let cur: string[] | undefined;
  for (const line of lines) {
    if (isMboxFromLine(line)) {
      cur = [];
      messages.push(cur);
      continue;
    }
    if (!cur) {
      if (line.trim() === '' && messages.length === 0) continue; // leading blank lines
      cur = [];
      messages.push(cur);
    }
    cur.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  return messages
    .map((m) => {
      while (m.length && m[m.length - 1] === '') m.pop();
      return m.join('\n');
    })
    .filter((m) => m.trim() !== '');
}

/** decodeWords - RFC 2047 encoded words in a header (`=?UTF-8?q?...?=`, `=?utf-8?b?...?=`) */
export function decodeWords(value: string): string {
  const decoded = value.replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, charset: string, enc: string, data: string) => {
    let bytes: Buffer;
    if (enc.toLowerCase() === 'b') bytes = base64Bytes(data);
    else bytes = qpBytes(data.replace(/_/g, ' '), false);
    return bufferToText(bytes, charset);
  });
  return decoded;
}

function bufferToText(bytes: Buffer, charset: string): string {
  const cs = charset.toLowerCase();
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' || cs === 'ascii') return bytes.toString('latin1');
  try {
    return new TextDecoder(cs).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function qpBytes(data: string, soft: boolean): Buffer {
  const text = soft ? data.replace(/=\r?\n/g, '') : data;
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c.charCodeAt(0) < 0x80) {
      out.push(c.charCodeAt(0));
    } else {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

/** parseMessage - headers (unfolded, lower-case names, first occurrence wins) and the decoded body of one message */
export function parseMessage(raw: string): MailMessage {
  const lines = raw.split('\n');
  const { headers, body: from } = readHeaders(lines, 0, lines.length, 'mail');
  for (const [k, v] of headers) headers.set(k, decodeWords(v));
  const body = decodeBody(headers, lines, from, lines.length, [], 0);
  return { headers, body };
}

const MIME_HEADERS = new Set(['content-type', 'content-transfer-encoding']);

/** The most levels of multipart parts a mail may nest, as git mailinfo allows. */
const MAX_MIME_DEPTH = 5;

/**
 * The header block at lines[@from, @to) (folded lines unfolded, names lower-cased, the first of a
 * repeated header kept) and the line where the body starts. A message's header block ends at a
 * blank line, and a line that is no header in it is malformed; git mailinfo counts mbox From lines
 * among a message's headers (and ignores them). A MIME part's header block also ends at the first
 * line that is no header. A first line that is no header means there is no header block. Two
 * encodings or content types are refused: git takes the last, a mail reader the first.
 */
function readHeaders(lines: string[], from: number, to: number, what: 'mail' | 'part'): { headers: Map<string, string>; body: number } {
  const headers = new Map<string, string>();
  let last: string | undefined;
  let i = from;
  for (; i < to; i++) {
    const line = lines[i];
    if (line === '') return { headers, body: i + 1 };
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    if (what === 'mail' && (line.startsWith('From ') || line.startsWith('>From '))) {
      last = undefined;
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) {
      if (what === 'part' || headers.size === 0) return { headers, body: what === 'mail' || i === from ? from : i };
      throw new InputError(`malformed mail header line ${i + 1}: "${line.slice(0, 60)}"`);
    }
    const name = m[1].toLowerCase();
    if (headers.has(name)) {
      if (MIME_HEADERS.has(name)) {
        throw new InputError(what === 'mail' ? `two ${m[1]} headers: which one decodes the body is ambiguous` : `a MIME part with two ${m[1]} headers: which one decodes it is ambiguous`);
      }
      last = undefined; // a repeated header (Received:…) is not needed
      continue;
    }
    headers.set(name, m[2]);
    last = name;
  }
  return { headers, body: i };
}


/**
 * The text of the body at lines[@from, @to): transfer encoding undone, and a multipart body read
 * part by part as git mailinfo reads it (every part's text, attachments too: git applies a diff
 * attached as application/octet-stream). Boundaries are matched as git matches them, by prefix;
 * a body that would split differently for git (a boundary inside another, a boundary= that appears
 * twice, parts nested past git's limit) is refused rather than read one way and applied another.
 */
function decodeBody(headers: Map<string, string>, lines: string[], from: number, to: number, outer: string[], depth: number): string {
  const ctype = headers.get('content-type') ?? 'text/plain';
  const cte = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  // Multipart is what git mailinfo takes for multipart: any Content-Type that names a boundary.
  const boundary = gitAttr(ctype, 'boundary=');
  if (boundary !== undefined) {
    if (depth >= MAX_MIME_DEPTH) throw new InputError(`multipart parts nested deeper than ${MAX_MIME_DEPTH} levels`);
    if (ctype.toLowerCase().split('boundary=').length > 2) throw new InputError('a Content-Type that names its boundary twice');
    if (!boundary) throw new InputError('multipart mail with an empty boundary');
    if (outer.some((b) => b.startsWith(boundary) || boundary.startsWith(b))) throw new InputError('nested multipart boundaries that begin alike');
    const mark = `--${boundary}`;
    const texts: string[] = [];
    let start = -1;
    for (let i = from; i < to; i++) {
      const line = lines[i];
      if (outer.some((b) => line.startsWith(`--${b}`)) && start >= 0) throw new InputError('a multipart part runs into the boundary of the part around it');
      if (!line.startsWith(mark)) continue;
      if (start >= 0) texts.push(decodePart(lines, start, i, [...outer, boundary], depth + 1));
      // `--boundary--` closes the multipart: what follows is the epilogue.
      if (line.startsWith(`${mark}--`)) {
        start = -1;
        break;
      }
      start = i + 1;
    }
    if (start >= 0) texts.push(decodePart(lines, start, to, [...outer, boundary], depth + 1));
    return texts.join('\n');
  }
  const body = lines.slice(from, to).join('\n');
  // The encoding is chosen as git chooses it: "base64" anywhere in the header, else
  // "quoted-printable". The bytes are read as UTF-8 whatever the charset says: git converts the
  // commit message to UTF-8 but writes the patch's bytes to the tree as they are.
  if (cte.includes('base64')) return Buffer.concat(lines.slice(from, to).map(base64Bytes)).toString('utf8');
  if (cte.includes('quoted-printable')) return qpBytes(body, true).toString('utf8');
  return body;
}

/**
 * gitAttr - an attribute of a header value read as git mailinfo reads it (slurp_attr): after the
 * first case-insensitive occurrence of @name anywhere in it, a quoted string or the text up to `;`,
 * a blank or a tab.
 */
function gitAttr(header: string, name: string): string | undefined {
  const at = header.toLowerCase().indexOf(name.toLowerCase());
  if (at < 0) return undefined;
  const rest = header.slice(at + name.length);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    return rest.slice(1, end < 0 ? rest.length : end);
  }
  const m = /^[^; \t]*/.exec(rest);
  return m ? m[0] : '';
}

function decodePart(lines: string[], from: number, to: number, outer: string[], depth: number): string {
  const { headers, body } = readHeaders(lines, from, to, 'part');
  for (const [k, v] of headers) headers.set(k, decodeWords(v));
  return decodeBody(headers, lines, body, to, outer, depth);
}

/**
 * base64Bytes - base64 decoded as git mailinfo decodes it: characters outside the alphabet,
 * padding included, are skipped and decoding goes on (Node's decoder stops at the first `=`);
 * a body is decoded one line at a time.
 */
export function base64Bytes(text: string): Buffer {
  const out = Buffer.alloc(Math.floor((text.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let pos = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    let c: number;
    if (ch >= 65 && ch <= 90) c = ch - 65;
    else if (ch >= 97 && ch <= 122) c = ch - 71;
    else if (ch >= 48 && ch <= 57) c = ch + 4;
    else if (ch === 43) c = 62;
    else if (ch === 47) c = 63;
    else continue;
    switch (pos++) {
      case 0: acc = c << 2; break;
      case 1: out[n++] = acc | (c >> 4); acc = (c & 15) << 4; break;
      case 2: out[n++] = acc | (c >> 2); acc = (c & 3) << 6; break;
      default: out[n++] = acc | c; acc = 0; pos = 0;
    }
  }
  return out.subarray(0, n);
}

/**
 * parseSubject - `[PATCH v2 3/4] title`, `[RFC PATCH 0/3]`, `Re: [PATCH] x`, `[PATCH net-next v3 02/10]`.
 * Several bracket groups are allowed; every tag of every group counts.
 */
export function parseSubject(subject: string): PatchSubject {
  let s = subject.replace(/\s+/g, ' ').trim();
  const reply = /^(re|aw)\s*:/i.test(s);
  s = s.replace(/^((re|fwd?|aw)\s*:\s*)+/i, '');
  const tags: string[] = [];
  for (;;) {
    const m = /^\[([^\]]*)\]\s*/.exec(s);
    if (!m) break;
    tags.push(...m[1].split(/[\s,]+/).filter(Boolean));
    s = s.slice(m[0].length);
  }
  const out: PatchSubject = { title: s, tags, rfc: tags.some((t) => /^rfc$/i.test(t)), reply };
  for (const t of tags) {
    const v = /^v(\d+)$/i.exec(t);
    if (v) out.version = Number(v[1]);
    const n = /^(\d+)\/(\d+)$/.exec(t);
    if (n) {
      out.index = Number(n[1]);
      out.total = Number(n[2]);
    }
  }
  return out;
}

// Trailer names as the kernel's submitting-patches and b4 use them; any `Word-Word: value` line in the
// last paragraph counts too, as long as the paragraph holds nothing else.
const TRAILER = /^([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*):\s+(\S.*)$/;

/** splitTrailers - the trailers of a commit message (its last paragraph, when it is made of trailers only) */
export function splitTrailers(message: string): { description: string; trailers: Trailer[] } {
  // trimEnd(), not /\s+$/: that regex restarts at every blank of a long run and takes quadratic time.
  const lines = message.trimEnd().split('\n');
  let start = lines.length;
  while (start > 0 && lines[start - 1].trim() !== '') start--;
  const para = lines.slice(start);
  // "Fixes:" lines may wrap their subject; continuation lines start with whitespace.
  const isTrailerPara = para.length > 0 && para.every((l) => TRAILER.test(l) || /^\s+\S/.test(l) || /^\(cherry picked/.test(l))
    && TRAILER.test(para[0]);
  if (!isTrailerPara) return { description: message.trimEnd(), trailers: [] };
  const trailers: Trailer[] = [];
  for (const l of para) {
    const m = TRAILER.exec(l);
    if (m) trailers.push({ name: m[1], value: m[2].trim() });
    else if (trailers.length) trailers[trailers.length - 1].value += ` ${l.trim()}`;
  }
  return { description: lines.slice(0, start).join('\n').trimEnd(), trailers };
}

/**
 * patchBreak - whether @line ends the commit message, as git mailinfo decides: a `diff -` or
 * `Index: ` line, `--- ` followed by a name, or `---` followed by nothing but blanks. Characters
 * are compared one by one: this reads attacker text and must stay linear.
 */
function patchBreak(line: string): boolean {
  if (line.startsWith('diff -') || line.startsWith('Index: ')) return true;
  if (line.length < 3 || !line.startsWith('---')) return false;
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
  if (line[3] === ' ' && line.length > 4 && !blank(line[4])) return true;
  for (let k = 3; k < line.length; k++) if (!blank(line[k])) return false;
  return true;
}

/**
 * splitBody - the commit message, and the text git apply reads after it. The message ends where git
 * mailinfo ends it (patchBreak); everything after it goes to the diff reader, which, like git
 * apply, takes the files it finds there and ignores the rest (a diffstat, notes, the signature).
 */
export function splitBody(body: string): { message: string; diff: string } {
  const lines = body.split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (patchBreak(lines[i])) {
      end = i;
      break;
    }
  }
  const message = lines.slice(0, end).join('\n');
  // The separator itself (`---`) is not part of any diff; a diff header is.
  const from = end < lines.length && lines[end].startsWith('---') && !lines[end].startsWith('--- ') ? end + 1 : end;
  const rest = lines.slice(from).join('\n');
  return { message, diff: rest.trim() ? `${rest}\n` : '' };
}

/** parsePatchMail - one message (git format-patch file or a mail of a series) taken apart */
export function parsePatchMail(raw: string): PatchMail {
  const msg = parseMessage(raw);
  const rawSubject = msg.headers.get('subject') ?? '';
  const { message, diff } = splitBody(msg.body);
  const { description, trailers } = splitTrailers(message);
  return {
    subject: parseSubject(rawSubject),
    rawSubject,
    from: msg.headers.get('from'),
    date: msg.headers.get('date'),
    messageId: msg.headers.get('message-id')?.trim(),
    description,
    trailers,
    diff,
  };
}
