// Text reports: compiler-style lines for `check`, and for `review` a reply a maintainer could send about each patch.
import type { AnalysisResult, Finding, TraceStep } from '../types';
import type { ContractChange, OutcomeChange, PatchReview, ReviewFinding, ReviewResult } from '../review/review';
import { ruleInfo } from './rules';
import { safeLines } from './escape';

// Long traces are cut in text (JSON and SARIF keep them whole); the first and last steps say the most.
const TRACE_HEAD = 6;
const TRACE_TAIL = 3;

function stepText(s: TraceStep): string {
  const who = s.thread ? `[${s.thread}] ` : '';
  const detail = s.detail ? ` — ${s.detail}` : '';
  return `${who}${s.file}:${s.line} ${s.function}: ${s.op}${detail}`;
}

/** traceLines - a finding's trace, shortened in the middle when long */
export function traceLines(trace: TraceStep[], indent: string): string[] {
  const steps = trace.length > TRACE_HEAD + TRACE_TAIL + 1
    ? [...trace.slice(0, TRACE_HEAD).map(stepText), `… ${trace.length - TRACE_HEAD - TRACE_TAIL} more steps …`, ...trace.slice(-TRACE_TAIL).map(stepText)]
    : trace.map(stepText);
  return steps.map((s) => `${indent}${s}`);
}

function scenarioText(f: Finding): string {
  return f.scenario ? ` [scenario: ${f.scenario}]` : '';
}

export function checkText(r: AnalysisResult): string {
  const out: string[] = [];
  for (const f of r.findings) {
    out.push(`${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]`);
    out.push(`  in ${f.function}()${scenarioText(f)} — ${ruleInfo(f.rule).title}`);
    out.push(...traceLines(f.trace, '    '));
    out.push(...consequenceLines(f, '  '));
  }
  const fns = r.functions.length;
  const verdict = r.findings.length ? `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}` : 'no findings';
  out.push(`${verdict} in ${fns} function${fns === 1 ? '' : 's'}${r.bounded ? ' (bounded: some exploration hit a limit)' : ''}`);
  if (r.unknownCalls.length) out.push(`${r.unknownCalls.length} call${r.unknownCalls.length === 1 ? '' : 's'} not modelled (see --format json)`);
  return safeLines(out);
}

/** What followed from a finding on its path, one line each. */
function consequenceLines(f: Finding, indent: string): string[] {
  return (f.consequences ?? []).map((c) => `${indent}then: ${c.file}:${c.line}: ${c.message} [${c.rule}]`);
}

function findingBlock(f: ReviewFinding, out: string[], other?: 'before' | 'after'): void {
  out.push(`  - ${f.file}:${f.line}: ${f.rule} in ${f.function}()${scenarioText(f)}`);
  out.push(`    ${f.message}`);
  // The same function and scenario across the patch, in one line: what the reviewer compares against.
  const there = other ? f.paths?.[other] : undefined;
  if (other && there) out.push(`    ${other === 'before' ? 'Before' : 'After'} this patch, the closest path of this scenario: ${there.outcome}`);
  if (f.trace.length) {
    out.push('    trace:');
    out.push(...traceLines(f.trace, '      '));
  }
  out.push(...consequenceLines(f, '    '));
}

function outcomeText(c: OutcomeChange): string {
  return `  - ${c.function}() (${c.file}:${c.line}), ${c.scenario}: before — ${c.before}; after — ${c.after}`;
}

function contractText(c: ContractChange, out: string[]): void {
  out.push(`  - ${c.function}() (${c.file}:${c.line}) now returns ${c.after} (was ${c.before}).`);
  const relied = c.callers.filter((k) => k.usedBefore);
  if (!c.callers.length) out.push('    No caller in the tree uses its return value.');
  for (const k of c.callers) {
    const state = k.usedBefore && k.usesAfter
      ? (c.after === 'void' ? 'still uses the value: this will not build' : 'uses the value')
      : k.usedBefore ? 'used the value; updated by this patch'
        : 'now uses the new value';
    out.push(`    ${k.file}:${k.line} ${k.function}(): ${k.text}  — ${state}`);
  }
  if (relied.length && c.after === 'void') out.push('    Callers that relied on the old return value lose that information; check they did not need it.');
}

