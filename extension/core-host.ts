// The editor's adapter to the pure core: loads it lazily, caches results per document version, turns core errors into one message.
import * as vscode from 'vscode';
import type { AnalysisResult, SourceFile, AnalyzeOptions } from './core/types';
import type { AnalysisMemo, SimulationResult } from './core/analyze';
import { analyzeOptions, getSettings, onDidChangeSettings } from './settings';
import type { ReviewSide, ReviewView, ViewPath } from '../webview/protocol';
import type { PathPair } from './core/review/paths';
import { toFinding, toPath, type LineLookup } from './view-model';
import { REVIEW_SCHEME, sideDocuments } from './review-docs';

type CoreModule = typeof import('./core/analyze') & { Workspace: typeof import('./core/index').Workspace };
type Workspace = import('./core/index').Workspace;

let corePromise: Promise<CoreModule> | undefined;
let log: vscode.LogOutputChannel | undefined;
let status: vscode.StatusBarItem | undefined;
let lastError = '';

/** Workspace C files read by Reindex Workspace: callee bodies for the function under analysis. */
const index = new Map<string, string>();
/** Bumped whenever something other than the document changes the answer (settings, reindex). */
let generation = 0;

interface CacheEntry {
  version: number;
  generation: number;
  result: Promise<AnalysisResult | undefined>;
  cancel: vscode.CancellationTokenSource;
}
const cache = new Map<string, CacheEntry>();
const settled = new Map<string, AnalysisResult>();

/**
 * One core Workspace per open document: the document's tree is kept so each edit reparses
 * incrementally, and its companions (indexed files of its folder) are parsed once.
 */
interface DocWorkspace { ws: Workspace; texts: Map<string, string>; memo: AnalysisMemo }
const workspaces = new Map<string, Promise<DocWorkspace>>();

/**
 * Time spent per analysis of an edited document, in ms: the parse/update, until the diagnostics
 * were first published (every function re-simulated; interleavings that read the edit may still
 * be exploring) and until the analysis was complete.
 */
export interface Timing { file: string; version: number; updateMs: number; firstMs: number; analyzeMs: number }
const timings: Timing[] = [];
export function recentTimings(): readonly Timing[] {
  return timings;
}

/** Brings the document's Workspace to @files (the document first); returns it and the update time. */
async function syncWorkspace(key: string, files: SourceFile[]): Promise<{ ws: Workspace; ms: number; memo: AnalysisMemo }> {
  // The promise is stored before it settles, so concurrent callers (hints, lens, simulate) share one.
  let pending = workspaces.get(key);
  if (!pending) {
    pending = loadCore().then(async (core) => ({ ws: await core.Workspace.create([]), texts: new Map<string, string>(), memo: new core.AnalysisMemo() }));
    pending.catch(() => workspaces.delete(key));
    workspaces.set(key, pending);
  }
  const dw = await pending;
  const t0 = performance.now();
  const self = files[0]!.path;
  let added = false;
  for (const f of files) {
    if (dw.texts.get(f.path) === f.text) continue;
    if (f.path === self && dw.texts.has(f.path)) dw.ws.update(f.path, f.text);
    else { dw.ws.add(f.path, f.text, f.path === self); added = true; }
    dw.texts.set(f.path, f.text);
  }
  for (const path of [...dw.texts.keys()]) {
    if (!files.some((f) => f.path === path)) { dw.ws.forget(path); dw.texts.delete(path); added = true; }
  }
  // Calls into newly added bodies become workspace calls instead of unknown ones.
  if (added) dw.ws.reclassify();
  return { ws: dw.ws, ms: performance.now() - t0, memo: dw.memo };
}

function disposeWorkspace(key: string): void {
  const pending = workspaces.get(key);
  workspaces.delete(key);
  // Its WASM trees are freed once any creation in flight has finished.
  void pending?.then((dw) => dw.ws.dispose(), () => undefined);
}

