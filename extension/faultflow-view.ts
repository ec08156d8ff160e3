// The fault-flow sidebar view: the IOPF/SVA/iommufd lifecycle diagram, following the path shown in the simulation panel.
import * as vscode from 'vscode';
import { isFlowToHost, type FlowHighlight, type HostToFlow } from '../webview/protocol';
import { currentNode, nodesForTrace } from '../webview/faultflow-graph';
import { html, webviewOptions } from './webview-html';
import { CMD, VIEW } from './command-ids';
import { onDidChangeCurrentPath } from './simulation-panel';
import { output } from './core-host';

let highlight: FlowHighlight = { title: '', nodes: [] };
let provider: FaultFlowProvider | undefined;

class FaultFlowProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = html(view.webview, this.extensionUri, 'faultflow', 'IOPF fault flow');
    view.onDidDispose(() => { if (this.view === view) { this.view = undefined; this.ready = false; } });
    view.webview.onDidReceiveMessage(async (m: unknown) => {
      if (!isFlowToHost(m)) { output().warn('fault-flow view: ignored a malformed message'); return; }
      if (m.type === 'ready') { this.ready = true; this.push(); return; }
      await vscode.commands.executeCommand(CMD.simulateFunction);
      this.post({ type: 'reply', seq: m.seq, ok: true });
    });
  }

  private post(m: HostToFlow): void {
    if (this.view && this.ready) void this.view.webview.postMessage(m);
  }

  push(): void {
    this.post({ type: 'highlight', highlight });
  }
}

/** What the sidebar highlights now (tests read it). */
export function currentHighlight(): FlowHighlight {
  return highlight;
}

export function activate(ctx: vscode.ExtensionContext): void {
  provider = new FaultFlowProvider(ctx.extensionUri);
  ctx.subscriptions.push(
    vscode.window.registerWebviewViewProvider(VIEW.faultFlow, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    onDidChangeCurrentPath((e) => {
      const ops = e ? [e.function, ...e.path.steps.map((s) => s.op)] : [];
      const current = e ? currentNode(ops, e.step + 1) : undefined;
      highlight = e
        ? { title: `${e.function} · path #${e.path.id} · ${e.path.scenario} — ${e.path.outcome || (e.path.findings.length ? 'finding' : 'no finding')}`,
          // The simulated function itself is where the route starts (a report path starts at report).
          nodes: nodesForTrace(ops), ...(current ? { current } : {}) }
        : { title: '', nodes: [] };
      provider?.push();
    }));
}
