// Review input: a unified diff, git format-patch files (one file or a folder), or an mbox/mboxrd series, read into ordered patches.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, looksLikeMail, parsePatchMail, splitMbox, type PatchSubject, type Trailer } from './mail';
import { Budget, checkLines, countFileHeaders, LIMITS, LimitError, unreviewableReason } from './policy';
import { parseDiffText, type FileDiff } from './gitdiff';

/** One patch of a series, parsed and ready to apply. */
export interface SeriesPatch {
  /** 1-based position in the series as applied */
  position: number;
  subject: PatchSubject;
  /** what to call the patch in messages: its subject line, or the file name of a bare diff */
  label: string;
  /** where it came from: a file name, or "mbox message 3" */
  source: string;
  from?: string;
  messageId?: string;
  description: string;
  trailers: Trailer[];
  files: FilePatch[];
}

/** What one patch does to one file. */
export interface FilePatch {
  /** tree-relative path before (undefined for a new file) and after (undefined for a deletion) */
  oldPath?: string;
  newPath?: string;
  binary: boolean;
  /** hunks to apply; empty for mode-only changes, pure renames and binary files */
  patch: FileDiff;
  /** why this change cannot be reviewed as text (binary, mode-only, a rename with an unseen change) */
  unreviewable?: string;
}

export interface Series {
  /** the cover letter's subject without prefixes, when there is one */
  title?: string;
  cover?: { subject: PatchSubject; description: string };
  patches: SeriesPatch[];
  /** replies of the thread that carry a diff: not the series, not reviewed, but `git am` of the mailbox would apply them */
  replies?: string[];
}

// Bounds on what we read: a review input is text written by people, never this large.
const MAX_INPUT_BYTES = 32 * 1024 * 1024;
const MAX_FOLDER_FILES = 500;

/**
 * stripPrefix - a path from a diff header as `git am` takes it (git apply -p1): its first component
 * dropped, whatever it is (`a/`, `b/`, `linux-6.1.orig/`, `tools/`); /dev/null is no file. A name
 * without a directory is kept whole, as git keeps it.
 */
export function stripPrefix(p: string | undefined): string | undefined {
  if (!p || p === '/dev/null') return undefined;
  const clean = p.replace(/^"|"$/g, '');
  const slash = clean.indexOf('/');
  return slash < 0 ? clean : clean.slice(slash + 1).replace(/^\/+/, '');
}

/** parseDiff - the file patches of one unified diff text (git or plain), with paths relative to the tree, as git apply reads it */
export function parseDiff(text: string, where: string): FilePatch[] {
  const headers = countFileHeaders(text);
  if (headers > LIMITS.filesPerPatch) throw new LimitError(`${where}: ${headers} changed files is more than the ${LIMITS.filesPerPatch} a review takes`);
  const out: FilePatch[] = [];
  for (const p of parseDiffText(text, where)) {
    const oldPath = p.isCreate ? undefined : stripPrefix(p.oldFileName);
    const newPath = p.isDelete ? undefined : stripPrefix(p.newFileName);
    const why = unreviewableReason(p, oldPath, newPath);
    out.push({ oldPath, newPath, binary: p.isBinary, patch: p, ...(why ? { unreviewable: why } : {}) });
  }
  return out;
}

/** A mailbox message or git format-patch file that holds a diff becomes one patch. */
function patchFromMail(raw: string, source: string, position: number): SeriesPatch | { cover: true; subject: PatchSubject; description: string } | { reply: true; label: string } | undefined {
  let mail;
  try {
    mail = parsePatchMail(raw);
  } catch (e) {
    // the one line on stderr names the input: "series.mbox message 3: malformed mail header line 2: ..."
    if (e instanceof InputError) throw new InputError(`${source}: ${e.message}`);
    throw e;
  }
  // A thread saved from an archive holds the review replies too; a diff in a reply is a suggestion,
  // not the series, but `git am` of the same mailbox applies it: it is named, never dropped silently.
  if (mail.subject.reply) {
    let carries = false;
    try {
      carries = parseDiff(mail.diff, source).length > 0;
    } catch {
      carries = true;
    }
    return carries ? { reply: true, label: mail.rawSubject || source } : undefined;
  }
  const files = mail.diff.trim() ? parseDiff(mail.diff, source) : [];
  if (!files.length) {
    // A numbered patch of the series without a diff: whatever it carries, git reads it another way.
    if (mail.subject.index !== undefined && mail.subject.index > 0) throw new InputError(`${source}: patch ${mail.subject.index}/${mail.subject.total} has no diff this review can read`);
    // The cover letter (0/N) or any diff-less mail of a thread: kept for its title, never applied.
    if (mail.subject.index === 0 || mail.subject.tags.length) return { cover: true, subject: mail.subject, description: mail.description };
    return undefined;
  }
  return {
    position,
    subject: mail.subject,
    label: mail.rawSubject || source,
    source,
    from: mail.from,
    messageId: mail.messageId,
    description: mail.description,
    trailers: mail.trailers,
    files,
  };
}

/**
 * parseSeriesText - patches of one text: an mbox of a series, one patch mail, or a bare diff.
 * @name names the input in error messages.
 */
