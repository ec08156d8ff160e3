// The simulation panel: one webview beside the source that steps through a simulated path and highlights each step in the editor.
import * as vscode from 'vscode';
import {
  isSimulationPersisted, isSimulationToHost, type HostToSimulation, type SimulationCursor, type SimulationView,
  type ViewPath, type ViewStep,
} from '../webview/protocol';
import { html, reloadIfSilent, webviewOptions } from './webview-html';
import { VIEW, CMD } from './command-ids';
import { uriForPath, output } from './core-host';
import { changedSince } from './freshness';

let extensionUri: vscode.Uri;
let current: SimulationPanel | undefined;

const pathChanged = new vscode.EventEmitter<{ function: string; path: ViewPath; step: number; stale: boolean } | undefined>();
/** Fires when the path or step shown in the panel changes (the fault-flow sidebar follows it). */
export const onDidChangeCurrentPath = pathChanged.event;

/** The current step's range, and a softer mark on the path's other steps in the same file. */
const stepDecoration = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
  borderStyle: 'solid',
  borderWidth: '1px',
  isWholeLine: false,
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Center,
});
const stateDecoration = vscode.window.createTextEditorDecorationType({
  after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
});
const pathDecoration = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
});

export function stepRange(s: ViewStep): vscode.Range {
  if (s.range) return new vscode.Range(s.range[0], s.range[1], s.range[2], s.range[3]);
  const l = Math.max(0, s.line - 1);
  return new vscode.Range(l, 0, l, 0);
}

/** The state after a step as one short line: what a reviewer wants to see next to the code. */
export function stateLine(s: ViewStep): string {
  const st = s.state;
  const parts: string[] = [`${s.thread ? `[${s.thread}] ` : ''}${s.op}${s.detail ? ` — ${s.detail}` : ''}`];
  if (st) {
    const refs = Object.entries(st.refs).map(([k, v]) => `${k}=${v}`);
    if (refs.length) parts.push(`refs ${refs.join(' ')}`);
    if (st.locks.length) parts.push(`locks ${st.locks.join(' ')}`);
    const reqs = Object.keys(st.requests).length;
    if (reqs) parts.push(`${reqs} outstanding`);
    if (st.rcuDepth) parts.push(`rcu ${st.rcuDepth}`);
  }
  const text = parts.join(' · ');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

class SimulationPanel {
  private ready = false;
  private disposables: vscode.Disposable[] = [];
  lastRevealedLine: number | undefined;

  /** files whose text differs from what the view was computed from */
  private stale: string[] = [];

  constructor(readonly panel: vscode.WebviewPanel, public view: SimulationView, public cursor: SimulationCursor) {
    panel.webview.options = webviewOptions(extensionUri);
    const page = () => { panel.webview.html = html(panel.webview, extensionUri, 'simulation', `Simulation: ${this.view.function}`); };
    page();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'icon.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      reloadIfSilent(panel, () => this.ready, page, (l) => output().warn(l)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.view.sources?.[e.document.uri.toString()] !== undefined) this.checkFresh();
      }),
    );
    this.checkFresh();
  }

  /** Compares the open documents a view was computed from with their text now, and tells the page. */
  checkFresh(): void {
    const changed = changedSince(Object.entries(this.view.sources ?? {}));
    if (changed.join('\n') === this.stale.join('\n')) return;
    this.stale = changed;
    this.panel.title = `${changed.length ? '(out of date) ' : ''}Simulation: ${this.view.function}`;
    this.post({ type: 'stale', stale: changed.length > 0, files: changed });
    this.fireCurrent();
  }

  /** What the page says about freshness (tests read it). */
  staleFiles(): string[] {
    return [...this.stale];
  }

  private post(m: HostToSimulation): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  load(view: SimulationView, cursor: SimulationCursor): void {
    this.view = view;
    this.cursor = clampCursor(view, cursor);
    this.panel.title = `Simulation: ${view.function}`;
    this.stale = [];
    this.post({ type: 'load', view, cursor: this.cursor });
    this.checkFresh();
    this.fireCurrent();
  }

  private fireCurrent(): void {
    const path = this.currentPath();
    pathChanged.fire(path ? { function: this.view.function, path, step: this.cursor.step, stale: this.stale.length > 0 } : undefined);
  }

  currentPath(): ViewPath | undefined {
    return this.view.paths[this.cursor.path];
  }

  private async receive(m: unknown): Promise<void> {
    if (!isSimulationToHost(m)) {
      output().warn('simulation panel: ignored a malformed message');
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'load', view: this.view, cursor: this.cursor });
        if (this.stale.length) this.post({ type: 'stale', stale: true, files: this.stale });
        this.fireCurrent();
        return;
      case 'reveal': {
        const before = this.cursor;
        this.cursor = clampCursor(this.view, m.cursor);
        if (this.cursor.path !== before.path || this.cursor.step !== before.step) this.fireCurrent();
        try {
          const line = await this.reveal();
          this.post({ type: 'reply', seq: m.seq, ok: true, ...(line !== undefined ? { line } : {}) });
        } catch (e) {
          this.post({ type: 'reply', seq: m.seq, ok: false, error: e instanceof Error ? e.message : String(e) });
        }
        return;
      }
      case 'export':
        await vscode.commands.executeCommand(CMD.exportTrace, { path: m.path, format: m.format });
        this.post({ type: 'reply', seq: m.seq, ok: true });
        return;
      case 'rerun': {
        const again = this.view.rerun;
        if (!again) { this.post({ type: 'reply', seq: m.seq, ok: false, error: 'this view cannot be re-run' }); return; }
        const cmd = again.scenario ? CMD.simulateScenario : CMD.simulateFunction;
        const b = this.view.bounds;
        const larger = m.larger && b ? { maxPaths: b.maxPaths * 4, loopBound: b.loopBound + 2 } : b;
        try {
          await vscode.commands.executeCommand(cmd, { uri: this.view.uri, function: again.function,
            ...(again.scenario ? { scenario: again.scenario } : {}), ...(larger ?? {}) });
          this.post({ type: 'reply', seq: m.seq, ok: true });
        } catch (e) {
          this.post({ type: 'reply', seq: m.seq, ok: false, error: e instanceof Error ? e.message : String(e) });
        }
        return;
      }
    }
  }

  /** Shows the current step in the editor beside the panel; returns its 1-based line. */
  async reveal(): Promise<number | undefined> {
    const path = this.currentPath();
    const step = path?.steps[this.cursor.step];
    if (!path || !step) return undefined;
    if (step.scenario) {
      // The scenario's own step is at no statement: the editor stays where it is, unmarked.
      for (const e of vscode.window.visibleTextEditors) { e.setDecorations(stepDecoration, []); e.setDecorations(stateDecoration, []); }
      this.lastRevealedLine = undefined;
      return undefined;
    }
    const base = vscode.Uri.parse(this.view.uri);
    const uri = uriForPath(step.file, base);
    const doc = await vscode.workspace.openTextDocument(uri);
    const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: true, preview: false });
    const range = doc.validateRange(stepRange(step));
    editor.selection = new vscode.Selection(range.start, range.start);
    // Reveal the start of the step's line: revealing a long range scrolls sideways and hides where lines begin.
    const lineStart = new vscode.Position(range.start.line, 0);
    editor.revealRange(new vscode.Range(lineStart, lineStart), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(stepDecoration, [range]);
    editor.setDecorations(stateDecoration, [{
      range: doc.lineAt(range.start.line).range,
      renderOptions: { after: { contentText: stateLine(step) } },
    }]);
    editor.setDecorations(pathDecoration, path.steps
      .filter((s) => uriForPath(s.file, base).toString() === uri.toString())
      .map((s) => doc.validateRange(stepRange(s))));
    this.lastRevealedLine = range.start.line + 1;
    return this.lastRevealedLine;
  }

  dispose(): void {
    if (current === this) current = undefined;
    for (const e of vscode.window.visibleTextEditors) {
      e.setDecorations(stepDecoration, []);
      e.setDecorations(stateDecoration, []);
      e.setDecorations(pathDecoration, []);
    }
    pathChanged.fire(undefined);
    this.disposables.forEach((d) => d.dispose());
    this.disposables = [];
    this.panel.dispose();
  }
}

