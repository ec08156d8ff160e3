// The findings tree in the iopf-lens sidebar: file -> finding -> trace step, from the latest analysis of each open C file.
import * as vscode from 'vscode';
import type { Finding, TraceStep } from './core/types';
import { allLatest, onDidAnalyze, onDidInvalidate, uriForPath, filePath } from './core-host';
import { CMD, VIEW } from './command-ids';
import { stepLabel } from './diagnostics';
import { REVIEW_SCHEME } from './review-docs';

type Node =
  | { kind: 'file'; uri: vscode.Uri; findings: Finding[]; bounded: string[] }
  | { kind: 'bounded'; uri: vscode.Uri; function: string; line: number }
  | { kind: 'finding'; uri: vscode.Uri; finding: Finding }
  | { kind: 'step'; uri: vscode.Uri; step: TraceStep; index: number };

class FindingsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  refresh(): void { this.changed.fire(undefined); }
  dispose(): void { this.changed.dispose(); }

  getChildren(node?: Node): Node[] {
    if (!node) {
      // A file whose analysis hit a bound is listed even with no finding: bounded is never clean.
      // A side of a reviewed patch is the review panel's to show.
      return allLatest()
        .filter(([uri]) => uri.scheme !== REVIEW_SCHEME)
        .map(([uri, r]) => ({ kind: 'file' as const, uri, findings: r.findings.filter((f) => f.file === filePath(uri)),
          bounded: r.functions.filter((f) => f.bounded && f.file === filePath(uri)).map((f) => `${f.name}\n${f.line}`) }))
        .filter((n) => n.findings.length > 0 || n.bounded.length > 0)
        .sort((a, b) => a.uri.toString().localeCompare(b.uri.toString()));
    }
    if (node.kind === 'file') {
      return [
        ...[...node.findings].sort((a, b) => a.line - b.line).map((finding) => ({ kind: 'finding' as const, uri: node.uri, finding })),
        ...node.bounded.map((b) => {
          const [fn, line] = b.split('\n');
          return { kind: 'bounded' as const, uri: node.uri, function: fn!, line: Number(line) };
        }),
      ];
    }
    if (node.kind === 'finding') {
      return node.finding.trace.map((step, index) => ({ kind: 'step', uri: node.uri, step, index }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'file': {
        const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.Expanded);
        // Kernel trees repeat file names (io-pgfault.c in several fixtures): say which folder.
        const dir = vscode.workspace.asRelativePath(vscode.Uri.joinPath(node.uri, '..'), false);
        const n = node.findings.length;
        item.description = `${dir} · ${n} finding${n === 1 ? '' : 's'}${node.bounded.length ? ` · bounded in ${node.bounded.length} function${node.bounded.length === 1 ? '' : 's'}` : ''}`;
        item.contextValue = 'iopf.file';
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(f.message, f.trace.length ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.None);
        item.description = `${f.rule} · ${f.function}:${f.line}`;
        item.tooltip = new vscode.MarkdownString().appendText(`${f.rule}\n${f.message}${f.scenario ? `\nscenario: ${f.scenario}` : ''}`);
        item.iconPath = new vscode.ThemeIcon(f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info');
        item.command = { command: CMD.openFinding, title: 'Open', arguments: [{ uri: node.uri.toString(), line: f.line, column: f.column }] };
        item.contextValue = 'iopf.finding';
        return item;
      }
      case 'bounded': {
        const item = new vscode.TreeItem(`${node.function}(): some paths cut at a bound`, vscode.TreeItemCollapsibleState.None);
        item.description = `line ${node.line} · not every path was run`;
        item.tooltip = 'The exploration of this function stopped at a bound (iopf.exploration.maxPaths or loopBound): no finding on the paths explored is not a proof. Click to simulate it and re-run with larger bounds.';
        item.iconPath = new vscode.ThemeIcon('warning');
        item.command = { command: CMD.simulateFunction, title: 'Simulate', arguments: [{ uri: node.uri.toString(), function: node.function }] };
        item.contextValue = 'iopf.bounded';
        return item;
      }
      case 'step': {
        const s = node.step;
        const item = new vscode.TreeItem(`${node.index + 1}. ${stepLabel(s)}`, vscode.TreeItemCollapsibleState.None);
        item.description = `${s.function}:${s.line}`;
        item.command = { command: CMD.revealStep, title: 'Reveal', arguments: [{
          uri: uriForPath(s.file, node.uri).toString(),
          range: [s.range.start.line, s.range.start.column, s.range.end.line, s.range.end.column],
        }] };
        return item;
      }
    }
  }
}

export function activate(ctx: vscode.ExtensionContext): void {
  const tree = new FindingsTree();
  ctx.subscriptions.push(tree,
    vscode.window.registerTreeDataProvider(VIEW.findings, tree),
    onDidAnalyze(() => tree.refresh()),
    onDidInvalidate(() => tree.refresh()));
}
