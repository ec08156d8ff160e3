// Interleavings: concurrent entry points explored exhaustively, with exact findings and the
// counterexamples that show them.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles, simulateFunction } from '../../extension/core/analyze';
import { Workspace } from '../../extension/core/index';
import { DEFAULT_BOUNDS, detectEra, findingKey } from '../../extension/core/sim/explore';
import { concurrentByName, concurrentFor, exploreConcurrent, threadSwitches } from '../../extension/core/sim/concurrent';
import { checkText } from '../../extension/core/report/text';
import { checkJson } from '../../extension/core/report/json';
import type { Finding, SourceFile, TraceStep } from '../../extension/core/types';
import { consequenceExpectations, expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'concurrent');
const load = (n: string): SourceFile => ({ path: n, text: readFileSync(join(DIR, n), 'utf8') });
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.c')).sort();
const SINGLE = ['last-only', 'partial-then-last', 'partial-only', 'handler-fails', 'no-fault-param', 'no-domain', 'group-pending',
  'remove-with-pending', 'iopf-enable', 'sva-bind-twice', 'iommufd-detach-with-pasid-faults', 'default'];

/** Index of the first step at or after @from matching @pred, or -1. */
function find(trace: TraceStep[], pred: (s: TraceStep) => boolean, from = 0): number {
  for (let i = from; i < trace.length; i++) if (pred(trace[i])) return i;
  return -1;
}

async function concurrentFindings(name: string, scenario: string): Promise<Finding[]> {
  const r = await analyzeFiles([load(name)], { scenarios: [scenario] });
  assert.equal(r.bounded, false, `${name} under ${scenario} explored exhaustively`);
  return r.findings;
}

async function fitting(name: string): Promise<string[]> {
  const ws = await Workspace.create([load(name)]);
  try {
    return concurrentFor(ws).map((c) => c.name);
  } finally {
    ws.dispose();
  }
}

/**
 * Every interleaving of @scenario on @name is clean, and request @grpid is answered by the
 * responder (SUCCESS) in some and by the teardown (INVALID) in others: both orders were explored.
 */
async function cleanEitherWay(name: string, fn: string, scenario: string, grpid: number): Promise<void> {
  const r = await simulateFunction([load(name)], name, fn, { scenarios: [scenario] });
  assert.equal(r.bounded, false);
  assert.deepEqual(r.paths.flatMap((p) => p.findings), []);
  const answers = new Set(r.paths.map((p) => new RegExp(`grpid ${grpid}: (\\S+)`).exec(p.outcome)?.[1]));
  assert.deepEqual([...answers].sort(), ['IOMMU_PAGE_RESP_INVALID', 'IOMMU_PAGE_RESP_SUCCESS']);
}

