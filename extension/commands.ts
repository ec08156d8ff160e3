// The one command table of iopf-lens: short name -> handler, registered as `iopf.<name>` (ids in command-ids.ts).
import * as vscode from 'vscode';
import { CMD, VIEW, type CommandName } from './command-ids';
import {
  analyzeDocument, filePath, output, reindex, reportCoreError, simulate, runReview, uriForPath, scenarioCatalog, type ScenarioInfo,
} from './core-host';
import { toPath, type LineLookup } from './view-model';
import { currentSimulation, showSimulation } from './simulation-panel';
import { textHash } from './freshness';
import { counterexample } from '../webview/path-labels';
import { showReview } from './review-panel';
import { traceToJson, traceToMermaid } from './trace-export';
import { getSettings } from './settings';
import type { SimulationView } from '../webview/protocol';
import type { SimulationResult } from './core/analyze';

/** Arguments the commands accept from CodeLens, quick fixes, webviews, menus and tests. */
interface Target {
  uri?: string;
  function?: string;
  line?: number;
  rule?: string;
  scenario?: string;
  /** bounds for this run only, larger than the settings' (re-run of a bounded simulation) */
  maxPaths?: number;
  loopBound?: number;
}

type Handler = (...args: unknown[]) => unknown;

function asRecord(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !(x instanceof vscode.Uri) ? x as Record<string, unknown> : {};
}
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const int = (x: unknown): number | undefined => (typeof x === 'number' && Number.isInteger(x) ? x : undefined);

function toTarget(arg: unknown): Target {
  if (arg instanceof vscode.Uri) return { uri: arg.toString() };
  const r = asRecord(arg);
  const t: Target = {};
  if (str(r.uri)) t.uri = str(r.uri);
  if (str(r.function)) t.function = str(r.function);
  if (int(r.line)) t.line = int(r.line);
  if (str(r.rule)) t.rule = str(r.rule);
  if (str(r.scenario)) t.scenario = str(r.scenario);
  if (int(r.maxPaths)) t.maxPaths = Math.min(int(r.maxPaths)!, 100_000);
  if (int(r.loopBound)) t.loopBound = Math.min(int(r.loopBound)!, 64);
  return t;
}

async function documentFor(t: Target): Promise<vscode.TextDocument | undefined> {
  if (t.uri) return vscode.workspace.openTextDocument(vscode.Uri.parse(t.uri, true));
  return vscode.window.activeTextEditor?.document;
}

/**
 * The function around a 1-based line: from the core's summaries when it has them, else the
 * nearest definition header above (kernel style: return type, name and `(` at column 0).
 */
async function functionAt(doc: vscode.TextDocument, line: number): Promise<string | undefined> {
  const r = await analyzeDocument(doc);
  const self = filePath(doc.uri);
  const hit = r?.functions.find((f) => f.file === self && f.range.start.line <= line - 1 && line - 1 <= f.range.end.line);
  if (hit) return hit.name;
  for (let l = Math.min(line - 1, doc.lineCount - 1); l >= 0; l--) {
    const text = doc.lineAt(l).text;
    if (l < line - 1 && /^}/.test(text)) break;
    const m = /^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\(/.exec(text);
    if (m && !/;\s*$/.test(text) && !/^(if|for|while|switch|return)$/.test(m[1]!)) return m[1];
  }
  return undefined;
}

function lineLookup(doc: vscode.TextDocument): LineLookup {
  const self = filePath(doc.uri);
  return (file, line) => {
    const d = file === self ? doc : vscode.workspace.textDocuments.find((x) => filePath(x.uri) === file);
    return d && line >= 1 && line <= d.lineCount ? d.lineAt(line - 1).text : undefined;
  };
}

/** The document and function a simulate command is about: from its arguments, else the cursor. */
async function resolveTarget(t: Target): Promise<{ doc: vscode.TextDocument; fn: string } | undefined> {
  const doc = await documentFor(t);
  if (!doc) { void vscode.window.showInformationMessage('iopf-lens: open a C file and put the cursor in a function.'); return undefined; }
  // The same document may also show in another editor (a diff's side): the active one has the cursor.
  const active = vscode.window.activeTextEditor;
  const editor = active?.document === doc ? active : vscode.window.visibleTextEditors.find((e) => e.document === doc);
  const line = t.line ?? (editor ? editor.selection.active.line + 1 : 1);
  const fn = t.function ?? await functionAt(doc, line);
  if (!fn) { void vscode.window.showInformationMessage('iopf-lens: no function at the cursor.'); return undefined; }
  return { doc, fn };
}