const analyzed = new vscode.EventEmitter<{ uri: vscode.Uri; result: AnalysisResult }>();
/** Fires after a document's analysis finished (not when it was served from the cache). */
export const onDidAnalyze = analyzed.event;
const partial = new vscode.EventEmitter<{ uri: vscode.Uri; version: number; result: AnalysisResult }>();
/**
 * Fires during a document's analysis once every function has its result, when concurrent
 * scenarios that read the edit are still to be explored again (their previous findings included).
 */
export const onDidAnalyzePartially = partial.event;
const invalidated = new vscode.EventEmitter<void>();
/** Fires when every cached result became stale (settings changed, workspace reindexed). */
export const onDidInvalidate = invalidated.event;

export function output(): vscode.LogOutputChannel {
  log ??= vscode.window.createOutputChannel('iopf-lens', { log: true });
  return log;
}

/**
 * loadCore - the core bundle, evaluated on first use so activation stays cheap: the parser and
 * its WASM are only touched when a C file is actually analysed.
 */
export function loadCore(): Promise<CoreModule> {
  corePromise ??= Promise.all([import('./core/analyze'), import('./core/index')])
    .then(([analyze, index]) => ({ ...analyze, Workspace: index.Workspace }))
    .catch((e: unknown) => {
      corePromise = undefined;
      throw e;
    });
  return corePromise;
}

/** One status-bar line and one log entry per distinct core failure; never an exception to the user. */
export function reportCoreError(what: string, e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const key = `${what}: ${msg}`;
  if (key !== lastError) {
    lastError = key;
    output().error(`${what}: ${msg}`);
    if (e instanceof Error && e.stack) output().debug(e.stack);
  }
  if (status) {
    status.text = '$(warning) IOPF';
    status.tooltip = `iopf-lens: ${key}\n(click for the log)`;
    status.show();
  }
}

export function reportOk(text: string, tooltip?: string): void {
  lastError = '';
  if (status) {
    status.text = text;
    status.tooltip = tooltip ?? 'iopf-lens';
    status.show();
  }
}

export function filePath(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

/** The file a core path names: a document we handed in, an indexed file, or a plain path. */
export function uriForPath(path: string, near?: vscode.Uri): vscode.Uri {
  if (near && filePath(near) === path) return near;
  if (/^[a-z][a-z0-9+.-]+:/i.test(path) && !path.startsWith('/')) {
    try { return vscode.Uri.parse(path, true); } catch { /* fall through */ }
  }
  if (path.startsWith('/')) return vscode.Uri.file(path);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, path) : vscode.Uri.file(path);
}

/** The document plus indexed files from its own directory, which serve as callee bodies. */
export function filesFor(doc: vscode.TextDocument): SourceFile[] {
  const self = filePath(doc.uri);
  const files: SourceFile[] = [{ path: self, text: doc.getText() }];
  const dir = self.replace(/\/[^/]*$/, '/');
  for (const [path, text] of index) {
    if (path !== self && path.startsWith(dir) && !path.slice(dir.length).includes('/')) {
      const open = vscode.workspace.textDocuments.find((d) => filePath(d.uri) === path);
      files.push({ path, text: open ? open.getText() : text });
    }
  }
  return files;
}

function isAnalysable(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'c' && doc.getText().length <= getSettings().maxFileKb * 1024;
}

/**
 * analyzeDocument - the core's analysis of @doc at its current version, from the cache when the
 * version and settings did not change. A newer request for the same document cancels the older.
 * Return: the result, or undefined when the core failed (already reported).
 */
