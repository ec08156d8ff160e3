// Unified diffs read and applied the way `git apply` (and so `git am`) reads and applies them: what a
// review simulates must be what git would put in the tree, byte for byte, or the review is of
// another patch. Each rule below is git's own: where a diff starts, where a hunk ends (its line
// counts, not the next header), what lies between files (ignored), where a hunk is placed (its new
// start first, then outwards, with every context line exact).
import { InputError } from './mail';

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** each line with its marker: ' ', '-', '+' or '\' (no newline at end of file) */
  lines: string[];
}

/** One file of a diff, as git apply reads it. */
export interface FileDiff {
  /** names as written (with a/ b/ prefixes), undefined for /dev/null */
  oldFileName?: string;
  newFileName?: string;
  /** a `diff --git` block */
  isGit: boolean;
  isCreate: boolean;
  isDelete: boolean;
  /** a `GIT binary patch` or `Binary files … differ` */
  isBinary: boolean;
  renameOrCopy: boolean;
  /** a copy: the source stays where it is */
  isCopy?: boolean;
  similarity?: number;
  oldMode?: string;
  newMode?: string;
  hunks: Hunk[];
  /** why git would read this file differently from what its lines seem to say */
  ambiguous?: string;
}

/** Line comparisons one hunk may take to find its place (a crafted hunk of repeated lines against a large file). */
const MAX_PLACING_WORK = 50_000_000;

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** A name from a `--- `/`+++ `/`rename from ` line: C-quoted names unquoted, a trailing tab and timestamp dropped. */
function headerName(raw: string): string | undefined {
  let s = raw.replace(/^[ \t]+/, '');
  if (s.startsWith('"')) {
    const end = closingQuote(s);
    if (end < 0) return s;
    return unquote(s.slice(1, end));
  }
  const tab = s.indexOf('\t');
  if (tab >= 0) s = s.slice(0, tab);
  s = s.replace(/[ \t]+$/, '');
  return s === '/dev/null' ? undefined : s;
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** A C-quoted name's text: \n, \t, \", \\ and octal bytes (UTF-8) decoded. */
function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) oct += s[++i];
      bytes.push(parseInt(oct, 8) & 0xff);
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };
      bytes.push(map[n] ?? n.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const EXTENDED = ['old mode ', 'new mode ', 'deleted file mode ', 'new file mode ', 'copy from ', 'copy to ', 'rename old ', 'rename new ',
  'rename from ', 'rename to ', 'similarity index ', 'dissimilarity index ', 'index '];

/**
 * parseDiffText - the files of @text in git apply's reading. Lines outside any file (a diffstat,
 * notes, a mail signature after the last hunk) are ignored, as git ignores them; a hunk whose lines
 * fall short of its counts, or a hunk with no file header, is malformed (InputError).
 */
export function parseDiffText(text: string, where: string): FileDiff[] {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) if (lines[k].endsWith('\r')) lines[k] = lines[k].slice(0, -1);
  const out: FileDiff[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.startsWith('@@ -')) throw new InputError(`${where}: malformed diff: a hunk has no file header (--- / +++) at line ${i + 1}`);
    if (l.startsWith('diff --git ')) {
      i = gitFile(lines, i, where, out);
      continue;
    }
    // A traditional diff: `--- name`, `+++ name`, then a hunk.
    if (l.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ') && (lines[i + 2] ?? '').startsWith('@@ -')) {
      const f: FileDiff = { oldFileName: headerName(l.slice(4)), newFileName: headerName(lines[i + 1].slice(4)), isGit: false, isCreate: false, isDelete: false, isBinary: false, renameOrCopy: false, hunks: [] };
      f.isCreate = f.oldFileName === undefined;
      f.isDelete = f.newFileName === undefined;
      i = hunks(lines, i + 2, where, f);
      out.push(f);
      continue;
    }
    i++;
  }
  return out;
}