describe('interleavings', () => {
  for (const name of fixtures) {
    it(`${name}: exactly the findings written in the fixture`, async () => {
      const f = load(name);
      const r = await analyzeFiles([f]);
      assert.deepEqual(r.findings.map((x) => `${basename(x.file)}:${x.line} ${x.rule}`).sort(), expectations(f.path, f.text));
      assert.deepEqual(r.findings.flatMap((x) => (x.consequences ?? []).map((c) => `${basename(c.file)}:${c.line} ${c.rule}`)).sort(), consequenceExpectations(f.text));
      assert.equal(r.bounded, false, 'explored exhaustively');
    });
  }

  it('check runs the concurrent scenarios that fit the code and its era', async () => {
    assert.deepEqual(await fitting('refcount_rcu.c'), ['lookup-x-remove']);
    // Removal flushes the fault work itself: a report may race it.
    assert.deepEqual(await fitting('mutex_era.c'), ['report-x-remove']);
    // Removal answers pending groups but leaves them to the work: racing a responder against it
    // breaks the removal protocol (flush first), so that race runs only by name.
    assert.deepEqual(await fitting('pending_locked.c'), ['lookup-x-remove']);
    assert.deepEqual(await fitting('sva_bind_unbind.c'), ['bind-x-unbind', 'sva-two-devices', 'sva-two-devices-reverse']);
    assert.deepEqual(await fitting('iommufd_response.c'), ['response-x-detach']);
  });

  it('kfree() instead of kfree_rcu() shows only in an interleaving, with a short two-thread counterexample', async () => {
    const f = load('refcount_kfree.c');
    const single = await analyzeFiles([f], { scenarios: SINGLE });
    assert.deepEqual(single.findings.map((x) => x.rule), [], 'no single path shows it');
    const [uaf, ...more] = await concurrentFindings('refcount_kfree.c', 'lookup-x-remove');
    assert.equal(more.length, 0);
    const trace = uaf.trace;
    assert.deepEqual([...new Set(trace.map((s) => s.thread))].sort(), ['fault path', 'remove']);
    // The reader saw the pointer, removal freed it, then the reader touched it.
    const deref = find(trace, (s) => s.thread === 'fault path' && s.op.startsWith('rcu_dereference'));
    const freed = find(trace, (s) => s.thread === 'remove' && s.op.startsWith('kfree(iommu_fault_param'));
    const use = find(trace, (s) => s.op === '✗ iopf/use-after-free');
    assert.ok(deref >= 0 && deref < freed && freed < use, `order: deref ${deref}, free ${freed}, use ${use}`);
    assert.equal(trace[use].thread, 'fault path');
    // Shortest form: the reader is preempted once, removal runs, the reader resumes.
    assert.ok(threadSwitches(trace) <= 2, `${threadSwitches(trace)} thread switches`);
  });

  it('the counterexample in JSON carries thread, file, line, column, operation and state change per step', async () => {
    const r = await analyzeFiles([load('refcount_kfree.c')], { scenarios: ['lookup-x-remove'] });
    const json = checkJson(r) as { findings: { scenario: string; trace: Record<string, unknown>[] }[] };
    assert.equal(json.findings[0].scenario, 'lookup-x-remove');
    const steps = json.findings[0].trace;
    assert.equal(steps.length, r.findings[0].trace.length);
    for (const s of steps) {
      assert.ok(s.thread === 'fault path' || s.thread === 'remove');
      assert.equal(s.file, 'refcount_kfree.c');
      assert.ok(typeof s.line === 'number' && s.line >= 1 && typeof s.column === 'number');
      assert.ok(typeof s.op === 'string' && typeof s.detail === 'string');
    }
    assert.ok(steps.some((s) => s.thread === 'remove' && s.detail === '1 -> 0: last reference'), 'the last put is in the steps');
    assert.ok(steps.some((s) => s.thread === 'remove' && s.detail === 'freed'), 'the free is in the steps');
  });

  it('a response that checks the pending state without the lock answers twice against removal, only interleaved', async () => {
    // On its own the removal only leaks the group it unlinks (nobody else holds it once the work is flushed).
    const single = await analyzeFiles([load('pending_unlocked.c')], { scenarios: SINGLE });
    assert.deepEqual(single.findings.map((x) => x.rule), ['iopf/group-leak']);
    const found = await concurrentFindings('pending_unlocked.c', 'response-x-remove');
    assert.deepEqual(found.map((x) => x.rule).sort(), ['iopf/duplicate-response', 'lock/data-race']);
    // The lockset check names the unlocked check and the locked unlink it races.
    const race = found.find((x) => x.rule === 'lock/data-race')!;
    assert.equal(race.function, 'iopf_group_response');
    assert.match(race.message, /list_empty\(\) of iopf_group#\d+\.pending_node in iopf_group_response\(\) \(responder\) holds no lock, while list_del_init\(\) of it in iopf_queue_remove_device\(\) \(remove, line \d+\) holds .*fault_param|list_empty/);
    const dup = found.find((x) => x.rule === 'iopf/duplicate-response')!;
    const t = dup.trace;
    const peek = find(t, (s) => s.thread === 'responder' && s.op.startsWith('if (list_empty'));
    const invalid = find(t, (s) => s.thread === 'remove' && s.op === 'ops->page_response()' && /INVALID/.test(s.detail));
    const second = find(t, (s) => s.thread === 'responder' && s.op === '✗ iopf/duplicate-response');
    assert.ok(peek >= 0 && peek < invalid && invalid < second, `order: peek ${peek}, removal answers ${invalid}, second answer ${second}`);
    assert.ok(threadSwitches(t) <= 2, `${threadSwitches(t)} thread switches`);
  });

  it('with the check under the lock, each request gets exactly one answer, from whichever side comes first', async () => {
    await cleanEitherWay('pending_locked.c', 'iopf_queue_remove_device', 'response-x-remove', 2);
  });

  it('removal that unlinks pending groups without answering them stalls the device when it beats the responder', async () => {
    const [stall, ...more] = await concurrentFindings('remove_no_answer.c', 'response-x-remove');
    assert.equal(more.length, 0);
    assert.equal(stall.rule, 'iopf/unanswered-page-request');
    assert.equal(stall.function, 'iopf_queue_remove_device');
    const t = stall.trace;
    const unlinked = find(t, (s) => s.thread === 'remove' && s.op === 'list_del_init()');
    const skipped = find(t, (s) => s.thread === 'responder' && /^if \(!\(list_empty/.test(s.op) && s.detail === 'false');
    assert.ok(unlinked >= 0 && unlinked < skipped, `order: unlinked ${unlinked}, responder skips ${skipped}`);
    assert.equal(find(t, (s) => s.op === 'ops->page_response()'), -1, 'nobody answers');
    // The other order is fine: the responder answers first.
    const r = await simulateFunction([load('remove_no_answer.c')], 'remove_no_answer.c', 'iopf_queue_remove_device', { scenarios: ['response-x-remove'] });
    assert.ok(r.paths.some((p) => !p.findings.length && /grpid 2: IOMMU_PAGE_RESP_SUCCESS/.test(p.outcome)));
  });

  it('the mutex era: report and removal serialised by param->lock, removal waiting for queued work, is clean', async () => {
    const r = await simulateFunction([load('mutex_era.c')], 'mutex_era.c', 'iopf_queue_remove_device', { scenarios: ['report-x-remove'] });
    assert.equal(r.bounded, false);
    assert.deepEqual(r.paths.flatMap((p) => p.findings), []);
    // The handler's work runs as a third thread, and removal's flush waits for it.
    assert.ok(r.paths.some((p) => p.steps.some((s) => s.thread === 'remove' && /waited for the queued fault work/.test(s.detail))));
    assert.ok(r.paths.some((p) => p.steps.some((s) => s.thread === 'iopf work' && /answered with IOMMU_PAGE_RESP_SUCCESS/.test(s.detail))));
    // A report that finds the parameter gone answers the device itself.
    assert.ok(r.paths.some((p) => p.steps.some((s) => s.thread === 'report' && /answered with IOMMU_PAGE_RESP_INVALID/.test(s.detail))));
    // Without the flush, the work uses the group after removal freed the parameter.
    const noFlush = load('mutex_era.c');
    noFlush.text = noFlush.text.replace('\tflush_workqueue(queue->wq);\n', '\n');
    const broken = await analyzeFiles([noFlush], { scenarios: ['report-x-remove'] });
    assert.ok(broken.findings.length > 0 && broken.findings.every((x) => x.rule === 'iopf/use-after-free' && x.function.startsWith('iopf work')));
  });

  it('bind racing unbind: shared bond or a new one, never a freed one, when both take iommu_sva_lock', async () => {
    const r = await simulateFunction([load('sva_bind_unbind.c')], 'sva_bind_unbind.c', 'iommu_sva_bind_device', { scenarios: ['bind-x-unbind'] });
    assert.equal(r.bounded, false);
    assert.deepEqual(r.paths.flatMap((p) => p.findings), []);
    const steps = r.paths.flatMap((p) => p.steps);
    assert.ok(steps.some((s) => s.thread === 'bind' && /refcount_inc\(iommu_sva#\d+\.users\)/.test(s.op) && s.detail === '1 -> 2'), 'the bond is shared');
    assert.ok(steps.some((s) => s.thread === 'bind' && s.op === 'iommu_attach_device_pasid()'), 'after the last unbind, a new bond');
  });

  it('unbind dropping its user before iommu_sva_lock: bind takes a reference from zero, and the bond is freed under it', async () => {
    const found = await concurrentFindings('sva_unbind_unlocked.c', 'bind-x-unbind');
    const fromZero = found.find((f) => f.rule === 'iopf/refcount-imbalance')!;
    const t = fromZero.trace;
    const last = find(t, (s) => s.thread === 'unbind' && /1 -> 0: last reference/.test(s.detail));
    const inc = find(t, (s) => s.thread === 'bind' && s.op === '✗ iopf/refcount-imbalance');
    assert.ok(last >= 0 && last < inc, `order: last put ${last}, increment from zero ${inc}`);
    assert.equal(threadSwitches(t), 1);
    assert.ok(found.filter((f) => f.rule === 'iopf/use-after-free').every((f) => f.trace.some((s) => s.thread === 'bind') && f.trace.some((s) => s.thread === 'unbind')));
  });

  it('iommufd response write racing detach: serialised by fault->mutex it is clean; an unlocked lookup uses a freed group', async () => {
    await cleanEitherWay('iommufd_response.c', 'iommufd_fault_domain_detach_dev', 'response-x-detach', 1);
    const [uaf, ...more] = await concurrentFindings('iommufd_response_unlocked.c', 'response-x-detach');
    assert.equal(more.length, 0);
    const t = uaf.trace;
    const lookup = find(t, (s) => s.thread === 'response write' && s.op.startsWith('if (!group)'));
    const freed = find(t, (s) => s.thread === 'detach' && /^kfree\(iopf_group#\d+\)/.test(s.op));
    const use = find(t, (s) => s.op === '✗ iopf/use-after-free');
    assert.ok(lookup >= 0 && lookup < freed && freed < use, `order: lookup ${lookup}, detach frees ${freed}, use ${use}`);
    assert.equal(t[use].thread, 'response write');
  });

  it('each finding keeps the counterexample with the fewest thread switches of all the search met', async () => {
    const ws = await Workspace.create([load('sva_unbind_unlocked.c')]);
    try {
      const r = exploreConcurrent(ws, concurrentByName('bind-x-unbind')!, DEFAULT_BOUNDS, detectEra(ws), new Map());
      // The first violation of each interleaving is a finding; what follows it, its consequences.
      const first = new Map<string, Finding>();
      for (const f of r.paths.map((p) => p.findings[0]).filter(Boolean)) if (!first.has(findingKey(f))) first.set(findingKey(f), f);
      assert.equal(r.findings.length, first.size);
      assert.ok(r.findings.length > 0);
      for (const f of r.findings) assert.ok(threadSwitches(f.trace) <= threadSwitches(first.get(findingKey(f))!.trace));
      // Fewest preemptions first: no path the search met later has fewer switches than the one kept.
      for (const p of r.paths) {
        for (const f of p.findings.slice(0, 1)) {
          const kept = r.findings.find((k) => findingKey(k) === findingKey(f));
          if (kept) assert.ok(threadSwitches(kept.trace) <= threadSwitches(f.trace));
        }
      }
    } finally {
      ws.dispose();
    }
  });

  it('exploration is deterministic: the same findings with the same counterexamples', async () => {
    const a = await analyzeFiles([load('sva_unbind_unlocked.c')]);
    const b = await analyzeFiles([load('sva_unbind_unlocked.c')]);
    const show = (r: typeof a) => r.findings.map((f) => `${f.line} ${f.rule} ${f.trace.map((s) => `${s.thread}:${s.line}:${s.op}`).join('|')}`);
    assert.deepEqual(show(a), show(b));
  });

  it('a state bound that is reached gives the verdict "bounded", in the result, the text and the JSON', async () => {
    const r = await analyzeFiles([load('refcount_rcu.c')], { maxStates: 5 });
    assert.equal(r.bounded, true);
    assert.deepEqual(r.findings, []);
    assert.match(checkText(r), /no findings in \d+ functions \(bounded: some exploration hit a limit\)/);
    assert.equal((checkJson(r) as { bounded: boolean }).bounded, true);
    // With the default bound the same file is explored to the end.
    assert.equal((await analyzeFiles([load('refcount_rcu.c')])).bounded, false);
  });

  it('cancellation is checked inside a run, not only between runs', async () => {
    const ws = await Workspace.create([load('mutex_era.c')]);
    try {
      const c = concurrentByName('report-x-remove')!;
      let calls = 0;
      const r = exploreConcurrent(ws, c, { ...DEFAULT_BOUNDS, cancelled: () => ++calls >= 2 }, detectEra(ws), new Map());
      assert.equal(r.cancelled, true);
      assert.equal(r.bounded, true);
      assert.equal(calls, 2, 'stops at the first true');
      assert.equal(r.paths.length, 0, 'the first schedule was cut short');
      // Cancelled after K checks, the work done is a small fraction of the whole.
      const whole = exploreConcurrent(ws, c, DEFAULT_BOUNDS, detectEra(ws), new Map());
      calls = 0;
      const k = exploreConcurrent(ws, c, { ...DEFAULT_BOUNDS, cancelled: () => ++calls >= 10 }, detectEra(ws), new Map());
      assert.ok(k.states < whole.states / 4, `${k.states} of ${whole.states} states`);
    } finally {
      ws.dispose();
    }
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
