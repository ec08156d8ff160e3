// Command ids of iopf-lens: the one list the command table, the manifest test and the webviews share (no vscode import).

/** Short name -> registered id `iopf.<name>`. */
export const CMD = {
  simulateFunction: 'iopf.simulateFunction',
  simulateScenario: 'iopf.simulateScenario',
  reviewPatch: 'iopf.reviewPatch',
  reviewSeries: 'iopf.reviewSeries',
  showFaultFlow: 'iopf.showFaultFlow',
  exportTrace: 'iopf.exportTrace',
  reindex: 'iopf.reindex',
  showLog: 'iopf.showLog',
  /** internal: open a finding's location (findings tree) */
  openFinding: 'iopf.openFinding',
  /** internal: reveal one trace step in the editor (findings tree, review panel) */
  revealStep: 'iopf.revealStep',
  /** internal: list a function's calls the simulation could not follow (CodeLens) */
  showUnmodelled: 'iopf.showUnmodelled',
} as const;

export type CommandName = keyof typeof CMD;

/** Palette titles (category "IOPF"); internal commands have none and are hidden from the palette. */
export const COMMAND_TITLES: Partial<Record<CommandName, string>> = {
  simulateFunction: 'Simulate Function at Cursor',
  simulateScenario: 'Simulate Scenario…',
  reviewPatch: 'Review Patch File…',
  reviewSeries: 'Review Patch Series in Folder…',
  showFaultFlow: 'Show Fault Flow',
  exportTrace: 'Export Trace (JSON / Mermaid)',
  reindex: 'Reindex Workspace',
  showLog: 'Show Log',
};

export const VIEW = {
  container: 'iopf',
  faultFlow: 'iopf.faultFlow',
  findings: 'iopf.findings',
  simulationPanel: 'iopf.simulation',
  reviewPanel: 'iopf.review',
} as const;
