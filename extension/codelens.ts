// CodeLens "Simulate · N paths · K findings" over each function the model knows (none over the rest).
import * as vscode from 'vscode';
import { analyzeDocument, filePath, onDidAnalyze, onDidInvalidate } from './core-host';
import type { UnknownCall } from './core/types';
import { lensTitle } from './view-model';
import { getSettings, onDidChangeSettings } from './settings';
import { CMD } from './command-ids';

export function unmodelledTitle(n: number): string {
  return `${n} call${n === 1 ? '' : 's'} not modelled`;
}

class SimulateLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  refresh(): void { this.changed.fire(); }
  dispose(): void { this.changed.dispose(); }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!getSettings().codeLens) return [];
    const result = await analyzeDocument(doc);
    if (!result || token.isCancellationRequested) return [];
    const self = filePath(doc.uri);
    const unknown = new Map<string, UnknownCall[]>();
    for (const u of result.unknownCalls) if (u.file === self) unknown.set(u.function, [...(unknown.get(u.function) ?? []), u]);
    return result.functions
      .filter((f) => f.known && f.file === self)
      .flatMap((f) => {
        const line = Math.min(Math.max(0, f.line - 1), doc.lineCount - 1);
        const range = new vscode.Range(line, 0, line, 0);
        const lenses = [new vscode.CodeLens(range, {
          title: lensTitle(f.paths, f.findings, f.bounded, f.cut),
          tooltip: `Simulate ${f.name}${f.scenarios.length ? ` (scenarios: ${f.scenarios.join(', ')})` : ''}`,
          command: CMD.simulateFunction,
          arguments: [{ uri: doc.uri.toString(), function: f.name }],
        })];
        // Checked and fine is not the same as not understood: say which calls the simulation could not follow.
        const calls = unknown.get(f.name) ?? [];
        if (calls.length) {
          lenses.push(new vscode.CodeLens(range, {
            title: unmodelledTitle(calls.length),
            tooltip: `Not modelled and not in the workspace: ${[...new Set(calls.map((c) => `${c.name}()`))].join(', ')}`,
            command: CMD.showUnmodelled,
            arguments: [{ uri: doc.uri.toString(), calls: calls.map((c) => ({ name: c.name, line: c.line })) }],
          }));
        }
        return lenses;
      });
  }
}

export function activate(ctx: vscode.ExtensionContext): void {
  const provider = new SimulateLens();
  ctx.subscriptions.push(provider,
    vscode.languages.registerCodeLensProvider({ language: 'c' }, provider),
    onDidAnalyze(() => provider.refresh()),
    onDidInvalidate(() => provider.refresh()),
    onDidChangeSettings(() => provider.refresh()));
}
