// In-memory application of patches to a tree: offsets and fuzz through jsdiff, series in order, and nothing ever written to disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { applyPatch, reversePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { InputError } from './mail';
import type { FilePatch, SeriesPatch } from './series';

/** How far a hunk's context may differ from the tree and still apply (lines). git am allows none; patch(1) allows 2. */
export const FUZZ = 2;
// A file larger than this is not source code we can review; reading it would only cost memory.
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** A hunk that does not apply: names the patch, the file and the hunk, for one line on stderr. */
export class ApplyError extends InputError {
  override name = 'ApplyError';
  constructor(readonly patch: string, readonly file: string, readonly hunk: number, readonly hunkHeader: string, reason: string) {
    super(`patch "${patch}" does not apply: ${file}: hunk #${hunk} (${hunkHeader}): ${reason}`);
  }
}

/**
 * A read-only view of a tree on disk plus in-memory changes. Every state is immutable: applying a
 * patch gives a new state, so the state before each patch of a series stays available for comparison.
 */
export class TreeState {
  private constructor(
    readonly root: string,
    /** tree-relative path -> text, or null when the series deleted the file */
    private readonly overlay: ReadonlyMap<string, string | null>,
    private readonly disk: Map<string, string | null>,
  ) {}

  static open(root: string): TreeState {
    let st;
    try {
      st = statSync(root);
    } catch {
      throw new InputError(`${root}: tree not found`);
    }
    if (!st.isDirectory()) throw new InputError(`${root}: the tree must be a directory`);
    return new TreeState(root, new Map(), new Map());
  }

  /** The text of @path in this state, or undefined when there is no such file. */
  read(path: string): string | undefined {
    if (this.overlay.has(path)) return this.overlay.get(path) ?? undefined;
    if (!this.disk.has(path)) this.disk.set(path, readDisk(join(this.root, path)));
    return this.disk.get(path) ?? undefined;
  }

  exists(path: string): boolean {
    return this.read(path) !== undefined;
  }

  /** Files directly in @dir (tree-relative, '' for the root) in this state. */
  list(dir: string): string[] {
    const names = new Set<string>();
    try {
      for (const e of readdirSync(join(this.root, dir), { withFileTypes: true })) {
        if (e.isFile()) names.add(dir ? `${dir}/${e.name}` : e.name);
      }
    } catch {
      // a folder that only the series creates
    }
    for (const [p, text] of this.overlay) {
      if (posix.dirname(p) === (dir || '.')) {
        if (text === null) names.delete(p);
        else names.add(p);
      }
    }
    return [...names].sort();
  }

  /** Sub-folders of @dir on disk (the series' own new folders are reached through list()). */
  dirs(dir: string): string[] {
    try {
      return readdirSync(join(this.root, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => (dir ? `${dir}/${e.name}` : e.name))
        .sort();
    } catch {
      return [];
    }
  }

  /** Paths this state changed relative to the tree on disk. */
  changedPaths(): string[] {
    return [...this.overlay.keys()];
  }

  with(changes: Map<string, string | null>): TreeState {
    const next = new Map(this.overlay);
    for (const [p, t] of changes) next.set(p, t);
    return new TreeState(this.root, next, this.disk);
  }
}

function readDisk(abs: string): string | null {
  try {
    const st = statSync(abs);
    if (!st.isFile()) return null;
    if (st.size > MAX_FILE_BYTES) throw new InputError(`${abs}: ${st.size} bytes is too large to review`);
    return readFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    return null;
  }
}

/** One file as a patch found it and left it. */
export interface FileChange {
  /** tree-relative path before (undefined: created) */
  oldPath?: string;
  /** tree-relative path after (undefined: deleted) */
  newPath?: string;
  before?: string;
  after?: string;
  binary: boolean;
}

export interface AppliedPatch {
  before: TreeState;
  after: TreeState;
  files: FileChange[];
  /** what was tolerated but not applied (binary files) */
  notes: string[];
}

function safePath(p: string, label: string): string {
  const norm = posix.normalize(p);
  if (norm.startsWith('../') || norm === '..' || posix.isAbsolute(norm)) {
    throw new InputError(`patch "${label}": path ${p} leaves the tree`);
  }
  return norm;
}

const header = (h: StructuredPatchHunk) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;

/**
 * applyFilePatch - @fp applied to @source with offsets and fuzz. On failure the first hunk that does not
 * fit is found by applying the hunks one at a time, each at the place its predecessors moved it to.
 */
function applyFilePatch(source: string, fp: FilePatch, label: string, file: string): string {
  if (!fp.patch.hunks.length) return source;
  const whole = applyPatch(source, fp.patch, { fuzzFactor: FUZZ });
  if (whole !== false) return whole;
  let text = source;
  let shift = 0;
  for (let i = 0; i < fp.patch.hunks.length; i++) {
    const h = fp.patch.hunks[i];
    const one: StructuredPatch = { ...fp.patch, hunks: [{ ...h, oldStart: Math.max(1, h.oldStart + shift) }] };
    const r = applyPatch(text, one, { fuzzFactor: FUZZ });
    if (r === false) {
      const removed = h.lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1));
      const missing = removed.find((l) => !text.split('\n').includes(l));
      const why = missing !== undefined
        ? `the tree has no line "${missing.trim().slice(0, 60)}" to remove`
        : `its context does not match the tree, even with fuzz ${FUZZ}`;
      throw new ApplyError(label, file, i + 1, header(h), why);
    }
    text = r;
    shift += h.newLines - h.oldLines;
  }
  // Every hunk fits alone but not all together (overlapping hunks): report the last one.
  const last = fp.patch.hunks[fp.patch.hunks.length - 1];
  throw new ApplyError(label, file, fp.patch.hunks.length, header(last), 'it overlaps an earlier hunk');
}

