// What a patch from a public list may make us read, and what we refuse to call reviewed: every byte of a
// patch is written by whoever sent it, so the paths it names, the changes it claims and its size are checked
// here before anything is read from the tree.
import { realpathSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import type { StructuredPatch } from 'diff';
import { InputError } from './mail';

/** Caps on one run: beyond any of them the run stops with one line (exit 2), never a V8 heap abort. */
export const LIMITS = {
  /** uncompressed bytes of review input in one run: every file of a folder, and stdin, together */
  inputBytes: 32 * 1024 * 1024,
  /** patches in one series */
  patches: 1000,
  /** file changes in one patch, and in a whole series */
  filesPerPatch: 1000,
  filesPerSeries: 2000,
  /** bytes of tree text one review may read from disk (the files it analyses, and callers of a changed contract) */
  treeReadBytes: 256 * 1024 * 1024,
  /** bytes of text the patches of one series may produce (each version of a changed file counts) */
  patchedBytes: 128 * 1024 * 1024,
  /** bytes of C source `check`, `simulate` and `index` read in one run, all files of every folder together */
  sourceBytes: 128 * 1024 * 1024,
  /** lines of one review input: each line costs far more than its bytes once split (a real thread has tens of thousands) */
  inputLines: 1_000_000,
} as const;

/** checkLines - @text of review input @name, refused past LIMITS.inputLines before anything splits it. */
export function checkLines(text: string, name: string): string {
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (++lines > LIMITS.inputLines) throw new LimitError(`${name}: more than ${LIMITS.inputLines.toLocaleString('en')} lines in one review input`);
  }
  return text;
}

export const mib = (n: number): string => {
  const m = n / 1048576;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
};

/** A cap of LIMITS was reached: one line for stderr, exit 2. */
export class LimitError extends InputError {
  override name = 'LimitError';
}

/** A patch we refuse to read: it names something outside the C of the tree. */
export class RefusedPatchError extends InputError {
  override name = 'RefusedPatchError';
  constructor(readonly patch: string, readonly path: string, reason: string) {
    super(`patch "${patch}" refused: ${path}: ${reason}`);
  }
}

/** A patch whose change cannot be read as text (binary, mode-only, rename with an unseen change): never "no change". */
export class NotReviewableError extends InputError {
  override name = 'NotReviewableError';
  constructor(readonly patch: string, readonly path: string, readonly reason: string) {
    super(`patch "${patch}" is not reviewable: ${path}: ${reason}`);
  }
}

/** Counts bytes against a cap shared by every read of one run. */
export class Budget {
  used = 0;
  constructor(readonly cap: number, private readonly what: string) {}
  /** the bytes still allowed */
  get left(): number {
    return Math.max(0, this.cap - this.used);
  }
  charge(bytes: number, name: string): void {
    this.used += bytes;
    if (this.used > this.cap) throw new LimitError(`${name}: ${this.what} is larger than the ${mib(this.cap)} limit of one run`);
  }
}

/**
 * How a path of the tree may be used: C source is applied, simulated and shown; build and documentation
 * files (Kconfig, Makefile, Kbuild, MAINTAINERS, Documentation/) are applied, so a series that touches them
 * still applies, but are never shown or simulated.
 */
export type PathKind = 'c' | 'build';

const BUILD_NAME = /^(Kconfig|Makefile|Kbuild)(\.[A-Za-z0-9_.-]+)?$/;
const DOC_EXT = /\.(rst|txt|yaml)$/;

/** A component that starts with a dot: `.git`, `.config`, `.env`; `.` and `..` too. */
export function hasDotComponent(p: string): boolean {
  return p.split('/').some((c) => c.startsWith('.'));
}

/** pathKind - what a tree-relative, normalised path is to a review, or why it is refused. */
export function pathKind(p: string): PathKind | { refused: string } {
  if (!p || posix.isAbsolute(p) || p === '..' || p.startsWith('../')) return { refused: 'leaves the tree' };
  if (hasDotComponent(p)) return { refused: 'a hidden (dot) path, never read' };
  const base = posix.basename(p);
  if (/\.[ch]$/.test(base)) return 'c';
  if (BUILD_NAME.test(base) || p === 'MAINTAINERS' || (p.startsWith('Documentation/') && DOC_EXT.test(base))) return 'build';
  return { refused: 'not C source (.c or .h) or a build file: a patch may only touch C, Kconfig, Makefile and documentation' };
}

/**
 * resolveInside - the real path of @rel under the real tree @realRoot, resolving the deepest part that
 * exists (a file the series creates does not), or a reason when a symlink leads out of the tree or onto a
 * path pathKind() would refuse (`drivers/iommu/x.c -> ../../.git/config`).
 */
export function resolveInside(realRoot: string, rel: string): { real: string } | { refused: string } {
  let probe = join(realRoot, rel);
  let rest = '';
  for (;;) {
    try {
      const real = realpathSync(probe);
      const full = rest ? join(real, rest) : real;
      const inside = relative(realRoot, full);
      if (!inside || inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith('/')) return { refused: 'a symlink leads out of the tree' };
      const kind = pathKind(inside.split(sep).join('/'));
      if (typeof kind !== 'string') return { refused: `a symlink leads to ${inside.split(sep).join('/')}: ${kind.refused.split(':')[0]}` };
      if (kind !== pathKind(rel)) return { refused: 'a symlink leads to a file of another kind' };
      return { real: full };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') return { refused: 'a symlink loop' };
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return { refused: `cannot be resolved (${code ?? 'error'})` };
      const up = dirname(probe);
      if (up === probe || !(up + sep).startsWith(realRoot + sep) && up !== realRoot) return { refused: 'a symlink leads out of the tree' };
      rest = rest ? join(probe.slice(up.length + 1), rest) : probe.slice(up.length + 1);
      probe = up;
    }
  }
}

