// Entry points of the pure core: analyse files (check) and simulate one function (simulate).
import type { AnalysisResult, AnalyzeOptions, FunctionSummary, PathResult, SourceFile } from './types';

export interface SimulationResult {
  function: FunctionSummary;
  paths: PathResult[];
  bounded: boolean;
}

/**
 * analyzeFiles - simulate every known function of @files under every scenario that fits it.
 * Functions defined in any of @files serve as callee bodies for one another.
 */
export async function analyzeFiles(_files: SourceFile[], _opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  throw new Error('analyzeFiles: not built yet');
}

/** simulateFunction - every path of @fn in @file, with traces. */
export async function simulateFunction(_files: SourceFile[], _file: string, _fn: string,
  _opts: AnalyzeOptions = {}): Promise<SimulationResult> {
  throw new Error('simulateFunction: not built yet');
}