function patchText(p: PatchReview, out: string[]): void {
  // A mail subject already carries its [PATCH k/N]; a bare diff gets its position.
  out.push(/^\[[^\]]*\d+\/\d+[^\]]*\]/.test(p.subject) ? p.subject : `[${p.position}/${p.total}] ${p.subject}`);
  if (p.functions.length) out.push(`  Simulated: ${p.functions.map((f) => `${f}()`).join(', ')}`);
  if (p.introduced.length) {
    out.push(`  This patch introduces ${p.introduced.length} problem${p.introduced.length === 1 ? '' : 's'}:`);
    for (const f of p.introduced) findingBlock(f, out, 'before');
  }
  if (p.fixed.length) {
    out.push(`  This patch fixes ${p.fixed.length} problem${p.fixed.length === 1 ? '' : 's'} present before it:`);
    for (const f of p.fixed) findingBlock(f, out, 'after');
  }
  const outcomes = p.changed.filter((c): c is OutcomeChange => c.kind === 'outcome');
  const contracts = p.changed.filter((c): c is ContractChange => c.kind === 'contract');
  if (outcomes.length) {
    out.push('  Paths whose outcome changed:');
    for (const c of outcomes) out.push(outcomeText(c));
  }
  if (contracts.length) {
    out.push('  Contract changes:');
    for (const c of contracts) contractText(c, out);
  }
  if (!p.introduced.length && !p.fixed.length && !outcomes.length && !contracts.length) {
    out.push(p.bounded ? '  Not fully reviewed: exploration hit a bound; no change on the paths explored.' : '  No change in simulated behaviour.');
  }
  for (const n of p.notes) out.push(`  Note: ${n}`);
  out.push('');
}

/** boundedPatches - the positions (k/N) of the patches whose changed functions hit an exploration bound. */
export function boundedPatches(r: ReviewResult): string[] {
  return r.patches.filter((p) => p.bounded).map((p) => `${p.position}/${p.total}`);
}

/**
 * reviewVerdict - the one verdict line of a review. A patch whose exploration hit a bound is not fully
 * reviewed: the verdict says "bounded" and never that no patch introduces a finding.
 */
export function reviewVerdict(r: ReviewResult): string {
  const n = r.patches.length;
  const bounded = boundedPatches(r);
  const replies = r.replies?.length ?? 0;
  const cuts = [
    ...(bounded.length ? [`patch${bounded.length === 1 ? '' : 'es'} ${bounded.join(', ')} not fully reviewed (bounded: exploration hit a bound)`] : []),
    ...(replies ? [`${replies} repl${replies === 1 ? 'y' : 'ies'} of the thread carr${replies === 1 ? 'ies' : 'y'} a diff that was not reviewed (git am of this mailbox would apply it)`] : []),
  ];
  const cut = cuts.join('; ');
  if (!r.findings.length) {
    if (bounded.length) return `Verdict: bounded — ${cut}; no finding on the paths explored, which is not a proof.`;
    return cut ? `Verdict: not fully reviewed — ${cut}; no patch of the series introduces a finding.` : 'Verdict: no patch introduces a finding.';
  }
  const at = r.patches.filter((p) => p.introduced.length).map((p) => `${p.position}/${p.total}`).join(', ');
  const count = `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'} introduced`;
  const tail = cut ? `; ${cut}` : '';
  if (n === 1) return `Verdict: ${count}${tail}.`;
  return `Verdict: ${count} (by patch ${at}); ${r.remaining.length ? `${r.remaining.length} still present after the last patch` : 'all fixed later in the series, but the intermediate states break bisection'}${tail}.`;
}

export function reviewText(r: ReviewResult): string {
  const out: string[] = [];
  const n = r.patches.length;
  out.push(r.title ? `Review of "${r.title}" (${n} patch${n === 1 ? '' : 'es'}) against ${r.tree}` : `Review of ${n} patch${n === 1 ? '' : 'es'} against ${r.tree}`);
  out.push('');
  for (const p of r.patches) patchText(p, out);
  for (const reply of r.replies ?? []) out.push(`Not reviewed: the reply "${reply}" carries a diff (a suggestion, not the series; git am of this mailbox would apply it).`);
  if (r.replies?.length) out.push('');
  // Computed last, from the results alone; every line above is escaped, so no input can print a line of its own.
  out.push(reviewVerdict(r));
  return safeLines(out);
}