/** Runs the simulator on one function and shows the panel; returns what it showed (for tests and callers). */
async function simulateTarget(t: Target): Promise<{ function: string; paths: number } | undefined> {
  const target = await resolveTarget(t);
  if (!target) return undefined;
  const { doc, fn } = target;
  // A status-bar spinner; a run still going after half a second also gets a notification with Cancel.
  const cancel = new vscode.CancellationTokenSource();
  const title = `iopf-lens: simulating ${fn}`;
  const bounds = { maxPaths: t.maxPaths ?? getSettings().maxPaths, loopBound: t.loopBound ?? getSettings().loopBound };
  const run = simulate(doc, fn, t.scenario ? [t.scenario] : undefined, cancel.token, bounds);
  const slow = setTimeout(() => void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_p, token) => {
      token.onCancellationRequested(() => cancel.cancel());
      return run.catch(() => undefined);
    }), 500);
  let result: SimulationResult | undefined;
  try {
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => run);
  } finally {
    clearTimeout(slow);
    cancel.dispose();
  }
  if (!result) return undefined; // cancelled: nothing to show
  const lines = lineLookup(doc);
  const paths = result.paths.map((p) => toPath(p, lines));
  // The texts the steps were computed from: an edit to any of them makes the panel out of date.
  const files = new Set([filePath(doc.uri), ...paths.flatMap((p) => p.steps.map((s) => s.file))]);
  const sources = Object.fromEntries(vscode.workspace.textDocuments
    .filter((d) => d === doc || files.has(filePath(d.uri)))
    .map((d) => [d.uri.toString(), textHash(d.getText())]));
  // The calls of the functions these paths ran that the simulation could not follow, from the file's latest analysis.
  const ran = new Set(paths.flatMap((p) => p.steps.map((s) => `${s.file}\n${s.function}`)));
  const unmodelled = ((await analyzeDocument(doc))?.unknownCalls ?? [])
    .filter((u) => ran.has(`${u.file}\n${u.function}`)).map((u) => ({ file: u.file, line: u.line, name: u.name }));
  const view: SimulationView = {
    function: t.scenario ? `${fn} · ${t.scenario}` : fn, file: vscode.workspace.asRelativePath(doc.uri), uri: doc.uri.toString(),
    bounded: !!result.bounded, paths, rerun: { function: fn, ...(t.scenario ? { scenario: t.scenario } : {}) }, sources, bounds,
    ...(unmodelled.length ? { unmodelled } : {}),
  };
  // From a diagnostic: open on the path that shows the finding, at the finding's step. Otherwise on the
  // shortest counterexample when there is one: the path a reviewer must see first.
  let cursor = counterexample(view.paths) ?? { path: 0, step: 0 };
  if (t.rule) {
    const pi = view.paths.findIndex((p) => p.findings.some((f) => f.rule === t.rule));
    if (pi >= 0) {
      const steps = view.paths[pi]!.steps;
      const si = steps.findIndex((s) => s.line === t.line);
      cursor = { path: pi, step: si >= 0 ? si : Math.max(0, steps.length - 1) };
    }
  }
  showSimulation(view, cursor);
  return { function: fn, paths: view.paths.length };
}

/**
 * The scenario picker: the ones that fit the function first (from the last analysis), then the
 * concurrent ones whose threads run it, then the rest of the model's catalogue.
 */
