// Entry point of the iopf-lens extension: activates each editor feature once; the core itself loads lazily on first use.
import * as vscode from 'vscode';
import * as settings from './settings';
import * as coreHost from './core-host';
import * as diagnostics from './diagnostics';
import * as codelens from './codelens';
import * as hover from './hover';
import * as simulationPanel from './simulation-panel';
import * as reviewPanel from './review-panel';
import * as faultflowView from './faultflow-view';
import * as findingsTree from './findings-tree';
import * as commands from './commands';

/** What the extension hands to other extensions and to its own integration tests. */
export interface IopfLensApi {
  activationMs: number;
  currentSimulation: typeof simulationPanel.currentSimulation;
  currentReview: typeof reviewPanel.currentReview;
  currentHighlight: typeof faultflowView.currentHighlight;
  analyzeDocument: typeof coreHost.analyzeDocument;
  /** parse/update and simulation times of recent analyses (the per-edit cost) */
  recentTimings: typeof coreHost.recentTimings;
  /** a document's result once every function has one, while interleavings that read the edit still run */
  onDidAnalyzePartially: typeof coreHost.onDidAnalyzePartially;
}

export function activate(ctx: vscode.ExtensionContext): IopfLensApi {
  const t0 = Date.now();
  // Order matters only for events: settings and the core host first, consumers after.
  for (const feature of [settings, coreHost, diagnostics, codelens, hover, simulationPanel, reviewPanel,
    faultflowView, findingsTree, commands]) {
    feature.activate(ctx);
  }
  const activationMs = Date.now() - t0;
  coreHost.output().info(`iopf-lens activated in ${activationMs} ms (core not loaded yet)`);
  return {
    activationMs,
    currentSimulation: simulationPanel.currentSimulation,
    currentReview: reviewPanel.currentReview,
    currentHighlight: faultflowView.currentHighlight,
    analyzeDocument: coreHost.analyzeDocument,
    recentTimings: coreHost.recentTimings,
    onDidAnalyzePartially: coreHost.onDidAnalyzePartially,
  };
}

export function deactivate(): void {
  // Every feature registered its disposables on the context; VS Code disposes them.
}
