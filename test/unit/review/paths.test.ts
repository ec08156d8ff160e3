// Before/after paths of a review, on the bundled series with the real analyzer: the pair shown for each change and finding,
// where the two sides part, and that every step's line is a line of its own side's text (base tree before, patched text after).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewSeries, type OutcomeChange, type PathPair, type PatchReview, type ReviewResult } from '../../../extension/core/review/review';
import { bestPair, divergence, stepKey } from '../../../extension/core/review/paths';
import { loadSeries } from '../../../extension/core/review/series';
import { formatReview } from '../../../extension/core/report/index';
import type { PathResult, TraceStep } from '../../../extension/core/types';
import { CORE, SERIES, TREE } from './helpers';

const FN = 'iommu_report_device_fault';
const answers = (p: PathResult | undefined) => (p?.steps ?? []).some((s) => s.op === 'ops->page_response()');
const stalls = (p: PathResult | undefined) => (p?.findings ?? []).some((f) => f.rule === 'iopf/unanswered-page-request');

function outcome(p: PatchReview, scenario: string, fn = FN): OutcomeChange {
  const c = p.changed.find((x): x is OutcomeChange => x.kind === 'outcome' && x.function === fn && x.scenario === scenario);
  assert.ok(c, `patch ${p.position}: no outcome change of ${fn} under ${scenario}`);
  return c;
}

/**
 * A step stands on the right line when that line of its side's text holds what the step says it ran:
 * the condition of an `if`, the callee of a call. Returns how many steps could be checked that way.
 */