async function pickScenario(doc: vscode.TextDocument, fn: string): Promise<string | undefined> {
  const r = await analyzeDocument(doc);
  const fits = new Set(r?.functions.find((f) => f.name === fn && f.file === filePath(doc.uri))?.scenarios ?? []);
  for (const s of getSettings().scenarios) fits.add(s);
  const catalog = await scenarioCatalog();
  const rank = (s: ScenarioInfo) => (fits.has(s.name) ? 0 : s.entries?.includes(fn) ? 1 : 2);
  const items = [...catalog].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).map((s) => ({
    label: s.name,
    description: s.threads ? `threads: ${s.threads.join(' × ')}` : rank(s) === 0 ? 'fits this function' : '',
    detail: s.summary,
  }));
  const pick = await vscode.window.showQuickPick(items, { title: `IOPF: Simulate Scenario · ${fn}`, placeHolder: 'scenario to run', matchOnDetail: true });
  return pick?.label;
}

function workspaceRoot(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

async function review(kind: 'file' | 'folder', arg: unknown): Promise<{ patches: number; introduced: number; fixed: number } | undefined> {
  const r = asRecord(arg);
  let input = arg instanceof vscode.Uri ? arg : str(r.patch ?? r.folder) ? vscode.Uri.parse(str(r.patch ?? r.folder)!, true) : undefined;
  if (!input) {
    const picked = await vscode.window.showOpenDialog(kind === 'file'
      ? { canSelectMany: false, openLabel: 'Review', title: 'IOPF: Review Patch File', defaultUri: workspaceRoot(),
        filters: { 'Patches and mboxes': ['patch', 'diff', 'mbox', 'mboxrd', 'eml', 'txt'], 'All files': ['*'] } }
      : { canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Review series',
        title: 'IOPF: Review Patch Series in Folder', defaultUri: workspaceRoot() });
    input = picked?.[0];
  }
  if (!input) return undefined;
  const tree = str(r.tree) ? vscode.Uri.parse(str(r.tree)!, true) : workspaceRoot();
  if (!tree) { void vscode.window.showWarningMessage('iopf-lens: open the kernel tree (or any folder) the patch applies to.'); return undefined; }
  const view = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `iopf-lens: reviewing ${input.path.split('/').pop()}` },
    () => runReview(input!, tree));
  // Re-run from the panel: the same input and tree, on their text now.
  showReview(view, tree, () => review(kind, { [kind === 'file' ? 'patch' : 'folder']: input!.toString(), tree: tree.toString() }));
  return {
    patches: view.patches.length,
    introduced: view.patches.reduce((n, p) => n + p.introduced.length, 0),
    fixed: view.patches.reduce((n, p) => n + p.fixed.length, 0),
  };
}

async function exportTrace(arg: unknown): Promise<string | undefined> {
  const sim = currentSimulation();
  if (!sim) { void vscode.window.showInformationMessage('iopf-lens: simulate a function first, then export its trace.'); return undefined; }
  const r = asRecord(arg);
  let format = r.format === 'json' || r.format === 'mermaid' ? r.format : undefined;
  if (!format) {
    const pick = await vscode.window.showQuickPick([
      { label: 'JSON', description: 'steps with state, as the CLI prints them', format: 'json' as const },
      { label: 'Mermaid', description: 'sequence diagram, one lane per thread', format: 'mermaid' as const },
    ], { title: 'IOPF: Export Trace' });
    format = pick?.format;
  }
  if (!format) return undefined;
  const path = sim.view.paths[int(r.path) ?? sim.cursor.path];
  if (!path) return undefined;
  const text = format === 'json' ? traceToJson(sim.view.function, sim.view.file, path) : traceToMermaid(sim.view.function, path);
  const target = str(r.target);
  if (target) {
    await vscode.workspace.fs.writeFile(vscode.Uri.parse(target, true), new TextEncoder().encode(text));
  } else if (r.show !== false) {
    // Mermaid in an editor that knows it when one is installed, else as a fenced block of Markdown
    // (which the Markdown preview's Mermaid support and any Markdown host render).
    const mermaid = format === 'mermaid' && (await vscode.languages.getLanguages()).includes('mermaid');
    const doc = await vscode.workspace.openTextDocument(format === 'json' ? { content: text, language: 'json' }
      : mermaid ? { content: text, language: 'mermaid' } : { content: `\`\`\`mermaid\n${text}${text.endsWith('\n') ? '' : '\n'}\`\`\`\n`, language: 'markdown' });
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Active });
  }
  return text;
}