function clampCursor(view: SimulationView, c: SimulationCursor): SimulationCursor {
  const path = Math.min(Math.max(0, c.path), Math.max(0, view.paths.length - 1));
  const steps = view.paths[path]?.steps.length ?? 0;
  return { path, step: Math.min(Math.max(0, c.step), Math.max(0, steps - 1)) };
}

/** createOrShow - the one simulation panel, showing @view (replacing what it showed). */
export function showSimulation(view: SimulationView, cursor: SimulationCursor = { path: 0, step: 0 }): void {
  if (current) {
    current.panel.reveal(undefined, true);
    current.load(view, cursor);
    return;
  }
  const panel = vscode.window.createWebviewPanel(VIEW.simulationPanel, `Simulation: ${view.function}`,
    { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
    { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
  current = new SimulationPanel(panel, view, clampCursor(view, cursor));
}

/** What the panel currently shows (Export Trace and the tests read it). */
export function currentSimulation(): { view: SimulationView; cursor: SimulationCursor; lastRevealedLine?: number; stale: string[] } | undefined {
  return current ? { view: current.view, cursor: current.cursor, lastRevealedLine: current.lastRevealedLine, stale: current.staleFiles() } : undefined;
}

export function activate(ctx: vscode.ExtensionContext): void {
  extensionUri = ctx.extensionUri;
  ctx.subscriptions.push(stepDecoration, stateDecoration, pathDecoration, pathChanged,
    vscode.window.registerWebviewPanelSerializer(VIEW.simulationPanel, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        // The webview's setState holds the whole view; anything else is a stale or foreign shape.
        if (!isSimulationPersisted(state)) { panel.dispose(); return; }
        current?.dispose();
        current = new SimulationPanel(panel, state.view, clampCursor(state.view, state.cursor));
      },
    }),
    { dispose: () => current?.dispose() });
}