export function analyzeDocument(doc: vscode.TextDocument): Promise<AnalysisResult | undefined> {
  const key = doc.uri.toString();
  const hit = cache.get(key);
  if (hit && hit.version === doc.version && hit.generation === generation) return hit.result;
  hit?.cancel.cancel();
  if (!isAnalysable(doc)) return Promise.resolve(undefined);
  const cancel = new vscode.CancellationTokenSource();
  const files = filesFor(doc);
  const opts: AnalyzeOptions = { ...analyzeOptions(), cancelled: () => cancel.token.isCancellationRequested };
  const started = Date.now();
  const result = (async () => {
    try {
      const core = await loadCore();
      const { ws, ms: updateMs, memo } = await syncWorkspace(key, files);
      if (cancel.token.isCancellationRequested) return undefined;
      const t1 = performance.now();
      let firstMs: number | undefined;
      const onPartial = (p: AnalysisResult) => {
        if (cancel.token.isCancellationRequested) return;
        firstMs = performance.now() - t1;
        partial.fire({ uri: doc.uri, version: doc.version, result: p });
      };
      // Sliced: a newer edit (which cancels this one) is seen within a few milliseconds, not after the run.
      // The memo re-runs only the functions that read what the edit changed; interleavings that
      // did come after a partial result.
      const r = await core.analyzeWorkspaceSliced(ws, { ...opts, memo, onPartial }, new Set([files[0]!.path]));
      if (!r || cancel.token.isCancellationRequested) return undefined;
      const analyzeMs = performance.now() - t1;
      timings.push({ file: files[0]!.path, version: doc.version, updateMs, firstMs: firstMs ?? analyzeMs, analyzeMs });
      if (timings.length > 200) timings.shift();
      if (cancel.token.isCancellationRequested) return undefined;
      settled.set(key, r);
      output().info(`analysed ${vscode.workspace.asRelativePath(doc.uri)} v${doc.version}: ` +
        `${r.findings.length} findings, ${r.functions.filter((f) => f.known).length} known functions ` +
        `in ${Date.now() - started} ms${r.bounded ? ' (bounded)' : ''}`);
      const n = r.findings.length;
      const where = vscode.workspace.asRelativePath(doc.uri);
      // A bound that cut the exploration is never shown as clean.
      // A side of a reviewed patch is the review panel's to show, not the status bar's.
      if (doc.uri.scheme !== REVIEW_SCHEME) reportOk(n ? `$(bug) IOPF ${n}` : r.bounded ? '$(warning) IOPF bounded' : '$(check) IOPF',
        `iopf-lens: ${n} finding${n === 1 ? '' : 's'} in ${where}${r.bounded ? '; some paths were cut by a bound, so not every path was run' : ''}`);
      analyzed.fire({ uri: doc.uri, result: r });
      return r;
    } catch (e) {
      if (!cancel.token.isCancellationRequested) reportCoreError('analysis', e);
      return undefined;
    }
  })();
  cache.set(key, { version: doc.version, generation, result, cancel });
  return result;
}

/** The last finished analysis of a document, whatever its version (for code actions and trees). */
export function latestResult(uri: vscode.Uri): AnalysisResult | undefined {
  return settled.get(uri.toString());
}

export function allLatest(): Array<[vscode.Uri, AnalysisResult]> {
  return [...settled].map(([k, r]) => [vscode.Uri.parse(k), r]);
}

export function forget(uri: vscode.Uri): void {
  const key = uri.toString();
  cache.get(key)?.cancel.cancel();
  cache.delete(key);
  settled.delete(key);
  disposeWorkspace(key);
}

/**
 * simulateFunction on @doc, with the current bounds; throws the core's error to the caller.
 * Return: undefined when @token was cancelled (the run stops within a slice of the simulator).
 */
export async function simulate(doc: vscode.TextDocument, fn: string, scenarios?: string[],
  token?: vscode.CancellationToken, bounds?: { maxPaths: number; loopBound: number }): Promise<SimulationResult | undefined> {
  const core = await loadCore();
  const opts: AnalyzeOptions = { ...analyzeOptions(), ...(bounds ?? {}), ...(scenarios?.length ? { scenarios } : {}),
    cancelled: () => token?.isCancellationRequested === true };
  // The document's own Workspace when it has one (already parsed), else a fresh one.
  const { ws } = await syncWorkspace(doc.uri.toString(), filesFor(doc));
  if (token?.isCancellationRequested) return undefined;
  return core.simulateInWorkspaceSliced(ws, filePath(doc.uri), fn, opts);
}

