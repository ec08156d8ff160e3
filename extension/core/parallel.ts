// A check spread over worker threads. Every worker parses the same files into a workspace of its
// own (one web-tree-sitter instance each) and runs the analysis as one thread would, in the same
// order; each unit of work (a function under its scenarios, an interleaving, a lifecycle program)
// is run by the first worker to claim it, through a shared array of claims, so the work spreads by
// how long each unit takes. The results come back by unit, and the calling thread runs the analysis
// once more with all of them given (analyzeWorkspace() re-uses each instead of running it): findings,
// their order and everything else come out as a run on one thread makes them.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Workspace, type ReadLog } from './index';
import { analyzeWorkspace } from './analyze';
import { loadLanguage } from './parse/parser';
import { CheckCache, resultOptions, type ResultOptions } from './cache/index';
import type { UnitResult, UnitStore } from './memo';
import type { AnalyzeOptions, SourceFile } from './types';

/** How many units a run can share out by claims; past that, every worker runs what is left. */
const MAX_CLAIMS = 1 << 18;

interface WorkerInput {
  iopfLensWorker: true;
  files: SourceFile[];
  /** the options that change the result (no callbacks, no stores) */
  opts: ResultOptions;
  claims: Int32Array;
  /** the directory of the unit cache the workers share, when the run has one */
  cacheDir?: string;
}

/** The number of threads a check uses by default: one per core. */
export function defaultJobs(): number {
  return availableParallelism();
}

/**
 * analyzeInWorkers - the result of every unit of the analysis of @files with @opts, run on @jobs
 * worker threads started from the script @entry (which must call workerMain() when it is started as
 * a worker). Given as `units` to analyzeWorkspace() (sharedUnits()), they make its result.
 */
export async function analyzeInWorkers(files: SourceFile[], opts: AnalyzeOptions, jobs: number, entry: string, cacheDir?: string): Promise<Map<string, UnitResult>> {
  const claims = new Int32Array(new SharedArrayBuffer(4 * MAX_CLAIMS));
  const input: WorkerInput = {
    iopfLensWorker: true, files, claims, cacheDir, opts: resultOptions(opts),
  };
  const results = new Map<string, UnitResult>();
  // From the sources (a test under tsx), a worker needs the same loader to read TypeScript.
  const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const runs = Array.from({ length: jobs }, () => new Promise<void>((res, rej) => {
    const w = new Worker(entry, { workerData: input, execArgv });
    w.on('message', (m: { units: [string, UnitResult][] }) => {
      for (const [k, r] of m.units) results.set(k, r);
    });
    w.on('error', rej);
    w.on('exit', (code) => (code === 0 ? res() : rej(new Error(`a worker of the check stopped with status ${code}`))));
  }));
  await Promise.all(runs);
  return results;
}

/** sharedUnits - a store that gives analyzeWorkspace() the units the workers ran. */
export function sharedUnits(results: Map<string, UnitResult>): UnitStore {
  return {
    // The store's key is the unit's, then the shape of the run after the last NUL.
    reuse: (key: string) => results.get(key.slice(0, key.lastIndexOf('\0'))),
    store: (_key: string, _result: UnitResult, _reads: ReadLog, _ws: Workspace) => undefined,
  };
}

/** Whether this thread was started by analyzeInWorkers(). */
export function isCheckWorker(): boolean {
  return !isMainThread && (workerData as WorkerInput | undefined)?.iopfLensWorker === true;
}

/**
 * workerMain - a worker's share: the analysis run in order, each unit it claims first run (or
 * re-used from the shared unit cache, and kept there), and their results sent back at the end.
 */
export async function workerMain(): Promise<void> {
  const input = workerData as WorkerInput;
  await loadLanguage();
  const ws = await Workspace.create(input.files);
  const cache = input.cacheDir !== undefined ? new CheckCache(() => undefined, input.cacheDir) : undefined;
  const out: [string, UnitResult][] = [];
  let next = 0;
  try {
    analyzeWorkspace(ws, {
      ...input.opts,
      units: cache?.units,
      share: {
        claim: () => {
          const i = next++;
          return i >= MAX_CLAIMS || Atomics.compareExchange(input.claims, i, 0, 1) === 0;
        },
        done: (key, result) => out.push([key, result]),
      },
    });
  } finally {
    ws.dispose();
  }
  cache?.flush();
  parentPort!.postMessage({ units: out });
}