/** What the git extended headers of one `diff --git` block say, beyond what jsdiff keeps. */
export interface GitFacts {
  binary: boolean;
  similarity?: number;
  renameOrCopy: boolean;
  oldMode?: string;
  newMode?: string;
}

/**
 * gitFacts - per `diff --git` block of @text, in order, the headers jsdiff drops: a `GIT binary patch`
 * section (jsdiff turns it into a change with no hunks), the similarity index of a rename or copy, modes;
 * and whether a plain diff (`diff -ru`) has a `Binary files … differ` line, which jsdiff drops whole.
 * A hunk line always starts with ' ', '+', '-' or a backslash, so none of these can be hunk content. Line starts
 * are compared as plain strings: this reads attacker text and must stay linear.
 */
export function gitFacts(text: string): { blocks: GitFacts[]; looseBinary: boolean } {
  const blocks: GitFacts[] = [];
  let looseBinary = false;
  let cur: GitFacts | undefined;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    if (line.startsWith('diff --git ')) {
      cur = { binary: false, renameOrCopy: false };
      blocks.push(cur);
      continue;
    }
    const binary = line === 'GIT binary patch' || (line.startsWith('Binary files ') && line.endsWith(' differ'));
    if (line.startsWith('diff ') || line.startsWith('Index: ')) cur = undefined; // a plain diff's own header
    if (!cur) {
      if (binary) looseBinary = true;
      continue;
    }
    if (binary) cur.binary = true;
    else if (line.startsWith('similarity index ')) cur.similarity = parseInt(line.slice(17), 10);
    else if (line.startsWith('rename from ') || line.startsWith('copy from ')) cur.renameOrCopy = true;
    else if (line.startsWith('old mode ') || line.startsWith('deleted file mode ')) cur.oldMode = line.slice(line.lastIndexOf(' ') + 1);
    else if (line.startsWith('new mode ') || line.startsWith('new file mode ')) cur.newMode = line.slice(line.lastIndexOf(' ') + 1);
  }
  return { blocks, looseBinary };
}

/**
 * unreviewableOf - for the entries jsdiff read from @text, why each that cannot be reviewed as text cannot.
 * jsdiff gives one entry per `diff --git` header; when the counts differ, no git entry is trusted.
 */
export function unreviewableOf(text: string, parsed: StructuredPatch[]): Map<StructuredPatch, string> {
  const { blocks, looseBinary } = gitFacts(text);
  const git = parsed.filter((p) => p.isGit);
  const out = new Map<StructuredPatch, string>();
  let g = 0;
  for (const p of parsed) {
    let why: string | undefined;
    if (p.isGit) why = git.length === blocks.length ? unreviewableReason(p, Boolean(p.isBinary), blocks[g++]) : 'its git headers do not match its files';
    else why = looseBinary ? 'the diff holds a binary change ("Binary files … differ") that cannot be read as text' : unreviewableReason(p, Boolean(p.isBinary), undefined);
    if (why) out.set(p, why);
  }
  return out;
}

/** The regular-file modes git writes; a C file turned into a symlink (120000) or a submodule (160000) is not text. */
const TEXT_MODES = new Set(['100644', '100755', '100664']);

/**
 * unreviewableReason - why one file change of a patch cannot be reviewed as text, or undefined.
 * @facts are its git headers (undefined for a plain `diff -u`), @patch what jsdiff read.
 */
export function unreviewableReason(patch: StructuredPatch, binary: boolean, facts: GitFacts | undefined): string | undefined {
  if (binary || facts?.binary) return 'a binary change (GIT binary patch or "Binary files … differ") cannot be read as text';
  if (facts?.newMode && !TEXT_MODES.has(facts.newMode)) return `it becomes mode ${facts.newMode} (a symlink or submodule), not a text file`;
  if (patch.hunks.length) return undefined;
  if (facts?.renameOrCopy) {
    if (facts.similarity !== undefined && facts.similarity < 100) return `a rename or copy with changes (similarity ${facts.similarity}%) but no text hunks`;
    return undefined; // a pure rename or copy: the text is the tree's
  }
  if (facts?.oldMode && facts.newMode && facts.oldMode !== facts.newMode) return `a mode-only change (${facts.oldMode} to ${facts.newMode})`;
  if (patch.isCreate || patch.isDelete) return undefined; // an empty file created, or a file deleted whole
  if (facts) return 'a change with no text hunks';
  return undefined;
}

/** Counts file headers of a diff before it is parsed, so a patch of a million tiny files is refused cheaply. */
export function countFileHeaders(text: string): number {
  const count = (needle: string) => {
    let n = text.startsWith(needle.slice(1)) ? 1 : 0;
    for (let pos = 0; ;) {
      const at = text.indexOf(needle, pos);
      if (at < 0) return n;
      n++;
      pos = at + needle.length;
    }
  };
  return Math.max(count('\n+++ '), count('\ndiff --git '));
}
