// Shared shapes of the pure core: source positions, findings, traces and analysis results.
import type { AnalysisMemo, UnitStore } from './memo';

/** A position in a source file: 0-based line and column (UTF-16 code units), plus byte-free character offset. */
export interface Position {
  line: number;
  column: number;
}

/** A source range, 0-based lines and columns, end exclusive; `start`/`end` offsets index the file text. */
export interface SourceRange {
  start: Position;
  end: Position;
  startIndex: number;
  endIndex: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** One snapshot of the model state after a step, as shown in the simulation panel. */
export interface StateSnapshot {
  /** e.g. { "iommu_fault_param#1.users": 2 } */
  refs: Record<string, number>;
  /** locks currently held by the thread (or all threads for concurrent traces) */
  locks: string[];
  /** list name -> member object names */
  lists: Record<string, string[]>;
  /** outstanding page request groups: "grpid 3 (pasid 1)" -> state */
  requests: Record<string, string>;
  /** freed objects, and those waiting for an RCU grace period */
  freed: string[];
  rcuDepth: number;
}

/** One step of a simulated path. */
export interface TraceStep {
  /** thread name in concurrent traces ("T1 report"), absent for single-thread paths */
  thread?: string;
  file: string;
  /** 1-based line of the step, for display and JSON */
  line: number;
  range: SourceRange;
  /** model operation, in the kernel's words: "refcount_inc_not_zero(iommu_fault_param#1.users)" */
  op: string;
  /** what changed: "users 1 -> 2" */
  detail: string;
  /** function whose body the step is in */
  function: string;
  /** 'scenario': a step of the scenario itself (a call returning between two calls, an object the core frees), at no statement */
  origin?: 'scenario';
  state?: StateSnapshot;
}

export interface Finding {
  rule: string;
  severity: Severity;
  /** path as given by the user (or the tree-relative path in reviews) */
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  function: string;
  message: string;
  /** the scenario that exposed it, e.g. "last-only" or "report x remove" */
  scenario?: string;
  trace: TraceStep[];
  /**
   * What followed from it on the path where it came first (the use-after-free after a double put,
   * the response for a partial request once it was dispatched): listed under it, not as findings
   * of their own, unless they also come first on some other path.
   */
  consequences?: Consequence[];
}

export type Consequence = Pick<Finding, 'rule' | 'severity' | 'file' | 'line' | 'column' | 'function' | 'message'>;

/** How one simulated path ended. */
export interface PathResult {
  id: number;
  scenario: string;
  /** one line for humans: "returns 0; group handed to iopf_handler" */
  outcome: string;
  /** the path's return value as text, if any */
  returns?: string;
  steps: TraceStep[];
  findings: Finding[];
  /** true when a loop or depth bound cut the path short */
  bounded: boolean;
  /** branch decisions taken, in order, as "line: condition = true" */
  decisions: string[];
}

/** What the model knows about one function in the analysed files. */
export interface FunctionSummary {
  name: string;
  file: string;
  /** 1-based line of the definition */
  line: number;
  range: SourceRange;
  /** true when the function calls or implements something the model knows */
  known: boolean;
  paths: number;
  findings: number;
  bounded: boolean;
  /** how many of its paths a bound cut short (absent: none); all of them: nothing was run to a verdict */
  cut?: number;
  scenarios: string[];
}

export interface UnknownCall {
  name: string;
  file: string;
  line: number;
  function: string;
}

export interface AnalysisResult {
  findings: Finding[];
  functions: FunctionSummary[];
  /** calls the mapping could not bind (neither a model operation nor a body in the workspace) */
  unknownCalls: UnknownCall[];
  /** true when some exploration hit a bound: the verdict is "bounded", not "clean" */
  bounded: boolean;
  /** concurrent scenarios whose findings here are from before the edit: they are being explored again */
  pending?: string[];
  /** what the analysis left out and why (a function nested too deeply to simulate); absent when nothing was */
  notes?: AnalysisNote[];
  /** the interleavings and lifecycle programs explored, with what each gave; absent when none ran */
  programs?: ProgramSummary[];
}

export interface ProgramSummary {
  name: string;
  /** schedules run to their end */
  paths: number;
  bounded: boolean;
  findings: number;
}

/** Something of the input the analysis did not look at, said once. */
export interface AnalysisNote {
  file: string;
  /** 1-based */
  line: number;
  /** the function concerned, when there is one */
  function?: string;
  /** one line: "too deeply nested (100003 levels), not analysed" */
  message: string;
}

/** A file handed to the core: its path as the user gave it, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export interface AnalyzeOptions {
  /** only these functions are entry points (others may still be interpreted as callees) */
  functions?: string[];
  /** only these scenario names; default: every scenario that fits */
  scenarios?: string[];
  /** exploration bounds */
  maxPaths?: number;
  loopBound?: number;
  callDepth?: number;
  maxStates?: number;
  /** checked between units of work; when it returns true the core stops and marks the result bounded */
  cancelled?: () => boolean;
  /** results of earlier analyses of the same workspace, re-used where nothing they read changed (editors) */
  memo?: AnalysisMemo;
  /** results of units of earlier analyses of any workspace, re-used where what they read reads the same (the CLI's cache) */
  units?: UnitStore;
  /**
   * With a memo: called once every function has its result and before interleavings that must be
   * explored again run, with a result holding their previous findings (listed in `pending`).
   */
  onPartial?: (partial: AnalysisResult) => void;
  /**
   * A share of a parallel run (parallel.ts): a unit of work this run does not claim is another
   * worker's and is skipped; each one it runs (or re-uses) it hands on with its key. The checks that
   * read each function on its own are left to the run that merges the shares.
   */
  share?: { claim(key: string): boolean; done(key: string, result: import('./memo').UnitResult): void };
  /**
   * false: only the IOPF/SVA model's own rules, on the functions that call its API; the kernel-wide
   * checks (leaks of any allocation, error pointers, user copies, NULL dereferences, missing error
   * codes, data races) are neither run nor reported. Default true.
   */
  kernelWide?: boolean;
}
