// Typed messages between the extension host and the iopf-lens webviews, with runtime guards for every receive.
//
// Both directions are untrusted from the receiver's point of view (a webview can be scripted by
// hostile content if escaping ever fails; a stale webview can post an old shape after reload), so
// every message is checked with a guard before it is acted on. Requests that expect an answer
// carry a `seq`; the answer is a `reply` with the same `seq`.

// ---------------------------------------------------------------------------------------------
// View models: what the webviews draw. Plain JSON, no vscode types, so they survive setState.

export interface ViewState {
  refs: Record<string, number>;
  locks: string[];
  lists: Record<string, string[]>;
  requests: Record<string, string>;
  freed: string[];
  rcuDepth: number;
}

export interface ViewStep {
  thread?: string;
  file: string;
  /** 1-based */
  line: number;
  op: string;
  detail: string;
  function: string;
  /** calls deep from the function the path starts in (per thread), 0 for that function's own steps */
  depth?: number;
  /** a step of the scenario itself (between two calls, the core freeing an object): at no statement of the file */
  scenario?: boolean;
  /** the source line of the step, as found in the file: untrusted text */
  source?: string;
  /** 0-based [startLine, startColumn, endLine, endColumn] of the step, for the editor highlight */
  range?: [number, number, number, number];
  state?: ViewState;
}

export interface ViewFinding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  function: string;
  message: string;
  scenario?: string;
  trace: ViewStep[];
}

export interface ViewPath {
  id: number;
  scenario: string;
  outcome: string;
  returns?: string;
  bounded: boolean;
  steps: ViewStep[];
  findings: ViewFinding[];
  /** branch decisions taken, in order ("141: !group = true"): what tells two paths with one outcome apart */
  decisions?: string[];
}

export interface SimulationView {
  function: string;
  file: string;
  /** the document the steps refer to (a URI string), for reveal */
  uri: string;
  bounded: boolean;
  paths: ViewPath[];
  /** what to simulate again for "re-run": absent for a view that cannot be recomputed (a review side) */
  rerun?: { function: string; scenario?: string };
  /** a hash of each document's text (by URI) the view was computed from: a change makes the view stale */
  sources?: Record<string, string>;
  /** the exploration bounds of the run */
  bounds?: { maxPaths: number; loopBound: number };
  /** calls on the paths' functions the simulation could not follow (no contract, no body) */
  unmodelled?: Array<{ file: string; line: number; name: string }>;
}

export interface SimulationCursor {
  path: number;
  step: number;
}

export interface ReviewChange {
  function: string;
  file?: string;
  line?: number;
  /** one line: the scenario or contract that changed */
  summary: string;
  /** what happened before and after the patch, in the core's words */
  beforeText: string;
  afterText: string;
  /** an outcome change as a diff: outcomes on both sides, only before the patch, only after it */
  outcomes?: { kept: string[]; gone: string[]; came: string[] };
  /** the representative path on each side (an outcome change; a contract change has none) */
  before?: ViewPath;
  after?: ViewPath;
  /** index of the first step where the two paths differ */
  diverge?: number;
}

/** A finding a patch introduces or fixes, with its path and the closest path of its scenario across the patch. */
export interface ReviewFindingView extends ViewFinding {
  before?: ViewPath;
  after?: ViewPath;
  diverge?: number;
}

export type ReviewSide = 'before' | 'after';
export type ReviewItemKind = 'introduced' | 'fixed' | 'changed';

export interface ReviewPatchView {
  subject: string;
  introduced: ReviewFindingView[];
  fixed: ReviewFindingView[];
  changed: ReviewChange[];
  /**
   * per side, tree-relative file -> the URI of the document holding that side's text (the file on disk
   * when it is unchanged, else the extension's read-only `iopf-review:` document); the host's, for reveal
   */
  docs?: { before: Record<string, string>; after: Record<string, string> };
  /** set when the patch did not apply or could not be analysed */
  error?: string;
  /** how far the analysis went (bounds, skipped files), for the reviewer */
  notes?: string[];
}