function gitFile(lines: string[], start: number, where: string, out: FileDiff[]): number {
  const f: FileDiff = { isGit: true, isCreate: false, isDelete: false, isBinary: false, renameOrCopy: false, hunks: [] };
  // Names from the `diff --git a/X b/Y` line when nothing else names them (a mode change, a pure rename).
  const head = lines[start].slice('diff --git '.length);
  let i = start + 1;
  let oldName: string | undefined;
  let newName: string | undefined;
  let sawMinus = false;
  let sawPlus = false;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('--- ')) {
      oldName = headerName(l.slice(4));
      sawMinus = true;
      continue;
    }
    if (l.startsWith('+++ ')) {
      newName = headerName(l.slice(4));
      sawPlus = true;
      continue;
    }
    const ext = EXTENDED.find((e) => l.startsWith(e));
    if (!ext) break;
    const value = l.slice(ext.length);
    if (ext === 'old mode ' || ext === 'deleted file mode ') f.oldMode = value.trim();
    if (ext === 'new mode ' || ext === 'new file mode ') f.newMode = value.trim();
    if (ext === 'new file mode ') f.isCreate = true;
    if (ext === 'deleted file mode ') f.isDelete = true;
    if (ext.startsWith('rename ') || ext.startsWith('copy ')) {
      f.renameOrCopy = true;
      if (ext.startsWith('copy ')) f.isCopy = true;
      if (/ (from|old) $/.test(ext)) oldName = `a/${headerName(value) ?? ''}`;
      else newName = `b/${headerName(value) ?? ''}`;
    }
    if (ext === 'similarity index ') f.similarity = parseInt(value, 10);
  }
  if (!sawMinus && !sawPlus && !f.renameOrCopy) {
    // `diff --git a/X b/X`: both sides name the same file.
    const half = (head.length - 1) / 2;
    const a = head.slice(0, half);
    const b = head.slice(half + 1);
    if (Number.isInteger(half) && head[half] === ' ' && a.slice(2) === b.slice(2)) {
      oldName = a;
      newName = b;
    } else {
      f.ambiguous = 'its diff --git line names no file git can tell';
      oldName = newName = head;
    }
  }
  if (sawMinus && oldName === undefined) f.isCreate = true;
  if (sawPlus && newName === undefined) f.isDelete = true;
  f.oldFileName = f.isCreate ? undefined : oldName;
  f.newFileName = f.isDelete ? undefined : newName;
  const l = lines[i] ?? '';
  if (l === 'GIT binary patch' || (l.startsWith('Binary files ') && l.endsWith(' differ'))) {
    f.isBinary = true;
    out.push(f);
    return i + 1;
  }
  i = hunks(lines, i, where, f);
  out.push(f);
  return i;
}

/** The hunks from @start on, each ended by its line counts as git ends it; returns the line after them. */
function hunks(lines: string[], start: number, where: string, f: FileDiff): number {
  let i = start;
  while (i < lines.length && lines[i].startsWith('@@ -')) {
    const m = HUNK.exec(lines[i]);
    if (!m) throw new InputError(`${where}: malformed diff: bad hunk header at line ${i + 1}`);
    const h: Hunk = { oldStart: +m[1], oldLines: m[2] === undefined ? 1 : +m[2], newStart: +m[3], newLines: m[4] === undefined ? 1 : +m[4], lines: [] };
    const at = i + 1;
    let oldLeft = h.oldLines;
    let newLeft = h.newLines;
    let changed = 0;
    i++;
    for (; i < lines.length && (oldLeft > 0 || newLeft > 0); i++) {
      const l = lines[i];
      const c = l[0];
      // The last element of the split is not a line (no newline after it).
      if (i === lines.length - 1 && l === '') break;
      if (c === ' ' || l === '') {
        oldLeft--;
        newLeft--;
        h.lines.push(l === '' ? ' ' : l);
      } else if (c === '-') {
        oldLeft--;
        changed++;
        h.lines.push(l);
      } else if (c === '+') {
        newLeft--;
        changed++;
        h.lines.push(l);
      } else if (c === '\\' && l.length >= 12 && l.startsWith('\\ ')) {
        h.lines.push(l);
      } else {
        throw new InputError(`${where}: malformed diff: corrupt hunk at line ${at}: line ${i + 1} is not part of it`);
      }
      if (oldLeft < 0 || newLeft < 0) throw new InputError(`${where}: malformed diff: corrupt hunk at line ${at}: more lines than its header counts`);
    }
    if (oldLeft > 0 || newLeft > 0) throw new InputError(`${where}: malformed diff: corrupt hunk at line ${at}: fewer lines than its header counts`);
    if (!changed) throw new InputError(`${where}: malformed diff: corrupt hunk at line ${at}: it changes nothing`);
    // A hunk that ends with an incomplete line: its marker comes after the counts are used up.
    if ((lines[i] ?? '').startsWith('\\ ') && lines[i].length >= 12) h.lines.push(lines[i++]);
    const mid = midHunkMarker(h);
    if (mid) f.ambiguous = mid;
    f.hunks.push(h);
  }
  return i;
}

/**
 * A "\ No newline at end of file" marker git applies by joining the line before it to the next
 * one: anywhere but after the last line of its side of the hunk, it makes lines the diff does not
 * show (`+#define X` then `\` then `+	unlock();` is one line `#define X	unlock();` in the tree).
 */
