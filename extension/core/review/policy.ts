// What a patch from a public list may make us read, and what we refuse to call reviewed: every byte of a
// patch is written by whoever sent it, so the paths it names, the changes it claims and its size are checked
// here before anything is read from the tree.
import { realpathSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import type { FileDiff } from './gitdiff';
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
  /** C functions the patches of one review change: each is simulated on both sides (a kernel series changes tens) */
  changedFunctions: 500,
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

/** The regular-file modes git writes; a C file turned into a symlink (120000) or a submodule (160000) is not text. */
const TEXT_MODES = new Set(['100644', '100755', '100664']);

/**
 * unreviewableReason - why one file change of a patch cannot be reviewed as text, or undefined.
 * @oldPath and @newPath are its names without their a/ b/ prefixes.
 */
export function unreviewableReason(f: FileDiff, oldPath: string | undefined, newPath: string | undefined): string | undefined {
  if (f.ambiguous) return f.ambiguous;
  if (f.isBinary) return 'a binary change (GIT binary patch or "Binary files … differ") cannot be read as text';
  if (f.newMode && !TEXT_MODES.has(f.newMode)) return `it becomes mode ${f.newMode} (a symlink or submodule), not a text file`;
  // git applies a plain diff to one file whichever of its two names it picks: which one is not
  // for a review to guess.
  if (!f.isGit && oldPath !== undefined && newPath !== undefined && oldPath !== newPath) return `a plain diff whose --- and +++ lines name different files (${oldPath}, ${newPath})`;
  if (f.hunks.length) return undefined;
  if (f.renameOrCopy) {
    if (f.similarity !== undefined && f.similarity < 100) return `a rename or copy with changes (similarity ${f.similarity}%) but no text hunks`;
    return undefined; // a pure rename or copy: the text is the tree's
  }
  if (f.oldMode && f.newMode && f.oldMode !== f.newMode) return `a mode-only change (${f.oldMode} to ${f.newMode})`;
  if (f.isCreate || f.isDelete) return undefined; // an empty file created, or a file deleted whole
  if (f.isGit) return 'a change with no text hunks';
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
