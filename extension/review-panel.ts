// The patch review panel: per patch, the findings it introduces and fixes and the paths whose outcome changed, before and after side by side.
import * as vscode from 'vscode';
import { isReviewPersisted, isReviewToHost, type HostToReview, type ReviewView } from '../webview/protocol';
import { html, webviewOptions } from './webview-html';
import { CMD, VIEW } from './command-ids';
import { output, uriForPath } from './core-host';
import { showSimulation } from './simulation-panel';

let extensionUri: vscode.Uri;
let current: ReviewPanel | undefined;

class ReviewPanel {
  private ready = false;
  private disposables: vscode.Disposable[] = [];

  constructor(readonly panel: vscode.WebviewPanel, public view: ReviewView, public treeDir?: vscode.Uri) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = html(panel.webview, extensionUri, 'review', 'Patch review');
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'icon.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)));
  }

  private post(m: HostToReview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  load(view: ReviewView, treeDir?: vscode.Uri): void {
    this.view = view;
    this.treeDir = treeDir;
    this.panel.title = `Review: ${view.title}`;
    this.post({ type: 'load', view });
  }

  private fileUri(file: string): vscode.Uri {
    if (this.treeDir && !file.startsWith('/')) return vscode.Uri.joinPath(this.treeDir, file);
    return uriForPath(file);
  }

  private async receive(m: unknown): Promise<void> {
    if (!isReviewToHost(m)) { output().warn('review panel: ignored a malformed message'); return; }
    if (m.type === 'ready') { this.ready = true; this.post({ type: 'load', view: this.view }); return; }
    const patch = this.view.patches[m.patch];
    try {
      if (!patch) throw new Error('no such patch');
      if (m.type === 'openFinding') {
        const f = (m.kind === 'introduced' ? patch.introduced : patch.fixed)[m.index];
        if (!f) throw new Error('no such finding');
        await vscode.commands.executeCommand(CMD.openFinding, { uri: this.fileUri(f.file).toString(), line: f.line, column: 1 });
        this.post({ type: 'reply', seq: m.seq, ok: true, line: f.line });
      } else {
        const c = patch.changed[m.change];
        const p = c?.[m.side];
        if (!c || !p) throw new Error('no trace on that side');
        showSimulation({ function: `${c.function} (${m.side})`, file: c.file ?? '', bounded: p.bounded,
          uri: this.fileUri(c.file ?? '').toString(), paths: [p] });
        this.post({ type: 'reply', seq: m.seq, ok: true });
      }
    } catch (e) {
      this.post({ type: 'reply', seq: m.seq, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  dispose(): void {
    if (current === this) current = undefined;
    this.disposables.forEach((d) => d.dispose());
    this.disposables = [];
    this.panel.dispose();
  }
}

/** createOrShow - the one review panel, showing @view. */
export function showReview(view: ReviewView, treeDir?: vscode.Uri): void {
  if (current) { current.panel.reveal(undefined, false); current.load(view, treeDir); return; }
  const panel = vscode.window.createWebviewPanel(VIEW.reviewPanel, `Review: ${view.title}`, vscode.ViewColumn.Active,
    { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
  current = new ReviewPanel(panel, view, treeDir);
}

export function currentReview(): ReviewView | undefined {
  return current?.view;
}

export function activate(ctx: vscode.ExtensionContext): void {
  extensionUri = ctx.extensionUri;
  ctx.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW.reviewPanel, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        if (!isReviewPersisted(state)) { panel.dispose(); return; }
        current?.dispose();
        current = new ReviewPanel(panel, state.view);
      },
    }),
    { dispose: () => current?.dispose() });
}
