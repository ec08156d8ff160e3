// Re-using analysis results while files are edited: after any edit, an analysis with the memo gives
// exactly what a fresh analysis of the new text gives, and re-runs only what read the changed code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWorkspace } from '../../extension/core/analyze';
import { Workspace } from '../../extension/core/index';
import { AnalysisMemo } from '../../extension/core/memo';
import type { AnalysisResult, SourceFile } from '../../extension/core/types';

const seeds = join(__dirname, '..', 'fixtures', 'seeds');
const read = (name: string): SourceFile => ({ path: `seeds/${name}`, text: readFileSync(join(seeds, name), 'utf8') });

async function fresh(files: SourceFile[]): Promise<AnalysisResult> {
  const ws = await Workspace.create(files);
  try {
    return analyzeWorkspace(ws, {});
  } finally {
    ws.dispose();
  }
}

describe('analysis memo', function () {
  this.timeout(120_000);
  const helpers = read('helpers.h');
  const report = read('report_lost_return.c');

  it('re-uses everything when nothing changed, and gives the same result', async () => {
    const ws = await Workspace.create([helpers, report]);
    const memo = new AnalysisMemo();
    const first = analyzeWorkspace(ws, { memo });
    const runs = memo.misses;
    assert.ok(runs > 3, `${runs} units`);
    assert.ok(first.findings.length > 0, 'the fixture has findings');
    const again = analyzeWorkspace(ws, { memo });
    assert.equal(memo.misses, runs, 'nothing re-ran');
    assert.equal(memo.hits, runs);
    assert.deepEqual(again, first);
    assert.deepEqual(first, await fresh([helpers, report]));
  });

  it('after lines are added above, re-used findings and traces follow their functions', async () => {
    const ws = await Workspace.create([helpers, report]);
    const memo = new AnalysisMemo();
    analyzeWorkspace(ws, { memo });
    const moved = { ...report, text: report.text.replace('#include', '/* one */\n/* two */\n\n#include') };
    ws.update(moved.path, moved.text);
    const before = memo.misses;
    const r = analyzeWorkspace(ws, { memo });
    assert.equal(memo.misses, before, 'moving code re-runs nothing');
    const want = await fresh([helpers, moved]);
    assert.deepEqual(r, want);
    assert.ok(r.findings.some((f) => f.file === moved.path), 'a finding in the moved file is compared');
  });

  it('after a callee changes, its callers run again; the result is what a fresh analysis gives', async () => {
    const ws = await Workspace.create([helpers, report]);
    const memo = new AnalysisMemo();
    analyzeWorkspace(ws, { memo });
    // The put no longer frees: every caller's outcome may change.
    const edited = { ...helpers, text: helpers.text.replace('if (refcount_dec_and_test(&fault_param->users))', 'if (0 && refcount_dec_and_test(&fault_param->users))') };
    assert.notEqual(edited.text, helpers.text);
    ws.update(edited.path, edited.text);
    const before = memo.misses;
    const r = analyzeWorkspace(ws, { memo });
    assert.ok(memo.misses > before, 'the callers ran again');
    // update() re-files the edited file last; the fresh workspace lists files in the same order.
    assert.deepEqual(r, await fresh([report, edited]));
  });

  it('typing inside one function re-runs that function and what calls it, nothing else', async () => {
    const ws = await Workspace.create([helpers, report]);
    const memo = new AnalysisMemo();
    analyzeWorkspace(ws, { memo });
    const units = memo.misses;
    const at = report.text.lastIndexOf('return');
    const typed = { ...report, text: `${report.text.slice(0, at)} ${report.text.slice(at)}` };
    ws.update(typed.path, typed.text);
    const before = memo.misses;
    const r = analyzeWorkspace(ws, { memo });
    const reran = memo.misses - before;
    assert.ok(reran >= 1 && reran < units, `${reran} of ${units} units re-ran`);
    assert.deepEqual(r, await fresh([helpers, typed]));
  });

  describe('interleavings after an edit (partial result first)', () => {
    const conc = join(__dirname, '..', 'fixtures', 'concurrent');
    const kfree: SourceFile = { path: 'concurrent/refcount_kfree.c', text: readFileSync(join(conc, 'refcount_kfree.c'), 'utf8') };
    const uaf = (r: AnalysisResult) => r.findings.filter((f) => f.rule === 'iopf/use-after-free' && f.scenario === 'lookup-x-remove');

    it('shows the previous findings of an interleaving that must run again, then the new ones', async () => {
      const ws = await Workspace.create([kfree]);
      const memo = new AnalysisMemo();
      const first = analyzeWorkspace(ws, { memo });
      assert.equal(uaf(first).length, 1, 'the fixture races under lookup-x-remove');
      // The fix: free after a grace period. The race is gone, but only exploring it again shows that.
      const fixed = { ...kfree, text: kfree.text.replace('\t\tkfree(fault_param);', '\t\tkfree_rcu(fault_param, rcu);') };
      assert.notEqual(fixed.text, kfree.text);
      ws.update(fixed.path, fixed.text);
      const partials: AnalysisResult[] = [];
      const r = analyzeWorkspace(ws, { memo, onPartial: (p) => partials.push(p) });
      assert.equal(partials.length, 1);
      assert.deepEqual(partials[0].pending, ['lookup-x-remove']);
      assert.equal(uaf(partials[0]).length, 1, 'the stale race is shown until it was explored again');
      assert.equal(uaf(r).length, 0, 'explored again: gone');
      assert.equal(r.pending, undefined);
      assert.deepEqual(r, await fresh([fixed]));
    });

    it('gives no partial result when no interleaving read the edited code', async () => {
      const extra = { ...kfree, text: `${kfree.text}\nint unrelated(int x)\n{\n\treturn x;\n}\n` };
      const ws = await Workspace.create([extra]);
      const memo = new AnalysisMemo();
      analyzeWorkspace(ws, { memo });
      const typed = { ...extra, text: extra.text.replace('return x;', 'return x + 1;') };
      ws.update(typed.path, typed.text);
      const partials: AnalysisResult[] = [];
      const r = analyzeWorkspace(ws, { memo, onPartial: (p) => partials.push(p) });
      assert.equal(partials.length, 0);
      assert.equal(uaf(r).length, 1);
    });

    it('keeps showing the previous findings when the new exploration was cancelled', async () => {
      const ws = await Workspace.create([kfree]);
      const memo = new AnalysisMemo();
      analyzeWorkspace(ws, { memo });
      const typed = { ...kfree, text: kfree.text.replace('\tmutex_lock(&fault_param->lock);', '\tmutex_lock(&fault_param->lock); ') };
      ws.update(typed.path, typed.text);
      let stop = false;
      const partials: AnalysisResult[] = [];
      // Cancelled as soon as the partial result is out: the interleaving never finishes.
      const cancelledRun = analyzeWorkspace(ws, { memo, cancelled: () => stop, onPartial: (p) => { partials.push(p); stop = true; } });
      assert.equal(cancelledRun.bounded, true);
      assert.equal(uaf(partials[0]).length, 1);
      const again: AnalysisResult[] = [];
      const r = analyzeWorkspace(ws, { memo, onPartial: (p) => again.push(p) });
      assert.equal(again.length, 1, 'still to be explored');
      assert.equal(uaf(again[0]).length, 1, 'the previous findings are still shown');
      assert.deepEqual(r, await fresh([typed]));
    });
  });
});