export interface ReviewView {
  title: string;
  patches: ReviewPatchView[];
  /** the series' verdict in the CLI's words */
  verdict?: string;
}

/** The item whose paths the review panel compares. */
export interface ReviewSelection {
  patch: number;
  kind: ReviewItemKind;
  index: number;
}

/** Fault-flow highlight: the lifecycle nodes the current path visits, in order. */
export interface FlowHighlight {
  title: string;
  nodes: string[];
  /** the node of the step the simulation panel is on */
  current?: string;
  /** a concurrent path: each thread's own route */
  threads?: Array<{ name: string; nodes: string[] }>;
}

// ---------------------------------------------------------------------------------------------
// Messages.

export type ReplyMessage = { type: 'reply'; seq: number; ok: boolean; error?: string; line?: number };

export type HostToSimulation =
  | { type: 'load'; view: SimulationView; cursor: SimulationCursor }
  | { type: 'goto'; cursor: SimulationCursor }
  /** the text a view was computed from changed (stale: true) or is back to it (stale: false) */
  | { type: 'stale'; stale: boolean; files: string[] }
  | ReplyMessage;

export type SimulationToHost =
  | { type: 'ready' }
  /** the user moved to a step: the host reveals it in the editor and replies with the line */
  | { type: 'reveal'; seq: number; cursor: SimulationCursor }
  | { type: 'export'; seq: number; format: 'json' | 'mermaid'; path: number }
  /** simulate the same function (and scenario) again on the current text; larger: with four times the path bound and two more loop passes */
  | { type: 'rerun'; seq: number; larger?: boolean };

export type HostToFlow =
  | { type: 'highlight'; highlight: FlowHighlight }
  | ReplyMessage;

export type FlowToHost =
  | { type: 'ready' }
  | { type: 'simulate'; seq: number }
  /** open the kernel function a node stands for */
  | { type: 'openNode'; seq: number; node: string };

export type HostToReview =
  | { type: 'load'; view: ReviewView }
  /** a tree file the review read changed (stale: true) or is back to what it read (stale: false) */
  | { type: 'stale'; stale: boolean; files: string[] }
  | ReplyMessage;

export type ReviewToHost =
  | { type: 'ready' }
  | { type: 'openFinding'; seq: number; patch: number; kind: 'introduced' | 'fixed'; index: number }
  /** open one side's path of an item in the simulation panel */
  | { type: 'showTrace'; seq: number; patch: number; kind: ReviewItemKind; index: number; side: ReviewSide }
  /** reveal one step of one side's path in the editor, on that side's text; the reply carries its line */
  | { type: 'revealStep'; seq: number; patch: number; kind: ReviewItemKind; index: number; side: ReviewSide; step: number }
  /** open the diff of the item's file between the two sides */
  | { type: 'showDiff'; seq: number; patch: number; kind: ReviewItemKind; index: number }
  /** review the same patches against the same tree again */
  | { type: 'rerun'; seq: number };

// ---------------------------------------------------------------------------------------------
// Guards. Deep enough that a handler can trust every field it reads.

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => isNum(x) && Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const optStr = (x: unknown): boolean => x === undefined || isStr(x);
const isStrArr = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const isRecordOf = (x: unknown, item: (v: unknown) => boolean): boolean =>
  isObj(x) && Object.values(x).every(item);

export function isViewState(x: unknown): x is ViewState {
  return isObj(x) && isRecordOf(x.refs, isNum) && isStrArr(x.locks) && isRecordOf(x.lists, isStrArr) &&
    isRecordOf(x.requests, isStr) && isStrArr(x.freed) && isNum(x.rcuDepth);
}

