// The fault-flow sidebar view: the IOPF/SVA/iommufd lifecycle diagram, following the path shown in the simulation panel.
import * as vscode from 'vscode';
import { isFlowToHost, type FlowHighlight, type HostToFlow } from '../webview/protocol';
import { currentNode, nodesForTrace, NODE_FUNCTIONS } from '../webview/faultflow-graph';
import { html, webviewOptions } from './webview-html';
import { CMD, VIEW } from './command-ids';
import { onDidChangeCurrentPath } from './simulation-panel';
import { findDefinition, output } from './core-host';

let highlight: FlowHighlight = { title: '', nodes: [] };
let provider: FaultFlowProvider | undefined;
/** The function the last node click opened (tests read it). */
let lastOpened: { node: string; function: string; line: number } | undefined;

export function lastOpenedNode(): typeof lastOpened {
  return lastOpened;
}

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
      if (m.type === 'openNode') {
        const names = NODE_FUNCTIONS[m.node] ?? [];
        const at = await findDefinition(names);
        if (at) {
          lastOpened = { node: m.node, function: at.name, line: at.line };
          // Beside the panels, in the source editor's column: never over the simulation panel.
          await vscode.window.showTextDocument(at.uri, { selection: new vscode.Range(at.line - 1, 0, at.line - 1, 0), preview: true,
            viewColumn: vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One });
        } else {
          void vscode.window.showInformationMessage(`iopf-lens: ${names.map((n) => `${n}()`).join(', ')} ${names.length === 1 ? 'is' : 'are'} not defined in this workspace.`);
        }
        this.post({ type: 'reply', seq: m.seq, ok: !!at });
        return;
      }
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
      // A concurrent path: one route per thread, each from its own steps.
      const names = e ? [...new Set(e.path.steps.map((s) => s.thread).filter((t): t is string => !!t))] : [];
      const threads = e && names.length > 1
        ? names.map((name) => {
          // A thread's route starts where it enters: its first function (remove starts at remove).
          const own = e.path.steps.filter((s) => s.thread === name);
          return { name, nodes: nodesForTrace([own[0]!.function, ...own.map((s) => s.op)]) };
        })
        : undefined;
      highlight = e
        ? { title: `${e.stale ? '(out of date) ' : ''}${e.function} · path #${e.path.id} · ${e.path.scenario} — ${e.path.outcome || (e.path.findings.length ? 'finding' : 'no finding')}`,
          // The simulated function itself is where the route starts (a report path starts at report).
          nodes: threads ? [...new Set(threads.flatMap((t) => t.nodes))] : nodesForTrace(ops),
          ...(current ? { current } : {}), ...(threads ? { threads } : {}) }
        : { title: '', nodes: [] };
      provider?.push();
    }));
}