async function reveal(uriText: string, range: vscode.Range): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uriText, true));
  const editor = await vscode.window.showTextDocument(doc, { preview: true });
  const r = doc.validateRange(range);
  editor.selection = new vscode.Selection(r.start, r.start);
  editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The table. Every contributed command is here; nothing registers commands elsewhere. */
export const commands: Record<CommandName, Handler> = {
  simulateFunction: (arg) => simulateTarget(toTarget(arg)),
  simulateScenario: async (arg) => {
    const t = toTarget(arg);
    if (t.scenario) return simulateTarget(t);
    const target = await resolveTarget(t);
    const scenario = target && await pickScenario(target.doc, target.fn);
    return target && scenario ? simulateTarget({ ...t, uri: target.doc.uri.toString(), function: target.fn, scenario }) : undefined;
  },
  reviewPatch: (arg) => review('file', arg),
  reviewSeries: (arg) => review('folder', arg),
  showFaultFlow: async () => {
    await vscode.commands.executeCommand(`workbench.view.extension.${VIEW.container}`);
    await vscode.commands.executeCommand(`${VIEW.faultFlow}.focus`);
    return true;
  },
  exportTrace: (arg) => exportTrace(arg),
  reindex: () => vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'iopf-lens: indexing C files', cancellable: true },
    async (_p, token) => {
      const n = await reindex(token);
      vscode.window.setStatusBarMessage(`iopf-lens: indexed ${n} C files`, 5000);
      return n;
    }),
  showLog: () => { output().show(true); return true; },
  openFinding: async (arg) => {
    const r = asRecord(arg);
    const uri = str(r.uri);
    const line = Math.max(1, int(r.line) ?? 1);
    const col = Math.max(1, int(r.column) ?? 1);
    if (uri) await reveal(uri, new vscode.Range(line - 1, col - 1, line - 1, col - 1));
    return !!uri;
  },
  showUnmodelled: async (arg) => {
    const r = asRecord(arg);
    const uri = str(r.uri);
    const calls = (Array.isArray(r.calls) ? r.calls : []).map(asRecord)
      .filter((c) => str(c.name) && int(c.line)).map((c) => ({ name: str(c.name)!, line: int(c.line)! }));
    if (!uri || !calls.length) return undefined;
    const pick = await vscode.window.showQuickPick(calls.map((c) => ({
      label: `${c.name}()`, description: `line ${c.line}`,
      detail: 'no contract and no body in the workspace: its result is an unknown value, and what it is given may be kept by it', line: c.line,
    })), { title: 'Calls the simulation could not follow', placeHolder: 'Open the call' });
    if (pick) await reveal(uri, new vscode.Range(pick.line - 1, 0, pick.line - 1, 0));
    return pick?.label;
  },
  revealStep: async (arg) => {
    const r = asRecord(arg);
    const uri = str(r.uri);
    const range = Array.isArray(r.range) && r.range.length === 4 && r.range.every((n) => Number.isInteger(n))
      ? new vscode.Range(r.range[0] as number, r.range[1] as number, r.range[2] as number, r.range[3] as number) : undefined;
    const file = str(r.file);
    const target = uri ?? (file ? uriForPath(file).toString() : undefined);
    if (target) await reveal(target, range ?? new vscode.Range(0, 0, 0, 0));
    return !!target;
  },
};

/** The title a user saw the command under (the Command Palette's), else its id. */
function titleOf(ctx: vscode.ExtensionContext, id: string): string {
  const cmds = (ctx.extension?.packageJSON?.contributes?.commands ?? []) as Array<{ command?: string; title?: string }>;
  return cmds.find((c) => c.command === id)?.title?.replace(/\u2026$|…$/, '') ?? id;
}

export function activate(ctx: vscode.ExtensionContext): void {
  for (const [name, handler] of Object.entries(commands) as Array<[CommandName, Handler]>) {
    ctx.subscriptions.push(vscode.commands.registerCommand(CMD[name], async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (e) {
        // A core failure is reported once (status bar + log) and shown to the user who asked.
        reportCoreError(name, e);
        void vscode.window.showErrorMessage(`iopf-lens: ${titleOf(ctx, CMD[name])} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    }));
  }
}