export function isViewStep(x: unknown): x is ViewStep {
  return isObj(x) && optStr(x.thread) && isStr(x.file) && isInt(x.line) && isStr(x.op) && isStr(x.detail) &&
    isStr(x.function) && optStr(x.source) && (x.depth === undefined || (isInt(x.depth) && x.depth >= 0)) &&
    (x.scenario === undefined || typeof x.scenario === 'boolean') && (x.state === undefined || isViewState(x.state)) &&
    (x.range === undefined || (Array.isArray(x.range) && x.range.length === 4 && x.range.every(isInt)));
}

export function isViewFinding(x: unknown): x is ViewFinding {
  return isObj(x) && isStr(x.rule) && isStr(x.severity) && isStr(x.file) && isInt(x.line) && isStr(x.function) &&
    isStr(x.message) && optStr(x.scenario) && Array.isArray(x.trace) && x.trace.every(isViewStep);
}

export function isViewPath(x: unknown): x is ViewPath {
  return isObj(x) && isInt(x.id) && isStr(x.scenario) && isStr(x.outcome) && optStr(x.returns) &&
    typeof x.bounded === 'boolean' && Array.isArray(x.steps) && x.steps.every(isViewStep) &&
    Array.isArray(x.findings) && x.findings.every(isViewFinding) && (x.decisions === undefined || isStrArr(x.decisions));
}

export function isSimulationView(x: unknown): x is SimulationView {
  return isObj(x) && isStr(x.function) && isStr(x.file) && isStr(x.uri) && typeof x.bounded === 'boolean' &&
    Array.isArray(x.paths) && x.paths.every(isViewPath) &&
    (x.rerun === undefined || (isObj(x.rerun) && isStr(x.rerun.function) && optStr(x.rerun.scenario))) &&
    (x.sources === undefined || isRecordOf(x.sources, isStr)) &&
    (x.bounds === undefined || (isObj(x.bounds) && isInt(x.bounds.maxPaths) && isInt(x.bounds.loopBound))) &&
    (x.unmodelled === undefined || (Array.isArray(x.unmodelled) && x.unmodelled.every((u) => isObj(u) && isStr(u.file) && isInt(u.line) && isStr(u.name))));
}

export function isCursor(x: unknown): x is SimulationCursor {
  return isObj(x) && isInt(x.path) && isInt(x.step) && x.path >= 0 && x.step >= 0;
}

/** The before/after paths an item may carry. */
function hasSides(x: Obj): boolean {
  return (x.before === undefined || isViewPath(x.before)) && (x.after === undefined || isViewPath(x.after)) &&
    (x.diverge === undefined || (isInt(x.diverge) && x.diverge >= 0));
}

function isReviewChange(x: unknown): x is ReviewChange {
  return isObj(x) && isStr(x.function) && optStr(x.file) && (x.line === undefined || isInt(x.line)) && isStr(x.summary) &&
    isStr(x.beforeText) && isStr(x.afterText) && hasSides(x) &&
    (x.outcomes === undefined || (isObj(x.outcomes) && isStrArr(x.outcomes.kept) && isStrArr(x.outcomes.gone) && isStrArr(x.outcomes.came)));
}

function isReviewFinding(x: unknown): x is ReviewFindingView {
  return isObj(x) && hasSides(x) && isViewFinding(x);
}

function isReviewDocs(x: unknown): boolean {
  return x === undefined || (isObj(x) && isRecordOf(x.before, isStr) && isRecordOf(x.after, isStr));
}

export function isReviewView(x: unknown): x is ReviewView {
  return isObj(x) && isStr(x.title) && optStr(x.verdict) && Array.isArray(x.patches) && x.patches.every((p) =>
    isObj(p) && isStr(p.subject) && optStr(p.error) && (p.notes === undefined || isStrArr(p.notes)) &&
    Array.isArray(p.introduced) && p.introduced.every(isReviewFinding) &&
    Array.isArray(p.fixed) && p.fixed.every(isReviewFinding) &&
    Array.isArray(p.changed) && p.changed.every(isReviewChange) && isReviewDocs(p.docs));
}