function midHunkMarker(h: Hunk): string | undefined {
  for (let k = 0; k < h.lines.length; k++) {
    if (h.lines[k][0] !== '\\') continue;
    const prev = h.lines[k - 1]?.[0];
    const later = h.lines.slice(k + 1).map((l) => l[0]);
    const sameSide = prev === '-' ? later.some((c) => c === '-' || c === ' ') : prev === '+' ? later.some((c) => c === '+' || c === ' ') : later.some((c) => c !== '\\');
    if (prev === undefined || prev === '\\' || sameSide) return 'a "\\ No newline at end of file" marker inside a hunk joins the lines around it when git applies it';
  }
  return undefined;
}

/** Lines of a text and whether it ends with a newline. */
function split(text: string): { lines: string[]; eol: boolean } {
  if (text === '') return { lines: [], eol: true };
  const eol = text.endsWith('\n');
  const lines = (eol ? text.slice(0, -1) : text).split('\n');
  return { lines, eol };
}

/** Why a hunk did not apply: the line it needed to remove, or its context, is not in the text. */
export interface HunkFailure {
  index: number;
  reason: string;
}

/**
 * applyHunks - @hunks applied to @text in order, as git apply places them: each hunk's old lines
 * (context and removed) must match exactly, never against lines an earlier hunk wrote; the search starts at the line its new start names and
 * moves outwards one line at a time, below first; a hunk that starts at line 0 or 1 must match at
 * the top, one with no trailing context at the end. Returns the new text, or the first hunk that
 * does not apply.
 */
export function applyHunks(text: string, hunks: Hunk[]): string | HunkFailure {
  const { lines: img, eol } = split(text);
  // Lines an earlier hunk wrote: git never matches a later hunk against them (LINE_PATCHED).
  const patched: boolean[] = img.map(() => false);
  let endsWithNewline = eol;
  for (let n = 0; n < hunks.length; n++) {
    const h = hunks[n];
    const pre: string[] = [];
    const post: string[] = [];
    let leading = 0;
    let trailing = 0;
    let seenChange = false;
    let preNoEol = false;
    let postNoEol = false;
    for (let k = 0; k < h.lines.length; k++) {
      const l = h.lines[k];
      const c = l[0];
      const body = l.slice(1);
      if (c === '\\') continue;
      const marked = h.lines[k + 1]?.[0] === '\\';
      if (c === ' ') {
        pre.push(body);
        post.push(body);
        if (!seenChange) leading++;
        trailing++;
        if (marked) preNoEol = postNoEol = true;
      } else if (c === '-') {
        pre.push(body);
        seenChange = true;
        trailing = 0;
        if (marked) preNoEol = true;
      } else if (c === '+') {
        post.push(body);
        seenChange = true;
        trailing = 0;
        if (marked) postNoEol = true;
      }
    }
    const matchBeginning = h.oldStart <= 1;
    const matchEnd = trailing === 0;
    let line = h.newStart > 0 ? h.newStart - 1 : 0;
    if (line > img.length) line = img.length;
    if (matchBeginning) line = 0;
    else if (matchEnd) line = Math.max(0, img.length - pre.length);
    let work = 0;
    const fits = (at: number): boolean => {
      if (at < 0 || at + pre.length > img.length) return false;
      if (matchBeginning && at !== 0) return false;
      if (matchEnd && at + pre.length !== img.length) return false;
      for (let k = 0; k < pre.length; k++) {
        work++;
        if (patched[at + k] || img[at + k] !== pre[k]) return false;
      }
      // An old side that ends without a newline must be the text's last line, without one.
      if (preNoEol && (at + pre.length !== img.length || endsWithNewline)) return false;
      return true;
    };
    let found = -1;
    // Below first, then above, one line further each time: git's order.
    for (let d = 0; pre.length <= img.length; d++) {
      const below = line + d;
      const above = line - d;
      if (below > img.length && above < 0) break;
      if (below <= img.length && fits(below)) {
        found = below;
        break;
      }
      if (d > 0 && above >= 0 && fits(above)) {
        found = above;
        break;
      }
      work += 2;
      if (work > MAX_PLACING_WORK) return { index: n, reason: 'placing it would compare more lines than a review allows' };
    }
    if (found < 0) {
      const removed = h.lines.filter((l) => l[0] === '-').map((l) => l.slice(1));
      const missing = removed.find((l) => !img.includes(l));
      return { index: n, reason: missing !== undefined ? `the tree has no line "${missing.trim().slice(0, 60)}" to remove` : 'its context does not match the tree' };
    }
    const endsHere = found + pre.length === img.length;
    img.splice(found, pre.length, ...post);
    patched.splice(found, pre.length, ...post.map(() => true));
    if (endsHere) endsWithNewline = !postNoEol;
  }
  if (!img.length) return '';
  return img.join('\n') + (endsWithNewline ? '\n' : '');
}
