// Typed access to the iopf-lens settings (contributes.configuration), with change notification.
import * as vscode from 'vscode';
import type { AnalyzeOptions } from './core/types';

export interface Settings {
  /** diagnostics on open C files */
  hints: boolean;
  codeLens: boolean;
  debounceMs: number;
  maxPaths: number;
  loopBound: number;
  callDepth: number;
  maxStates: number;
  /** scenario names to run; empty means every scenario that fits */
  scenarios: string[];
  /** files larger than this are not analysed on edit (kernel headers can be huge) */
  maxFileKb: number;
}

const SECTION = 'iopf';

export function getSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const num = (key: string, dflt: number, min: number, max: number) => {
    const v = c.get<number>(key, dflt);
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : dflt;
  };
  const scenarios = c.get<unknown>('scenarios', []);
  return {
    hints: c.get<boolean>('hints.enabled', true) !== false,
    codeLens: c.get<boolean>('codeLens.enabled', true) !== false,
    debounceMs: num('hints.debounceMs', 400, 0, 10_000),
    maxPaths: num('exploration.maxPaths', 64, 1, 100_000),
    loopBound: num('exploration.loopBound', 2, 1, 64),
    callDepth: num('exploration.callDepth', 3, 0, 32),
    maxStates: num('exploration.maxStates', 20_000, 100, 10_000_000),
    scenarios: Array.isArray(scenarios) ? scenarios.filter((s): s is string => typeof s === 'string') : [],
    maxFileKb: num('hints.maxFileKb', 1024, 1, 65_536),
  };
}

/** The exploration bounds and scenario filter as core options. */
export function analyzeOptions(s: Settings = getSettings()): AnalyzeOptions {
  return {
    maxPaths: s.maxPaths,
    loopBound: s.loopBound,
    callDepth: s.callDepth,
    maxStates: s.maxStates,
    ...(s.scenarios.length ? { scenarios: s.scenarios } : {}),
  };
}

const changed = new vscode.EventEmitter<Settings>();
/** Fires with the new settings whenever anything under `iopf.` changes. */
export const onDidChangeSettings = changed.event;

export function activate(ctx: vscode.ExtensionContext): void {
  ctx.subscriptions.push(changed, vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) changed.fire(getSettings());
  }));
}