const isItemKind = (x: unknown): x is ReviewItemKind => x === 'introduced' || x === 'fixed' || x === 'changed';
const isSide = (x: unknown): x is ReviewSide => x === 'before' || x === 'after';

export function isReviewSelection(x: unknown): x is ReviewSelection {
  return isObj(x) && isInt(x.patch) && x.patch >= 0 && isItemKind(x.kind) && isInt(x.index) && x.index >= 0;
}

export function isFlowHighlight(x: unknown): x is FlowHighlight {
  return isObj(x) && isStr(x.title) && isStrArr(x.nodes) && optStr(x.current) &&
    (x.threads === undefined || (Array.isArray(x.threads) && x.threads.every((t) => isObj(t) && isStr(t.name) && isStrArr(t.nodes))));
}

function isReply(x: Obj): boolean {
  return x.type === 'reply' && isInt(x.seq) && typeof x.ok === 'boolean' && optStr(x.error) &&
    (x.line === undefined || isInt(x.line));
}

export function isHostToSimulation(x: unknown): x is HostToSimulation {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'load': return isSimulationView(x.view) && isCursor(x.cursor);
    case 'goto': return isCursor(x.cursor);
    case 'stale': return typeof x.stale === 'boolean' && isStrArr(x.files);
    case 'reply': return isReply(x);
    default: return false;
  }
}

export function isSimulationToHost(x: unknown): x is SimulationToHost {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready': return true;
    case 'reveal': return isInt(x.seq) && isCursor(x.cursor);
    case 'export': return isInt(x.seq) && (x.format === 'json' || x.format === 'mermaid') && isInt(x.path);
    case 'rerun': return isInt(x.seq) && (x.larger === undefined || typeof x.larger === 'boolean');
    default: return false;
  }
}

export function isHostToFlow(x: unknown): x is HostToFlow {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'highlight': return isFlowHighlight(x.highlight);
    case 'reply': return isReply(x);
    default: return false;
  }
}

export function isFlowToHost(x: unknown): x is FlowToHost {
  if (!isObj(x)) return false;
  return x.type === 'ready' || (x.type === 'simulate' && isInt(x.seq)) ||
    (x.type === 'openNode' && isInt(x.seq) && isStr(x.node) && /^[a-z]{1,16}$/.test(x.node));
}

export function isHostToReview(x: unknown): x is HostToReview {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'load': return isReviewView(x.view);
    case 'stale': return typeof x.stale === 'boolean' && isStrArr(x.files);
    case 'reply': return isReply(x);
    default: return false;
  }
}

export function isReviewToHost(x: unknown): x is ReviewToHost {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready': return true;
    case 'openFinding':
      return isInt(x.seq) && isInt(x.patch) && x.patch >= 0 && (x.kind === 'introduced' || x.kind === 'fixed') && isInt(x.index) && x.index >= 0;
    case 'showTrace':
      return isInt(x.seq) && isReviewSelection(x) && isSide(x.side);
    case 'revealStep':
      return isInt(x.seq) && isReviewSelection(x) && isSide(x.side) && isInt(x.step) && x.step >= 0;
    case 'showDiff':
      return isInt(x.seq) && isReviewSelection(x);
    case 'rerun':
      return isInt(x.seq);
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Persisted webview state (vscode.setState / the panel serializers).

export interface SimulationPersisted { kind: 'simulation'; view: SimulationView; cursor: SimulationCursor }
export interface ReviewPersisted { kind: 'review'; view: ReviewView; selection?: ReviewSelection }

export function isSimulationPersisted(x: unknown): x is SimulationPersisted {
  return isObj(x) && x.kind === 'simulation' && isSimulationView(x.view) && isCursor(x.cursor);
}

export function isReviewPersisted(x: unknown): x is ReviewPersisted {
  return isObj(x) && x.kind === 'review' && isReviewView(x.view) && (x.selection === undefined || isReviewSelection(x.selection));
}
