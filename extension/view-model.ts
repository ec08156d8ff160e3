// Converts core results (PathResult, Finding, TraceStep) into the plain view models the webviews draw (no vscode import).
import type { Finding, PathResult, StateSnapshot, TraceStep } from './core/types';
import type { ViewFinding, ViewPath, ViewState, ViewStep } from '../webview/protocol';
import { callDepths } from '../webview/path-labels';

/** Looks up the source text of a 1-based line of a file, for showing beside a step. */
export type LineLookup = (file: string, line: number) => string | undefined;

const MAX_SOURCE = 240;

function toState(s: StateSnapshot | undefined): ViewState | undefined {
  if (!s) return undefined;
  // Copy field by field: the core may grow fields the webview must not depend on.
  const num = (r: unknown) => Object.fromEntries(Object.entries((r ?? {}) as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;
  const strs = (a: unknown) => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);
  return {
    refs: num(s.refs),
    locks: strs(s.locks),
    lists: Object.fromEntries(Object.entries(s.lists ?? {}).map(([k, v]) => [k, strs(v)])),
    requests: Object.fromEntries(Object.entries(s.requests ?? {}).map(([k, v]) => [k, String(v)])),
    freed: strs(s.freed),
    rcuDepth: typeof s.rcuDepth === 'number' ? s.rcuDepth : 0,
  };
}

/** Lines a step's highlight may cover: a statement, a condition over a few lines; never a whole function body. */
const MAX_STEP_LINES = 4;

/** The range a step highlights: its own, or the first line of it when it spans more than a statement does. */
function statementRange(r: { start: { line: number; column: number }; end: { line: number; column: number } }): [number, number, number, number] {
  if (r.end.line - r.start.line < MAX_STEP_LINES) return [r.start.line, r.start.column, r.end.line, r.end.column];
  return [r.start.line, r.start.column, r.start.line, Number.MAX_SAFE_INTEGER];
}

export function toStep(s: TraceStep, lines?: LineLookup): ViewStep {
  const source = lines?.(s.file, s.line);
  const state = toState(s.state);
  return {
    ...(s.thread ? { thread: String(s.thread) } : {}),
    file: String(s.file),
    line: Number.isInteger(s.line) ? s.line : 0,
    op: String(s.op ?? ''),
    detail: String(s.detail ?? ''),
    function: String(s.function ?? ''),
    ...(s.origin === 'scenario' ? { scenario: true } : source !== undefined ? { source: source.trim().slice(0, MAX_SOURCE) } : {}),
    ...(state ? { state } : {}),
    ...(s.range?.start && s.range?.end && s.origin !== 'scenario' ? { range: statementRange(s.range) } : {}),
  };
}

export function toFinding(f: Finding, lines?: LineLookup): ViewFinding {
  return {
    rule: String(f.rule),
    severity: String(f.severity),
    file: String(f.file),
    line: Number.isInteger(f.line) ? f.line : 0,
    function: String(f.function ?? ''),
    message: String(f.message ?? ''),
    ...(f.scenario ? { scenario: String(f.scenario) } : {}),
    trace: (f.trace ?? []).map((s) => toStep(s, lines)),
  };
}

export function toPath(p: PathResult, lines?: LineLookup): ViewPath {
  const steps = (p.steps ?? []).map((s) => toStep(s, lines));
  const depths = callDepths(steps);
  return {
    id: Number.isInteger(p.id) ? p.id : 0,
    scenario: String(p.scenario ?? ''),
    outcome: String(p.outcome ?? ''),
    ...(p.returns !== undefined ? { returns: String(p.returns) } : {}),
    bounded: !!p.bounded,
    steps: steps.map((s, i) => ({ ...s, depth: depths[i]! })),
    findings: (p.findings ?? []).map((f) => toFinding(f, lines)),
    ...(Array.isArray(p.decisions) ? { decisions: p.decisions.map(String) } : {}),
  };
}

/** The CodeLens title over a simulated function: its paths and findings, and never "clean" when a bound cut it. */
export function lensTitle(paths: number, findings: number, bounded: boolean, cut = 0): string {
  // A static helper called from elsewhere is simulated as part of its callers, where its arguments are real.
  if (paths === 0 && findings === 0 && !bounded) return 'Simulate · checked through its callers';
  // Every path cut short: nothing was run to a verdict, whatever the count says.
  if (bounded && (paths === 0 || cut >= paths)) {
    return `Simulate · ${paths === 1 ? 'its one path' : paths ? `all ${paths} paths` : 'every path'} cut at a bound · ${findings} finding${findings === 1 ? '' : 's'} so far`;
  }
  // Cut by a bound, a function is not known clean: the lens says so.
  const p = bounded ? `${paths}+ paths (bounded)` : `${paths} path${paths === 1 ? '' : 's'}`;
  const f = `${findings} finding${findings === 1 ? '' : 's'}`;
  return `Simulate · ${p} · ${f}`;
}