export function invalidateAll(): void {
  generation++;
  // Results made under other settings or another index are never re-used.
  for (const pending of workspaces.values()) void pending.then((dw) => dw.memo.clear(), () => undefined);
  invalidated.fire();
}

/**
 * reindex - read the workspace's C files (bounded) so functions in one file can serve as callee
 * bodies for another. Return: how many files were indexed.
 */
export async function reindex(token?: vscode.CancellationToken): Promise<number> {
  index.clear();
  const uris = await vscode.workspace.findFiles('**/*.{c,h}', '{**/node_modules/**,**/.git/**}', 20_000, token);
  const maxBytes = getSettings().maxFileKb * 1024;
  for (const uri of uris) {
    if (token?.isCancellationRequested) break;
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength <= maxBytes) index.set(filePath(uri), new TextDecoder().decode(bytes));
    } catch {
      // A file that vanished or cannot be read is simply not a callee body.
    }
  }
  invalidateAll();
  output().info(`reindexed ${index.size} C files`);
  return index.size;
}

/**
 * findDefinition - where the first of @names is defined (a line starting a definition, not a prototype),
 * in the open C documents first, then in the indexed workspace files.
 */
export async function findDefinition(names: readonly string[]): Promise<{ uri: vscode.Uri; line: number; name: string } | undefined> {
  if (!index.size) await reindex();
  for (const name of names) {
    const re = new RegExp(`^(?:[A-Za-z_][\\w\\s*]*[\\s*])?${name}\\s*\\(([^;]*)$`);
    const texts: Array<[vscode.Uri, string]> = [
      ...vscode.workspace.textDocuments.filter((d) => d.languageId === 'c' && d.uri.scheme === 'file').map((d) => [d.uri, d.getText()] as [vscode.Uri, string]),
      ...[...index].map(([path, text]) => [vscode.Uri.file(path), text] as [vscode.Uri, string]),
    ];
    for (const [uri, text] of texts) {
      const lines = text.split('\n');
      const i = lines.findIndex((l, k) => re.test(l) && !/;\s*$/.test(lines[k + 1] ?? '') && !/^\s/.test(l));
      if (i >= 0) return { uri, line: i + 1, name };
    }
  }
  return undefined;
}

export function indexedCount(): number {
  return index.size;
}

