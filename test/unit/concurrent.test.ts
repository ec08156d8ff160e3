// Interleavings: the fault-parameter lookup racing removal, explored exhaustively with counterexamples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles, simulateFunction } from '../../extension/core/analyze';
import { expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'concurrent');
const load = (n: string) => ({ path: n, text: readFileSync(join(DIR, n), 'utf8') });

describe('interleavings', () => {
  for (const name of ['refcount_rcu.c', 'refcount_kfree.c']) {
    it(`${name}: exactly the findings written in the fixture`, async () => {
      const f = load(name);
      const r = await analyzeFiles([f]);
      assert.deepEqual(r.findings.map((x) => `${basename(x.file)}:${x.line} ${x.rule}`).sort(), expectations(f.path, f.text));
      assert.equal(r.bounded, false, 'explored exhaustively');
    });
  }

  it('kfree() instead of kfree_rcu() shows only in an interleaving, with a two-thread counterexample', async () => {
    const f = load('refcount_kfree.c');
    const single = await analyzeFiles([f], { scenarios: ['last-only', 'remove-with-pending', 'default'] });
    assert.deepEqual(single.findings.map((x) => x.rule), [], 'no single path shows it');
    const r = await analyzeFiles([f], { scenarios: ['lookup-x-remove'] });
    assert.equal(r.findings.length, 1);
    const trace = r.findings[0].trace;
    const threads = new Set(trace.map((s) => s.thread));
    assert.deepEqual([...threads].sort(), ['fault path', 'remove']);
    // The reader saw the pointer, removal freed it, then the reader touched it.
    const deref = trace.findIndex((s) => s.thread === 'fault path' && s.op.startsWith('rcu_dereference'));
    const freed = trace.findIndex((s) => s.thread === 'remove' && s.op.startsWith('kfree('));
    const uaf = trace.findIndex((s) => s.op === '✗ iopf/use-after-free');
    assert.ok(deref >= 0 && deref < freed && freed < uaf, `order: deref ${deref}, free ${freed}, use ${uaf}`);
    assert.equal(trace[uaf].thread, 'fault path');
  });

  it('simulate --scenario runs every interleaving and marks each step with its thread', async () => {
    const f = load('refcount_rcu.c');
    const r = await simulateFunction([f], 'refcount_rcu.c', 'iopf_queue_remove_device', { scenarios: ['lookup-x-remove'] });
    assert.ok(r.paths.length > 10, `${r.paths.length} interleavings`);
    assert.equal(r.bounded, false);
    assert.ok(r.paths.every((p) => p.steps.every((s) => s.thread === 'fault path' || s.thread === 'remove')));
    const outcomes = new Set(r.paths.map((p) => p.findings.length));
    assert.deepEqual([...outcomes], [0]);
  });
});
