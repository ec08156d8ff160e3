// The patch review panel: per patch, the findings it introduces and fixes and the paths whose outcome changed, before and after side by side.
import * as vscode from 'vscode';
import {
  isReviewPersisted, isReviewToHost, type HostToReview, type ReviewItemKind, type ReviewSide, type ReviewView, type ViewPath,
} from '../webview/protocol';
import { html, reloadIfSilent, webviewOptions } from './webview-html';
import { CMD, VIEW } from './command-ids';
import { output, uriForPath } from './core-host';
import { showSimulation, stepRange } from './simulation-panel';
import * as reviewDocs from './review-docs';
import { readFileSync } from 'node:fs';
import { changedSince, textHash } from './freshness';

let extensionUri: vscode.Uri;
let current: ReviewPanel | undefined;

/** The step of a review path the reviewer clicked, on its side's text. */
const stepDecoration = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
  borderStyle: 'solid',
  borderWidth: '1px',
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Center,
});

/** What the panel can compare: a finding or a changed outcome, with a path on either side. */
interface Item { function: string; file?: string; before?: ViewPath; after?: ViewPath }

/** How a review is made again on the current text: its input and tree (absent for a panel restored after a reload). */
export type ReviewAgain = () => Promise<unknown>;

class ReviewPanel {
  private ready = false;
  private disposables: vscode.Disposable[] = [];
  /** tree files the review read from disk, by URI, with the hash of what it read */
  private read = new Map<string, string>();
  private stale: string[] = [];