/** applyPatchToTree - @patch applied to @state in memory; throws ApplyError (or InputError) when it cannot be. */
export function applyPatchToTree(state: TreeState, patch: SeriesPatch): AppliedPatch {
  const changes = new Map<string, string | null>();
  const files: FileChange[] = [];
  const notes: string[] = [];
  const label = patch.label;
  const current = (p: string): string | undefined => (changes.has(p) ? changes.get(p) ?? undefined : state.read(p));
  for (const fp of patch.files) {
    const oldPath = fp.oldPath && safePath(fp.oldPath, label);
    const newPath = fp.newPath && safePath(fp.newPath, label);
    const name = newPath ?? oldPath ?? '?';
    if (fp.binary) {
      notes.push(`${name}: binary change not applied`);
      files.push({ oldPath, newPath, binary: true, before: oldPath ? current(oldPath) : undefined });
      continue;
    }
    let before: string | undefined;
    if (oldPath) {
      before = current(oldPath);
      if (before === undefined) {
        const h = fp.patch.hunks[0];
        throw new ApplyError(label, oldPath, 1, h ? header(h) : 'no hunk', 'the file is not in the tree');
      }
    } else {
      if (newPath && current(newPath) !== undefined) {
        throw new ApplyError(label, newPath, 1, fp.patch.hunks[0] ? header(fp.patch.hunks[0]) : 'no hunk', 'the file it creates already exists');
      }
      before = '';
    }
    // A deletion is applied too, so a patch deleting a file the tree has changed since is caught.
    const result = applyFilePatch(before, fp, label, name);
    const after = newPath ? result : undefined;
    if (oldPath && oldPath !== newPath) changes.set(oldPath, null);
    if (newPath) changes.set(newPath, after!);
    files.push({ oldPath, newPath, before: oldPath ? before : undefined, after, binary: false });
  }
  return { before: state, after: state.with(changes), files, notes };
}

/** applySeries - every patch in order, each on the result of the one before. */
export function applySeries(state: TreeState, patches: SeriesPatch[]): AppliedPatch[] {
  const out: AppliedPatch[] = [];
  let cur = state;
  for (const p of patches) {
    const a = applyPatchToTree(cur, p);
    out.push(a);
    cur = a.after;
  }
  return out;
}

/**
 * unapplyPatchFromTree - for a patch the tree already contains (b4 prep --check runs on the branch that
 * holds the series): the state before it is the tree with the patch reversed, strictly (no fuzz), so a
 * patch that is not in the tree is never mistaken for one that is. Undefined when it does not reverse.
 */
export function unapplyPatchFromTree(state: TreeState, patch: SeriesPatch): AppliedPatch | undefined {
  const changes = new Map<string, string | null>();
  const files: FileChange[] = [];
  for (const fp of patch.files) {
    if (fp.binary) return undefined;
    const oldPath = fp.oldPath && safePath(fp.oldPath, patch.label);
    const newPath = fp.newPath && safePath(fp.newPath, patch.label);
    const after = newPath ? state.read(newPath) : '';
    if (after === undefined) return undefined;
    if (oldPath && newPath && oldPath !== newPath && state.exists(oldPath)) return undefined;
    const before = fp.patch.hunks.length ? applyPatch(after, reversePatch(fp.patch), { fuzzFactor: 0 }) : after;
    if (before === false) return undefined;
    if (newPath && newPath !== oldPath) changes.set(newPath, null);
    if (oldPath) changes.set(oldPath, before);
    files.push({ oldPath, newPath, before: oldPath ? before : undefined, after: newPath ? after : undefined, binary: false });
  }
  return { before: state.with(changes), after: state, files, notes: ['the patch is already in the tree: reviewed against the tree with it reversed'] };
}
