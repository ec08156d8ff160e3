// In-memory application of patches to a tree, hunks placed as git apply places them, series in order, and nothing ever written to disk.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { applyHunks, type Hunk } from './gitdiff';
import { InputError } from './mail';
import { Budget, hasDotComponent, LIMITS, LimitError, NotReviewableError, pathKind, RefusedPatchError, resolveInside, unreviewableReason, type PathKind } from './policy';
import type { FilePatch, SeriesPatch } from './series';

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
 * The changes a series made, shared by every state of it: a path's versions are kept once, each tagged
 * with the state that made it, so a state is a version number and applying a patch costs what it changes
 * (a copy of every changed file per patch grew to gigabytes on a series of thousands of new files).
 */
class Overlay {
  /** path -> its versions, oldest first: [state version, text or null when deleted] */
  readonly versions = new Map<string, { v: number; text: string | null }[]>();
  latest = 0;
  constructor(readonly patched: Budget) {}
}

/** The tree's files as read from disk, shared by every state: path -> text, or null when absent or refused. */
class DiskCache {
  readonly texts = new Map<string, string | null>();
  constructor(readonly root: string, readonly realRoot: string, readonly budget: Budget) {}
}

/**
 * A read-only view of a tree on disk plus in-memory changes. Every state is immutable: applying a
 * patch gives a new state, so the state before each patch of a series stays available for comparison.
 * Only C source and build files inside the tree are ever read: a dot path, another kind of file, or a
 * symlink out of the tree reads as absent.
 */
export class TreeState {
  private constructor(
    readonly root: string,
    private readonly overlay: Overlay,
    private readonly version: number,
    private readonly disk: DiskCache,
  ) {}

  static open(root: string): TreeState {
    let st;
    let real: string;
    try {
      st = statSync(root);
      real = realpathSync(root);
    } catch {
      throw new InputError(`${root}: tree not found`);
    }
    if (!st.isDirectory()) throw new InputError(`${root}: the tree must be a directory`);
    return new TreeState(root, new Overlay(new Budget(LIMITS.patchedBytes, 'the text the patches produce')), 0,
      new DiskCache(root, real, new Budget(LIMITS.treeReadBytes, 'the tree text this review reads')));
  }

  /** Whether @path may be read from disk: the policy's kind, and a real path inside the tree of the same kind; else why not. */
  refusal(path: string): string | undefined {
    const kind = pathKind(path);
    if (typeof kind !== 'string') return kind.refused;
    const r = resolveInside(this.disk.realRoot, path);
    return 'refused' in r ? r.refused : undefined;
  }