export function activate(ctx: vscode.ExtensionContext): void {
  status = vscode.window.createStatusBarItem('iopf.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'iopf-lens';
  status.command = 'iopf.showLog';
  ctx.subscriptions.push(status, analyzed, invalidated, output(),
    { dispose: () => { for (const key of [...workspaces.keys()]) disposeWorkspace(key); } },
    onDidChangeSettings(() => invalidateAll()),
    vscode.workspace.onDidCloseTextDocument((d) => forget(d.uri)));
}

/**
 * describeOperation - the core's kernel-worded description of a mapped call, or undefined when
 * the model does not know it (or the mapping is not available in this build).
 */
export async function describeOperation(name: string): Promise<string | undefined> {
  try {
    const api = await loadMapping();
    return name.startsWith('->') ? api.describeOperation(name.slice(2), true) : api.describeOperation(name);
  } catch (e) {
    reportCoreError('hover', e);
    return undefined;
  }
}

type MappingApi = typeof import('./core/mapping/api');
let mappingPromise: Promise<MappingApi> | undefined;
// The mapping table is small, but still only evaluated when the first hover asks for it.
function loadMapping(): Promise<MappingApi> {
  mappingPromise ??= import('./core/mapping/api');
  return mappingPromise;
}

/**
 * runReview - the behaviour diff of a patch, mbox or folder of patches against @tree, as the
 * review panel's view model. Paths only: the core reads and applies in memory, never writes.
 */
export async function runReview(input: vscode.Uri, tree: vscode.Uri): Promise<ReviewView> {
  if (input.scheme !== 'file' || tree.scheme !== 'file') throw new Error('review needs files on disk');
  // Loaded on first review only: patch parsing and jsdiff are not needed for hints.
  const [{ loadSeries }, { reviewSeries }, { reviewVerdict }] = await Promise.all([
    import('./core/review/series'), import('./core/review/review'), import('./core/report/text')]);
  const series = loadSeries(input.fsPath);
  const result = await reviewSeries(series, tree.fsPath, {});
  const name = input.path.split('/').filter(Boolean).pop() ?? input.path;
  const src = { input: input.fsPath, tree: tree.fsPath };
  return {
    title: result.title ?? series.title ?? name,
    verdict: reviewVerdict(result).replace(/^Verdict: /, ''),
    patches: await Promise.all(result.patches.map(async (p, i) => {
      // Each side's source lines from that side's text: the tree before the patch, the patched text after it.
      const lines = (side: ReviewSide): LineLookup => {
        const split = new Map<string, string[]>();
        return (file, line) => {
          const text = p.texts[side][file];
          if (text === undefined) return undefined;
          if (!split.has(file)) split.set(file, text.split('\n'));
          return split.get(file)![line - 1];
        };
      };
      const [lb, la] = [lines('before'), lines('after')];
      // A path's findings are steps of it already: their own traces would only double the view (and the saved state).
      const lean = (v: ViewPath): ViewPath => ({ ...v, findings: v.findings.map((f) => ({ ...f, trace: [] })) });
      const sides = (pair: PathPair | undefined): { before?: ViewPath; after?: ViewPath; diverge?: number } => ({
        ...(pair?.before ? { before: lean(toPath(pair.before, lb)) } : {}),
        ...(pair?.after ? { after: lean(toPath(pair.after, la)) } : {}),
        ...(pair?.diverge !== undefined ? { diverge: pair.diverge } : {}),
      });
      return {
        subject: String(p.subject),
        introduced: p.introduced.map((f) => ({ ...toFinding(f, la), ...sides(f.paths) })),
        fixed: p.fixed.map((f) => ({ ...toFinding(f, lb), ...sides(f.paths) })),
        changed: p.changed.map((c) => ({
          function: c.function, file: c.file, line: c.line,
          summary: c.kind === 'outcome' ? `scenario ${c.scenario}` : `contract ${c.before} → ${c.after}` +
            (c.callers.length ? ` (${c.callers.length} caller${c.callers.length === 1 ? '' : 's'})` : ''),
          beforeText: c.before, afterText: c.after,
          ...(c.kind === 'outcome' ? { outcomes: { kept: c.kept, gone: c.gone, came: c.came }, ...sides(c.paths) } : {}),
        })),
        docs: {
          before: await sideDocuments(src, 'before', i + 1, p.texts.before, result.patches.length),
          after: await sideDocuments(src, 'after', i + 1, p.texts.after, result.patches.length),
        },
        ...(p.notes.length ? { notes: p.notes.map(String) } : {}),
      };
    })),
  };
}

export interface ScenarioInfo {
  name: string;
  summary: string;
  /** thread names when the scenario runs several entry points at once */
  threads?: string[];
  /** entry points whose bodies make a concurrent scenario fit */
  entries?: string[];
}

/** Every scenario the model can run, single-thread and concurrent, for the scenario picker. */
export async function scenarioCatalog(): Promise<ScenarioInfo[]> {
  const [{ SCENARIOS }, { CONCURRENT }] = await Promise.all([import('./core/sim/scenarios'), import('./core/sim/concurrent')]);
  return [
    ...SCENARIOS.map((s) => ({ name: s.name, summary: s.summary })),
    ...CONCURRENT.map((c) => ({ name: c.name, summary: c.summary, threads: c.threads.map((t) => t.name), entries: c.entries })),
  ];
}
