// JSON reports for scripts and CI bots: the DESIGN.md contract (`findings`, and `patches` for reviews), stable keys, 1-based lines.
import type { AnalysisResult, Finding, PathResult, TraceStep } from '../types';
import type { Change, PathPair, PatchReview, ReviewFinding, ReviewResult } from '../review/review';

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
  /** what followed from it on the same path */
  consequences?: { rule: string; severity: string; file: string; line: number; column: number; function: string; message: string }[];
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
  if (f.consequences?.length) out.consequences = f.consequences.map((c) => ({ ...c }));
  return out;
}

export function checkJson(r: AnalysisResult): object {
  return {
    findings: r.findings.map(findingJson),
    functions: r.functions.map((f) => ({ name: f.name, file: f.file, line: f.line, known: f.known, paths: f.paths, findings: f.findings, bounded: f.bounded, scenarios: f.scenarios })),
    unknownCalls: r.unknownCalls,
    bounded: r.bounded,
    ...(r.notes?.length ? { notes: r.notes } : {}),
  };
}

type Texts = Record<string, string>;

/** One side's path in a review: its steps with the source line they stand on, taken from that side's text. */
function reviewPathJson(p: PathResult, texts: Texts): object {
  const lines = new Map<string, string[]>();
  const lineOf = (file: string, line: number): string | undefined => {
    if (!(file in texts)) return undefined;
    let ls = lines.get(file);
    if (!ls) lines.set(file, (ls = texts[file].split('\n')));
    return ls[line - 1]?.trim();
  };
  return {
    scenario: p.scenario,
    outcome: p.outcome,
    ...(p.returns !== undefined ? { returns: p.returns } : {}),
    bounded: p.bounded,
    steps: p.steps.map((s) => {
      const text = lineOf(s.file, s.line);
      return { ...stepJson(s), ...(text !== undefined ? { text } : {}) };
    }),
  };
}

/** The before/after paths of a change or finding, compactly: no model state, one source line per step. */
function pairJson(pair: PathPair | undefined, texts: PatchReview['texts']): object {
  if (!pair) return {};
  return {
    paths: {
      before: pair.before ? reviewPathJson(pair.before, texts.before) : null,
      after: pair.after ? reviewPathJson(pair.after, texts.after) : null,
      ...(pair.diverge !== undefined ? { diverge: pair.diverge } : {}),
    },
  };
}

function reviewFindingJson(f: ReviewFinding, texts: PatchReview['texts']): object {
  return { ...findingJson(f), ...pairJson(f.paths, texts) };
}

function changeJson(c: Change, texts: PatchReview['texts']): object {
  return c.kind === 'outcome'
    ? { kind: c.kind, function: c.function, file: c.file, line: c.line, scenario: c.scenario, before: c.before, after: c.after, ...pairJson(c.paths, texts) }
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
      introduced: p.introduced.map((f) => reviewFindingJson(f, p.texts)),
      fixed: p.fixed.map((f) => reviewFindingJson(f, p.texts)),
      changed: p.changed.map((c) => changeJson(c, p.texts)),
      notes: p.notes,
      bounded: p.bounded,
    })),
    unreviewedReplies: r.replies,
  };
}