export function parseSeriesText(text: string, name: string, allowCoverOnly = false): Series {
  if (text.includes('\0')) throw new InputError(`${name}: binary data, not a patch or mailbox`);
  if (!text.trim()) throw new InputError(`${name}: empty input`);
  const series: Series = { patches: [] };
  if (!looksLikeMail(text)) {
    const files = parseDiff(text, name);
    if (!files.length) throw new InputError(`${name}: no diff found (expected a unified diff, a patch mail or an mbox)`);
    series.patches.push({
      position: 1, subject: { title: basename(name), tags: [], rfc: false, reply: false }, label: basename(name), source: name,
      description: '', trailers: [], files,
    });
    return series;
  }
  const messages = splitMbox(text);
  messages.forEach((raw, i) => {
    const source = messages.length > 1 ? `${name} message ${i + 1}` : name;
    addMail(series, raw, source);
  });
  if (!(allowCoverOnly && series.cover && !series.patches.length)) finish(series, name);
  return series;
}

function addMail(series: Series, raw: string, source: string): void {
  const p = patchFromMail(raw, source, series.patches.length + 1);
  if (!p) return;
  if ('reply' in p) {
    (series.replies ??= []).push(p.label);
    return;
  }
  if (!('cover' in p)) checkSeriesSize(series, p.files.length);
  if ('cover' in p) {
    if (!series.cover && p.subject.index === 0) {
      series.cover = { subject: p.subject, description: p.description };
      series.title = p.subject.title;
    }
    return;
  }
  series.patches.push(p);
}

/** Refuses a series past LIMITS before it is held in memory: thousands of tiny patches grew to gigabytes. */
function checkSeriesSize(series: Series, moreFiles: number): void {
  if (series.patches.length >= LIMITS.patches) throw new LimitError(`more than ${LIMITS.patches} patches in one series`);
  const files = series.patches.reduce((n, q) => n + q.files.length, moreFiles);
  if (files > LIMITS.filesPerSeries) throw new LimitError(`more than ${LIMITS.filesPerSeries} changed files in one series`);
}

/** Orders a mailbox's patches by their k/N numbers when every one has them (archives may hold them out of order). */
function finish(series: Series, name: string): void {
  if (!series.patches.length) throw new InputError(`${name}: no patch with a diff found`);
  const numbered = series.patches.every((p) => p.subject.index !== undefined);
  if (numbered) {
    const seen = new Set<number>();
    for (const p of series.patches) {
      if (seen.has(p.subject.index!)) throw new InputError(`${name}: two patches numbered ${p.subject.index}/${p.subject.total} (more than one revision of the series?)`);
      seen.add(p.subject.index!);
    }
    series.patches.sort((a, b) => a.subject.index! - b.subject.index!);
    // Several patches of one series: every one of them, or the review is of another series.
    const totals = new Set(series.patches.map((p) => p.subject.total));
    const total = series.patches[0].subject.total;
    if (series.patches.length > 1 && totals.size === 1 && total !== undefined && series.patches.length < total) {
      const missing = Array.from({ length: total }, (_, k) => k + 1).filter((k) => !seen.has(k));
      throw new InputError(`${name}: the series is incomplete: patch${missing.length === 1 ? '' : 'es'} ${missing.slice(0, 10).map((k) => `${k}/${total}`).join(', ')}${missing.length > 10 ? ', …' : ''} missing`);
    }
  }
  series.patches.forEach((p, i) => (p.position = i + 1));
}

function readText(path: string, budget: Budget): string {
  const st = statSync(path);
  if (st.size > MAX_INPUT_BYTES) throw new InputError(`${path}: ${st.size} bytes is too large for a patch or mailbox`);
  if (st.size > budget.left) budget.charge(st.size, path);
  const bytes = readFileSync(path);
  // lore serves threads as t.mbox.gz
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let text: Buffer;
    try {
      text = gunzipSync(bytes, { maxOutputLength: Math.max(1, Math.min(MAX_INPUT_BYTES, budget.left)) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' && budget.left < MAX_INPUT_BYTES) budget.charge(budget.cap + 1, path);
      throw new InputError(`${path}: cannot decompress: ${(e as Error).message}`);
    }
    budget.charge(text.length, path);
    return checkLines(text.toString('utf8'), path);
  }
  budget.charge(bytes.length, path);
  return checkLines(bytes.toString('utf8'), path);
}

/**
 * loadSeries - read a review input from disk: a file (diff, patch mail, mbox) or a folder of
 * git format-patch files, applied in file-name order (the cover letter is recognised, not applied).
 */
export function loadSeries(path: string, budget = new Budget(LIMITS.inputBytes, 'the review input')): Series {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return parseSeriesText(readText(path, budget), path);
  const names = readdirSync(path)
    .filter((n) => /\.(patch|diff|eml|mbx|mbox|mbox\.gz)$/i.test(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (!names.length) throw new InputError(`${path}: no .patch, .diff, .eml or .mbx files in the folder`);
  // A folder may hold several files of one series; their own k/N numbers are not trusted over file order.
  if (names.length > MAX_FOLDER_FILES) throw new InputError(`${path}: ${names.length} patch files is more than ${MAX_FOLDER_FILES}`);
  const series: Series = { patches: [] };
  for (const n of names) {
    const file = join(path, n);
    const one = parseSeriesText(readText(file, budget), file, true);
    if (one.cover && !series.cover) {
      series.cover = one.cover;
      series.title = one.title;
    }
    if (one.replies) (series.replies ??= []).push(...one.replies);
    for (const p of one.patches) {
      checkSeriesSize(series, p.files.length);
      series.patches.push({ ...p, position: series.patches.length + 1 });
    }
  }
  if (!series.patches.length) throw new InputError(`${path}: no patch with a diff found in the folder`);
  return series;
}