  constructor(readonly panel: vscode.WebviewPanel, public view: ReviewView, public treeDir?: vscode.Uri, public again?: ReviewAgain) {
    panel.webview.options = webviewOptions(extensionUri);
    const page = () => { panel.webview.html = html(panel.webview, extensionUri, 'review', 'Patch review'); };
    page();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'icon.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      reloadIfSilent(panel, () => this.ready, page, (l) => output().warn(l)),
      vscode.workspace.onDidChangeTextDocument((e) => { if (this.read.has(e.document.uri.toString())) this.checkFresh(); }));
    this.remember();
  }

  /** The tree files the view's sides were read from (the ones on disk), with what they held. */
  private remember(): void {
    this.read.clear();
    this.stale = [];
    for (const p of this.view.patches) {
      for (const u of [...Object.values(p.docs?.before ?? {}), ...Object.values(p.docs?.after ?? {})]) {
        const uri = reviewDocs.reviewDocUri(u);
        if (uri?.scheme !== 'file' || this.read.has(uri.toString())) continue;
        try { this.read.set(uri.toString(), textHash(readFileSync(uri.fsPath, 'utf8'))); } catch { /* gone since: nothing to compare */ }
      }
    }
    this.checkFresh();
  }

  /** Compares the open documents of those files with what the review read, and tells the page. */
  private checkFresh(): void {
    const changed = changedSince(this.read);
    if (changed.join('\n') === this.stale.join('\n')) return;
    this.stale = changed;
    this.panel.title = `${changed.length ? '(out of date) ' : ''}Review: ${this.view.title}`;
    this.post({ type: 'stale', stale: changed.length > 0, files: changed });
  }

  /** What the page says about freshness (tests read it). */
  staleFiles(): string[] {
    return [...this.stale];
  }

  private post(m: HostToReview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  load(view: ReviewView, treeDir?: vscode.Uri, again?: ReviewAgain): void {
    this.view = view;
    this.treeDir = treeDir;
    this.again = again;
    this.panel.title = `Review: ${view.title}`;
    this.post({ type: 'load', view });
    this.remember();
  }

  private fileUri(file: string): vscode.Uri {
    if (this.treeDir && !file.startsWith('/')) return vscode.Uri.joinPath(this.treeDir, file);
    return uriForPath(file);
  }

  /** The document holding @file as it reads on @side of patch @pi: the lines of that side's paths are its lines. */
  private docUri(pi: number, side: ReviewSide, file: string): vscode.Uri {
    return reviewDocs.reviewDocUri(this.view.patches[pi]?.docs?.[side][file]) ?? this.fileUri(file);
  }

  private item(pi: number, kind: ReviewItemKind, index: number): Item {
    const patch = this.view.patches[pi];
    if (!patch) throw new Error('no such patch');
    const it = kind === 'changed' ? patch.changed[index] : patch[kind][index];
    if (!it) throw new Error(`no such ${kind} item`);
    return it;
  }

  /** The column beside the panel, where the source goes. */
  private sourceColumn(): vscode.ViewColumn {
    return this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  private async revealStep(pi: number, side: ReviewSide, path: ViewPath, index: number): Promise<number> {
    const step = path.steps[index];
    if (!step) throw new Error('no such step');
    const uri = this.docUri(pi, side, step.file);
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: this.sourceColumn(), preserveFocus: true, preview: true });
    const range = doc.validateRange(stepRange(step));
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(stepDecoration, [range.isEmpty ? doc.lineAt(range.start.line).range : range]);
    return range.start.line + 1;
  }

  /** One side's path in the simulation panel, its steps pointing at that side's documents. */
  private showTrace(pi: number, side: ReviewSide, it: Item, path: ViewPath): void {
    const docPath = (file: string) => {
      const uri = this.docUri(pi, side, file);
      return uri.scheme === 'file' ? uri.fsPath : uri.toString();
    };
    const first = path.steps[0]?.file ?? it.file ?? '';
    showSimulation({
      function: `${it.function} (${side} patch ${pi + 1}/${this.view.patches.length})`, file: it.file ?? first, bounded: path.bounded,
      uri: this.docUri(pi, side, first).toString(),
      paths: [{ ...path, steps: path.steps.map((s) => ({ ...s, file: docPath(s.file) })) }],
    });
  }

  private async showDiff(pi: number, it: Item): Promise<void> {
    const file = it.file ?? it.after?.steps[0]?.file ?? it.before?.steps[0]?.file;
    if (!file) throw new Error('no file to compare');
    const name = file.split('/').pop();
    await vscode.commands.executeCommand('vscode.diff', this.docUri(pi, 'before', file), this.docUri(pi, 'after', file),
      `${name} (before ↔ after patch ${pi + 1}/${this.view.patches.length})`, { viewColumn: this.sourceColumn(), preview: true });
  }

  private async receive(m: unknown): Promise<void> {
    if (!isReviewToHost(m)) { output().warn('review panel: ignored a malformed message'); return; }
    if (m.type === 'ready') {
      this.ready = true;
      this.post({ type: 'load', view: this.view });
      if (this.stale.length) this.post({ type: 'stale', stale: true, files: this.stale });
      return;
    }
    try {
      if (m.type === 'rerun') {
        if (!this.again) throw new Error('run the review command again: this panel was restored and does not know its input');
        await this.again();
        this.post({ type: 'reply', seq: m.seq, ok: true });
        return;
      }
      if (m.type === 'openFinding') {
        const f = this.view.patches[m.patch]?.[m.kind][m.index];
        if (!f) throw new Error('no such finding');
        // An introduced finding is on the patched text, a fixed one on the text before the patch.
        const uri = this.docUri(m.patch, m.kind === 'introduced' ? 'after' : 'before', f.file);
        await vscode.commands.executeCommand(CMD.openFinding, { uri: uri.toString(), line: f.line, column: 1 });
        this.post({ type: 'reply', seq: m.seq, ok: true, line: f.line });
        return;
      }
      const it = this.item(m.patch, m.kind, m.index);
      if (m.type === 'showDiff') {
        await this.showDiff(m.patch, it);
        this.post({ type: 'reply', seq: m.seq, ok: true });
        return;
      }
      const path = it[m.side];
      if (!path) throw new Error(`no path ${m.side} the patch`);
      if (m.type === 'revealStep') {
        const line = await this.revealStep(m.patch, m.side, path, m.step);
        this.post({ type: 'reply', seq: m.seq, ok: true, line });
      } else {
        this.showTrace(m.patch, m.side, it, path);
        this.post({ type: 'reply', seq: m.seq, ok: true });
      }
    } catch (e) {
      this.post({ type: 'reply', seq: m.seq, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  dispose(): void {
    if (current === this) current = undefined;
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(stepDecoration, []);
    this.disposables.forEach((d) => d.dispose());
    this.disposables = [];
    this.panel.dispose();
  }
}

/** createOrShow - the one review panel, showing @view. */
export function showReview(view: ReviewView, treeDir?: vscode.Uri, again?: ReviewAgain): void {
  if (current) { current.panel.reveal(undefined, false); current.load(view, treeDir, again); return; }
  const panel = vscode.window.createWebviewPanel(VIEW.reviewPanel, `Review: ${view.title}`, vscode.ViewColumn.Active,
    { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
  current = new ReviewPanel(panel, view, treeDir, again);
}

export function currentReview(): ReviewView | undefined {
  return current?.view;
}

/** The files the review panel says changed since it was made (tests read it). */
export function currentReviewStale(): string[] {
  return current?.staleFiles() ?? [];
}

export function activate(ctx: vscode.ExtensionContext): void {
  extensionUri = ctx.extensionUri;
  reviewDocs.activate(ctx);
  ctx.subscriptions.push(
    stepDecoration,
    vscode.window.registerWebviewPanelSerializer(VIEW.reviewPanel, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        if (!isReviewPersisted(state)) { panel.dispose(); return; }
        current?.dispose();
        current = new ReviewPanel(panel, state.view);
      },
    }),
    { dispose: () => current?.dispose() });
}