function assertOnItsLines(steps: TraceStep[], texts: Record<string, string>, side: string): number {
  let checked = 0;
  for (const s of steps) {
    const text = texts[s.file];
    assert.ok(text !== undefined, `${side}: no text for ${s.file}`);
    const line = text.split('\n')[s.line - 1];
    assert.ok(line !== undefined, `${side}: ${s.file}:${s.line} is past the end of the text`);
    const cond = /^if \((.*)\)$/.exec(s.op);
    const call = /^(?:call )?([A-Za-z_]\w*)\(/.exec(s.op);
    if (cond) {
      assert.ok(line.includes(cond[1]), `${side}: ${s.file}:${s.line} reads "${line.trim()}", the step tests ${cond[1]}`);
      checked++;
    } else if (call && !/^(if|while|for|return)$/.test(call[1])) {
      assert.ok(line.includes(`${call[1]}(`), `${side}: ${s.file}:${s.line} reads "${line.trim()}", the step calls ${call[1]}`);
      checked++;
    }
  }
  return checked;
}

function assertPairOnItsSides(pair: PathPair | undefined, p: PatchReview): void {
  assert.ok(pair?.before && pair.after, `patch ${p.position}: the pair lacks a side`);
  assert.ok(assertOnItsLines(pair.before.steps, p.texts.before, 'before') >= 3);
  assert.ok(assertOnItsLines(pair.after.steps, p.texts.after, 'after') >= 3);
  // Where the sides part: everything before it is the same step, the step at it is not.
  const d = pair.diverge!;
  for (let i = 0; i < d; i++) assert.equal(stepKey(pair.before.steps[i]), stepKey(pair.after.steps[i]), `step ${i} is shared`);
  const b = pair.before.steps[d];
  const a = pair.after.steps[d];
  assert.ok(!b || !a || stepKey(b) !== stepKey(a), `step ${d} should differ`);
}

describe('review paths: before and after traces on the fixture series (real analyzer)', function () {
  this.timeout(120_000);
  let r: ReviewResult;
  before(async () => {
    r = await reviewSeries(loadSeries(join(SERIES, 'series.mbox')), TREE);
  });

  it('patch 1, no-fault-param: before answers the request INVALID, after returns without answering, and the sides part at that return', () => {
    const p = r.patches[0];
    const c = outcome(p, 'no-fault-param');
    assert.ok(answers(c.paths?.before), 'the before path has the page response');
    assert.ok(!answers(c.paths?.after), 'the after path lacks the page response');
    assert.ok(stalls(c.paths?.after) && !stalls(c.paths?.before));
    assertPairOnItsSides(c.paths, p);
    const d = c.paths!.diverge!;
    assert.equal(c.paths!.after!.steps[d].op, 'return', 'after the patch the path returns where it used to go on to answer');
    assert.ok(c.paths!.before!.steps.slice(d).some((s) => s.op === 'ops->page_response()'));
  });

  it('patch 1: lines before come from the base tree, lines after from the patched text, which moved them', () => {
    const p = r.patches[0];
    const disk = readFileSync(join(TREE, CORE), 'utf8');
    assert.equal(p.texts.before[CORE], disk, 'the first patch\'s before side is the tree on disk');
    assert.notEqual(p.texts.after[CORE], disk);
    const c = outcome(p, 'no-fault-param');
    // The same step sits on different lines on the two sides: each side's numbering is its own.
    const test = (path: PathResult) => path.steps.find((s) => s.op === 'if (!fault_param)')!;
    const [b, a] = [test(c.paths!.before!), test(c.paths!.after!)];
    assert.notEqual(b.line, a.line, 'patch 1 moves the test');
    assert.match(disk.split('\n')[b.line - 1], /if \(!fault_param\)/);
    assert.match(p.texts.after[CORE].split('\n')[a.line - 1], /if \(!fault_param\)/);
  });

  it('patch 1, no-domain: of two changed paths each side, the pair shown is the one where the request stops being answered', () => {
    const p = r.patches[0];
    const c = outcome(p, 'no-domain');
    assert.ok(answers(c.paths?.before) && !answers(c.paths?.after));
    assertPairOnItsSides(c.paths, p);
  });

  it('an introduced finding carries its path after the patch and the closest path of its scenario before it', () => {
    const p = r.patches[0];
    const f = p.introduced.find((x) => x.rule === 'iopf/unanswered-page-request' && x.scenario === 'no-fault-param');
    assert.ok(f?.paths, 'the introduced stall has paths');
    assert.ok(f.paths.after!.findings.some((g) => g.rule === f.rule), 'the after path is the one that shows it');
    assert.ok(answers(f.paths.before) && !answers(f.paths.after));
    assertPairOnItsSides(f.paths, p);
    // Every finding of the series found its path.
    for (const q of r.patches) for (const g of [...q.introduced, ...q.fixed]) assert.ok(g.paths, `patch ${q.position}: ${g.rule} under ${g.scenario} has no paths`);
  });

  it('patch 3 fixes the stall: its before side is the text patches 1-2 left, not the tree on disk', () => {
    const [p2, p3] = [r.patches[1], r.patches[2]];
    const f = p3.fixed.find((x) => x.rule === 'iopf/unanswered-page-request' && x.scenario === 'no-fault-param');
    assert.ok(f?.paths?.before && f.paths.after);
    assert.ok(stalls(f.paths.before) && !answers(f.paths.before), 'before patch 3 the request is left unanswered');
    assert.ok(answers(f.paths.after) && !stalls(f.paths.after), 'after patch 3 it is answered');
    assertPairOnItsSides(f.paths, p3);
    assert.equal(p3.texts.before[CORE], p2.texts.after[CORE]);
    assert.notEqual(p3.texts.before[CORE], readFileSync(join(TREE, CORE), 'utf8'));
  });

  it('review --format json carries each side\'s steps with the source line of that side', () => {
    const j = JSON.parse(formatReview(r, 'json'));
    const c = j.patches[0].changed.find((x: { function: string; scenario?: string }) => x.function === FN && x.scenario === 'no-fault-param');
    const p = r.patches[0];
    for (const side of ['before', 'after'] as const) {
      const steps = c.paths[side].steps as { file: string; line: number; op: string; text?: string; state?: unknown }[];
      assert.ok(steps.length > 0);
      for (const s of steps) {
        assert.equal(s.text, p.texts[side][s.file].split('\n')[s.line - 1].trim());
        assert.equal(s.state, undefined, 'model state stays out of the JSON');
      }
    }
    assert.equal(c.paths.diverge, outcome(p, 'no-fault-param').paths!.diverge);
    const f = j.patches[0].introduced.find((x: { rule: string; scenario: string }) => x.rule === 'iopf/unanswered-page-request' && x.scenario === 'no-fault-param');
    assert.ok(f.paths.before.steps.some((s: { op: string }) => s.op === 'ops->page_response()'));
  });

  it('text names, under each finding, how the other side of the patch ended the same scenario', () => {
    const t = formatReview(r, 'text');
    const intro = r.patches[0].introduced.find((x) => x.scenario === 'no-fault-param')!;
    assert.ok(t.includes(`Before this patch, the closest path of this scenario: ${intro.paths!.before!.outcome}`));
    const fixed = r.patches[2].fixed.find((x) => x.scenario === 'no-fault-param')!;
    assert.ok(t.includes(`After this patch, the closest path of this scenario: ${fixed.paths!.after!.outcome}`));
  });
});

describe('review paths: pairing', () => {
  const range = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 }, startIndex: 0, endIndex: 0 };
  const step = (op: string, line: number): TraceStep => ({ file: 'f.c', line, range, op, detail: '', function: 'f' });
  const path = (id: number, ops: string[], rule?: string): PathResult => ({
    id, scenario: 's', outcome: ops.join(','), steps: ops.map((o, i) => step(o, i + 1)), bounded: false, decisions: [],
    findings: rule ? [{ rule, severity: 'error', file: 'f.c', line: 1, column: 1, function: 'f', message: '', trace: [] }] : [],
  });

  it('prefers the pair whose verdicts differ, then the most alike steps', () => {
    const b1 = path(1, ['lock', 'alloc', 'fail', 'answer']);
    const b2 = path(2, ['lock', 'alloc', 'ok', 'find', 'none', 'free', 'answer']);
    const a1 = path(3, ['lock', 'alloc', 'fail', 'answer', 'ret0']);
    const a2 = path(4, ['lock', 'alloc', 'ok', 'find', 'none', 'free', 'return'], 'iopf/unanswered-page-request');
    const pair = bestPair([b1, b2], [a1, a2]);
    assert.deepEqual([pair.before?.id, pair.after?.id], [2, 4]);
    assert.equal(pair.diverge, 6);
    // Without the verdicts, likeness alone decides.
    const alike = bestPair([b1, b2], [a1], false);
    assert.equal(alike.before?.id, 1);
  });

  it('divergence ignores line numbers and object numbers, which a patch shifts', () => {
    const a = path(1, ['mutex_lock(dev_iommu#2.lock)', 'x']);
    const b: PathResult = { ...path(2, ['mutex_lock(dev_iommu#7.lock)', 'y']) };
    b.steps = b.steps.map((s) => ({ ...s, line: s.line + 40 }));
    assert.equal(divergence(a, b), 1);
  });
});
