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

// A mbox "From_" line: `From <sender> <asctime>`, as written by git format-patch, lore (mboxrd@z), mutt and b4.
// Strict on purpose: a body line that merely starts with "From " must not split a message.
const FROM_LINE = /^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}(:\d{2})? (?:[A-Z]{2,5} |[+-]\d{4} )?\d{4}\s*$/;

/** isMboxFromLine - whether @line starts a new message in a mailbox */
export function isMboxFromLine(line: string): boolean {
  return FROM_LINE.test(line);
}

/** looksLikeMail - whether @text starts like an RFC 2822 message or a mailbox (not a bare diff) */
export function looksLikeMail(text: string): boolean {
  const first = text.replace(/^\uFEFF/, '').split('\n', 1)[0].replace(/\r$/, '');
  if (isMboxFromLine(first)) return true;
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
    if (enc.toLowerCase() === 'b') bytes = Buffer.from(data, 'base64');
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
  const headers = new Map<string, string>();
  let i = 0;
  let last: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') {
      i++;
      break;
    }
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) {
      // Not a header at all: there was no header block (a bare diff or a hand-written note).
      if (headers.size === 0) {
        i = 0;
        break;
      }
      throw new InputError(`malformed mail header line ${i + 1}: "${line.slice(0, 60)}"`);
    }
    const name = m[1].toLowerCase();
    if (!headers.has(name)) {
      headers.set(name, m[2]);
      last = name;
    } else {
      last = undefined; // a repeated header (Received:…) is not needed
    }
  }
  for (const [k, v] of headers) headers.set(k, decodeWords(v));
  const body = decodeBody(headers, lines.slice(i).join('\n'));
  return { headers, body };
}

function param(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The text of a body: transfer encoding undone, multipart reduced to its text and patch parts. */
function decodeBody(headers: Map<string, string>, body: string): string {
  const ctype = headers.get('content-type') ?? 'text/plain';
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const charset = param(ctype, 'charset') ?? 'utf-8';
  if (/^multipart\//i.test(ctype)) {
    const boundary = param(ctype, 'boundary');
    if (!boundary) throw new InputError('multipart mail without a boundary');
    const parts = body.split(new RegExp(`^--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*$`, 'm'));
    const texts: string[] = [];
    // parts[0] is the preamble, the last one the epilogue after the closing boundary
    for (const part of parts.slice(1)) {
      const p = part.replace(/^\n/, '');
      if (p.trim() === '') continue;
      const sub = parseMessage(p);
      const st = sub.headers.get('content-type') ?? 'text/plain';
      if (/^(text\/|multipart\/|application\/(x-)?(patch|diff))/i.test(st)) texts.push(sub.body);
    }
    return texts.join('\n');
  }
  if (cte === 'quoted-printable') return bufferToText(qpBytes(body, true), charset);
  if (cte === 'base64') return bufferToText(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset);
  return body;
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
 * A line that starts a diff: `diff --git `, `Index: `, `--- x`, or a plain `diff` whose options
 * include -r or -u (`diff -ruN `). The option letters are read by a loop: a regex like
 * `-[A-Za-z]*[ru][A-Za-z]* ` tries every split of a long run of letters and takes quadratic time.
 */
function isDiffStartLine(line: string): boolean {
  if (line.startsWith('diff --git ') || line.startsWith('Index: ')) return true;
  if (line.startsWith('--- ')) return line.length > 4 && !/\s/.test(line[4]);
  if (!line.startsWith('diff -')) return false;
  let ru = false;
  for (let k = 6; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 0x20) return ru;
    const upper = c >= 0x41 && c <= 0x5a;
    const lower = c >= 0x61 && c <= 0x7a;
    if (!upper && !lower) return false;
    if (c === 0x72 || c === 0x75) ru = true;
  }
  return false;
}

/**
 * splitBody - the commit message, and the diff that follows it.
 * The message ends at the first `---` line; what follows it up to the first diff header is notes and
 * diffstat, ignored. The diff ends at the mail signature (`-- ` alone on a line, as git format-patch
 * writes before its version), which would otherwise read as a removed line.
 */
export function splitBody(body: string): { message: string; diff: string } {
  const lines = body.split('\n');
  let sep = -1;
  let diffAt = -1;
  for (let i = 0; i < lines.length; i++) {
    if (sep < 0 && lines[i] === '---') sep = i;
    if (isDiffStartLine(lines[i]) && isDiffStart(lines, i)) {
      diffAt = i;
      break;
    }
  }
  const messageEnd = sep >= 0 && (diffAt < 0 || sep < diffAt) ? sep : diffAt >= 0 ? diffAt : lines.length;
  const message = lines.slice(0, messageEnd).join('\n');
  if (diffAt < 0) return { message, diff: '' };
  let end = lines.length;
  for (let i = diffAt; i < lines.length; i++) {
    if (lines[i] === '-- ') {
      end = i;
      break;
    }
  }
  return { message, diff: lines.slice(diffAt, end).join('\n') + '\n' };
}

/** A `--- x` line begins a diff only when `+++ ` follows it; `diff`/`Index:` headers always do. */
function isDiffStart(lines: string[], i: number): boolean {
  if (!lines[i].startsWith('--- ')) return true;
  return (lines[i + 1] ?? '').startsWith('+++ ');
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