  private overlaid(path: string): { text: string | null } | undefined {
    const vs = this.overlay.versions.get(path);
    if (!vs) return undefined;
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i].v <= this.version) return { text: vs[i].text };
    return undefined;
  }

  /** The text of @path in this state, or undefined when there is no such file (or it may not be read). */
  read(path: string): string | undefined {
    const o = this.overlaid(path);
    if (o) return o.text ?? undefined;
    const d = this.disk;
    if (!d.texts.has(path)) {
      const text = this.refusal(path) === undefined ? readDisk(join(this.root, path)) : null;
      if (text !== null) d.budget.charge(text.length, path);
      d.texts.set(path, text);
    }
    return d.texts.get(path) ?? undefined;
  }

  exists(path: string): boolean {
    return this.read(path) !== undefined;
  }

  /** Files directly in @dir (tree-relative, '' for the root) in this state. */
  list(dir: string): string[] {
    const names = new Set<string>();
    if (!dir || this.refusalOfDir(dir) === undefined) {
      try {
        for (const e of readdirSync(join(this.root, dir), { withFileTypes: true })) {
          if (e.isFile() && !e.name.startsWith('.')) names.add(dir ? `${dir}/${e.name}` : e.name);
        }
      } catch {
        // a folder that only the series creates
      }
    }
    for (const p of this.overlay.versions.keys()) {
      if (posix.dirname(p) !== (dir || '.')) continue;
      const o = this.overlaid(p);
      if (!o) continue;
      if (o.text === null) names.delete(p);
      else names.add(p);
    }
    return [...names].sort();
  }

  private refusalOfDir(dir: string): string | undefined {
    if (hasDotComponent(dir)) return 'a hidden (dot) path';
    const r = resolveInside(this.disk.realRoot, `${dir}/x.c`);
    return 'refused' in r ? r.refused : undefined;
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
    return [...this.overlay.versions.keys()].filter((p) => this.overlaid(p) !== undefined);
  }

  with(changes: Map<string, string | null>): TreeState {
    let overlay = this.overlay;
    if (this.version !== overlay.latest) {
      // A branch from an older state (rare: a patch reversed from a state that already has successors):
      // it gets its own history, holding this state's view.
      overlay = new Overlay(this.overlay.patched);
      for (const p of this.overlay.versions.keys()) {
        const o = this.overlaid(p);
        if (o) overlay.versions.set(p, [{ v: 0, text: o.text }]);
      }
    }
    const v = ++overlay.latest;
    for (const [p, t] of changes) {
      if (t !== null) overlay.patched.charge(t.length, p);
      const vs = overlay.versions.get(p);
      if (vs) vs.push({ v, text: t });
      else overlay.versions.set(p, [{ v, text: t }]);
    }
    return new TreeState(this.root, overlay, v, this.disk);
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

/**
 * checkedPath - @p of a patch, normalised, when the policy lets a review read it: C source or a build file,
 * no dot component, and a real path inside the tree; anything else refuses the whole patch.
 */
function checkedPath(p: string, label: string, state: TreeState): { path: string; kind: PathKind } {
  const norm = posix.normalize(p);
  const kind = pathKind(norm);
  if (typeof kind !== 'string') throw new RefusedPatchError(label, p, kind.refused);
  const why = state.refusal(norm);
  if (why) throw new RefusedPatchError(label, p, why);
  return { path: norm, kind };
}

/** The paths of one file change, checked, and the change refused when it cannot be reviewed as text. */
function checkedFile(fp: FilePatch, label: string, state: TreeState): { oldPath?: string; newPath?: string; kind: PathKind } {
  const o = fp.oldPath !== undefined ? checkedPath(fp.oldPath, label, state) : undefined;
  const n = fp.newPath !== undefined ? checkedPath(fp.newPath, label, state) : undefined;
  // A rename or copy keeps the kind: a Makefile renamed to leak.c would be shown as C.
  if (o && n && o.kind !== n.kind) throw new RefusedPatchError(label, fp.newPath!, `a ${o.kind === 'c' ? 'C' : 'build'} file renamed or copied into a ${n.kind === 'c' ? 'C' : 'build'} file`);
  const name = n?.path ?? o?.path ?? '?';
  const why = fp.unreviewable ?? unreviewableReason(fp.patch, fp.oldPath, fp.newPath);
  if (why) throw new NotReviewableError(label, name, why);
  return { oldPath: o?.path, newPath: n?.path, kind: (n ?? o)?.kind ?? 'c' };
}

function checkFileCount(patch: SeriesPatch): void {
  if (patch.files.length > LIMITS.filesPerPatch) throw new LimitError(`patch "${patch.label}": ${patch.files.length} changed files is more than the ${LIMITS.filesPerPatch} a review takes`);
}

const header = (h: Hunk) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;

/** applyFilePatch - @fp applied to @source as git apply applies it; ApplyError names the first hunk that does not. */
function applyFilePatch(source: string, fp: FilePatch, label: string, file: string): string {
  if (!fp.patch.hunks.length) return source;
  const r = applyHunks(source, fp.patch.hunks);
  if (typeof r === 'string') return r;
  throw new ApplyError(label, file, r.index + 1, header(fp.patch.hunks[r.index]), r.reason);
}

/** The hunks of @hunks undone: old and new sides swapped. */
function reversed(hunks: Hunk[]): Hunk[] {
  return hunks.map((h) => ({
    oldStart: h.newStart, oldLines: h.newLines, newStart: h.oldStart, newLines: h.oldLines,
    lines: h.lines.map((l) => (l[0] === '+' ? `-${l.slice(1)}` : l[0] === '-' ? `+${l.slice(1)}` : l)),
  }));
}

/** applyPatchToTree - @patch applied to @state in memory; throws ApplyError (or InputError) when it cannot be. */
export function applyPatchToTree(state: TreeState, patch: SeriesPatch): AppliedPatch {
  const changes = new Map<string, string | null>();
  const files: FileChange[] = [];
  const notes: string[] = [];
  const label = patch.label;
  const current = (p: string): string | undefined => (changes.has(p) ? changes.get(p) ?? undefined : state.read(p));
  checkFileCount(patch);
  const checked = patch.files.map((fp) => checkedFile(fp, label, state));
  // Paths an earlier section of this patch wrote. git applies a later delete, rename or copy of
  // such a path to the file as it was, and writes the earlier result back: what lands in the tree
  // is not the text a section-by-section reading gives.
  const written = new Set<string>();
  for (let i = 0; i < patch.files.length; i++) {
    const fp = patch.files[i];
    const { oldPath, newPath } = checked[i];
    const name = newPath ?? oldPath ?? '?';
    if (oldPath && written.has(oldPath) && (!newPath || newPath !== oldPath)) {
      throw new NotReviewableError(label, oldPath, `an earlier section of the same patch changes this file and this one ${newPath ? 'renames or copies' : 'deletes'} it: git applies the two to different texts, and what lands in the tree cannot be read section by section`);
    }
    if (newPath) written.add(newPath);
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
    // A rename moves the file; a copy leaves its source where it is.
    if (oldPath && oldPath !== newPath && !fp.patch.isCopy) changes.set(oldPath, null);
    if (newPath) changes.set(newPath, after!);
    files.push({ oldPath, newPath, before: oldPath ? before : undefined, after, binary: false });
  }
  return { before: state, after: state.with(changes), files, notes };
}

/** applySeries - every patch in order, each on the result of the one before. */
export function applySeries(state: TreeState, patches: SeriesPatch[]): AppliedPatch[] {
  if (patches.length > LIMITS.patches) throw new LimitError(`${patches.length} patches is more than the ${LIMITS.patches} a review takes`);
  const files = patches.reduce((n, p) => n + p.files.length, 0);
  if (files > LIMITS.filesPerSeries) throw new LimitError(`${files} changed files in the series is more than the ${LIMITS.filesPerSeries} a review takes`);
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
  checkFileCount(patch);
  const checked = patch.files.map((fp) => checkedFile(fp, patch.label, state));
  for (let i = 0; i < patch.files.length; i++) {
    const fp = patch.files[i];
    const { oldPath, newPath } = checked[i];
    const after = newPath ? state.read(newPath) : '';
    if (after === undefined) return undefined;
    if (oldPath && newPath && oldPath !== newPath && state.exists(oldPath) && !fp.patch.isCopy) return undefined;
    const back = fp.patch.hunks.length ? applyHunks(after, reversed(fp.patch.hunks)) : after;
    if (typeof back !== 'string') return undefined;
    const before = back;
    if (newPath && newPath !== oldPath) changes.set(newPath, null);
    if (oldPath) changes.set(oldPath, before);
    files.push({ oldPath, newPath, before: oldPath ? before : undefined, after: newPath ? after : undefined, binary: false });
  }
  return { before: state.with(changes), after: state, files, notes: ['the patch is already in the tree: reviewed against the tree with it reversed'] };
}
