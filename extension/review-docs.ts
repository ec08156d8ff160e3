// Read-only documents holding one side of a reviewed patch (`iopf-review:`): the patched text exists only in memory, and a path's lines are lines of that text.
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReviewSide } from '../webview/protocol';

export const REVIEW_SCHEME = 'iopf-review';
const SOURCES_KEY = 'iopf.reviewSources';
const MAX_SOURCES = 16;
const MAX_TEXTS = 256;

/** Where a review's texts come from, so a document can be rebuilt after a reload: the patch input and the tree. */
export interface ReviewSource { input: string; tree: string }

/** uri string -> text, filled by the review that produced it. */
const texts = new Map<string, string>();
let memento: vscode.Memento | undefined;

function sources(): Record<string, ReviewSource> {
  const s = memento?.get<unknown>(SOURCES_KEY);
  return typeof s === 'object' && s !== null ? s as Record<string, ReviewSource> : {};
}

/** A short, stable key of a review source: the authority of its documents' URIs. */
export function sourceKey(src: ReviewSource): string {
  return createHash('sha1').update(src.input).update('\0').update(src.tree).digest('hex').slice(0, 12);
}

/**
 * The URI of @file (tree-relative) as it reads on @side of patch @position (1-based) of @count, e.g.
 * `iopf-review://1a2b3c4d5e6f/after-patch-3/drivers/iommu/io-pgfault.c (after 3∕4)`: the tab and the
 * breadcrumbs say which side of which patch (a division slash, since a path cannot hold "/"), and the
 * package's file association keeps such names C.
 */
export function reviewUri(key: string, side: ReviewSide, position: number, file: string, count?: number): vscode.Uri {
  const name = `${file.replace(/^\/+/, '')}${count ? ` (${side} ${position}\u2215${count})` : ''}`;
  return vscode.Uri.from({ scheme: REVIEW_SCHEME, authority: key, path: `/${side}-patch-${position}/${name}` });
}

function parse(uri: vscode.Uri): { side: ReviewSide; position: number; file: string } | undefined {
  const m = /^\/(before|after)-patch-(\d+)\/(.+)$/.exec(uri.path);
  if (!m) return undefined;
  // The side and position in the name repeat the folder's; the file is what precedes them.
  const file = m[3]!.replace(/ \((?:before|after) \d+\u2215\d+\)$/, '');
  return { side: m[1] as ReviewSide, position: Number(m[2]), file };
}

function diskText(tree: string, file: string): string | undefined {
  try {
    return readFileSync(join(tree, file), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * sideDocuments - for each file of @sideTexts, the document a reviewer is shown: the file on disk when the
 * side's text is what is on disk (the first patch's before side, files no patch touched), else the read-only
 * review document, whose text is remembered here.
 */
export async function sideDocuments(src: ReviewSource, side: ReviewSide, position: number,
  sideTexts: Record<string, string>, count?: number): Promise<Record<string, string>> {
  const key = sourceKey(src);
  if (memento && !sources()[key]) {
    const all = { ...sources(), [key]: src };
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_SOURCES))) delete all[k];
    await memento.update(SOURCES_KEY, all);
  }
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(sideTexts)) {
    if (diskText(src.tree, file) === text) { out[file] = vscode.Uri.file(join(src.tree, file)).toString(); continue; }
    const uri = reviewUri(key, side, position, file, count).toString();
    texts.delete(uri);
    texts.set(uri, text);
    out[file] = uri;
  }
  while (texts.size > MAX_TEXTS) texts.delete(texts.keys().next().value!);
  return out;
}

/** Rebuilds a side's text from the review source (after a reload): the series applied again, in memory. */
async function rebuild(uri: vscode.Uri): Promise<string> {
  const at = parse(uri);
  const src = sources()[uri.authority];
  if (!at || !src) return '/* iopf-lens: this side of the patch is no longer known; review the patch again. */\n';
  try {
    const [{ loadSeries }, { applySeries, TreeState }] = await Promise.all([import('./core/review/series'), import('./core/review/apply')]);
    const applied = applySeries(TreeState.open(src.tree), loadSeries(src.input).patches);
    const state = applied[at.position - 1]?.[at.side];
    const text = state?.read(at.file);
    if (text === undefined) return `/* iopf-lens: ${at.file} does not exist ${at.side} patch ${at.position}. */\n`;
    texts.set(uri.toString(), text);
    return text;
  } catch (e) {
    return `/* iopf-lens: cannot rebuild ${at.file} ${at.side} patch ${at.position}: ${e instanceof Error ? e.message : String(e)} */\n`;
  }
}

/**
 * The review documents as a read-only file system: a document opened from it has breadcrumbs (which side
 * of which patch, then the tree's folders) and is read-only in the editor. Nothing can be written.
 */
export const reviewFileSystem: vscode.FileSystemProvider = {
  onDidChangeFile: new vscode.EventEmitter<vscode.FileChangeEvent[]>().event,
  watch: () => new vscode.Disposable(() => undefined),
  stat(uri: vscode.Uri): vscode.FileStat {
    const text = texts.get(uri.toString());
    // A side's file is any path under a side folder whose name ends like a file; the rest are its folders.
    const isFile = text !== undefined || /\.[ch](?: \((?:before|after) \d+\u2215\d+\))?$/.test(uri.path);
    if (isFile && !parse(uri)) throw vscode.FileSystemError.FileNotFound(uri);
    return { type: isFile ? vscode.FileType.File : vscode.FileType.Directory, ctime: 0, mtime: 0, size: text?.length ?? 0,
      permissions: vscode.FilePermission.Readonly };
  },
  readDirectory: () => [],
  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return new TextEncoder().encode(texts.get(uri.toString()) ?? await rebuild(uri));
  },
  createDirectory(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); },
  writeFile(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); },
  delete(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); },
  rename(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); },
};

/** A URI string from a review view, accepted only for the two kinds of document a review opens. */
export function reviewDocUri(s: string | undefined): vscode.Uri | undefined {
  if (!s) return undefined;
  try {
    const uri = vscode.Uri.parse(s, true);
    return uri.scheme === 'file' || uri.scheme === REVIEW_SCHEME ? uri : undefined;
  } catch {
    return undefined;
  }
}

export function activate(ctx: vscode.ExtensionContext): void {
  memento = ctx.workspaceState;
  ctx.subscriptions.push(vscode.workspace.registerFileSystemProvider(REVIEW_SCHEME, reviewFileSystem, { isCaseSensitive: true, isReadonly: true }));
}
