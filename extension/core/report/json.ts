// JSON reports for scripts and CI bots: the DESIGN.md contract (`findings`, and `patches` for reviews), stable keys, 1-based lines.
import type { AnalysisResult, Finding, TraceStep } from '../types';
import type { Change, ReviewResult } from '../review/review';

export interface JsonStep {
  thread?: string;
  file: string;
  line: number;
  column: number;
  function: string;
  op: string;
  detail: string;
}

export interface JsonFinding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  function: string;
  message: string;
  scenario?: string;
  trace: JsonStep[];
}

export function stepJson(s: TraceStep): JsonStep {
  const out: JsonStep = { file: s.file, line: s.line, column: (s.range?.start.column ?? 0) + 1, function: s.function, op: s.op, detail: s.detail };
  if (s.thread) out.thread = s.thread;
  return out;
}

/** findingJson - one finding as the contract spells it; the model's state snapshots stay out (they are for the editor) */
export function findingJson(f: Finding): JsonFinding {
  const out: JsonFinding = {
    rule: f.rule, severity: f.severity, file: f.file, line: f.line, column: f.column, function: f.function, message: f.message,
    trace: f.trace.map(stepJson),
  };
  if (f.scenario !== undefined) out.scenario = f.scenario;
  return out;
}

export function checkJson(r: AnalysisResult): object {
  return {
    findings: r.findings.map(findingJson),
    functions: r.functions.map((f) => ({ name: f.name, file: f.file, line: f.line, known: f.known, paths: f.paths, findings: f.findings, bounded: f.bounded, scenarios: f.scenarios })),
    unknownCalls: r.unknownCalls,
    bounded: r.bounded,
  };
}

function changeJson(c: Change): object {
  return c.kind === 'outcome'
    ? { kind: c.kind, function: c.function, file: c.file, line: c.line, scenario: c.scenario, before: c.before, after: c.after }
    : { kind: c.kind, function: c.function, file: c.file, line: c.line, before: c.before, after: c.after, callers: c.callers };
}

export function reviewJson(r: ReviewResult): object {
  return {
    findings: r.findings.map(findingJson),
    title: r.title ?? null,
    tree: r.tree,
    remaining: r.remaining.map(findingJson),
    patches: r.patches.map((p) => ({
      subject: p.subject,
      position: p.position,
      total: p.total,
      source: p.source,
      files: p.files,
      functions: p.functions,
      introduced: p.introduced.map(findingJson),
      fixed: p.fixed.map(findingJson),
      changed: p.changed.map(changeJson),
      notes: p.notes,
      bounded: p.bounded,
    })),
  };
}
