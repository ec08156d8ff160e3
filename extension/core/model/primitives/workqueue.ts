// workqueue.h: work items, their queues, and flushes that wait for queued work.
import type { Ast } from '../../parse/ast';
import { type Value, ZERO, int, ptr } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

export function* flush(m: Machine, at: Ast, what: string): Gen<Value> {
  m.mightSleep(at, what);
  const t = m.world.thread(m.tid);
  for (const l of t.held) {
    const lock = m.world.locks.get(l)!;
    if (m.workLockClasses().has(lock.cls.split('.').pop()!)) {
      m.report('lock/flush-under-lock', `${what} waits for fault work while holding ${m.world.name(l)}, which that work also takes: deadlock`, at);
    }
  }
  yield { kind: 'sched' };
  // Interleaved, the flush really waits: work already queued runs to its end before this thread goes on.
  const waited = m.concurrent && m.workRunning();
  while (m.concurrent && m.workRunning()) yield { kind: 'flush' };
  // Everything the finished work did happens before what this thread does next.
  for (const t of m.workTids) m.ordered.push({ before: t, after: m.tid, at: m.listAccesses.length });
  m.step(at, what, waited ? 'waited for the queued fault work to finish' : 'waits for queued fault work');
  return ZERO;
}

export const WORKQUEUE: Record<string, Contract> = {
  *INIT_WORK(m, _a, as, at) {
    const w = obj(m, yield* m.arg(as, 0), at, 'work_struct');
    const fn = as[1] ? m.src(as[1]) : '?';
    if (w) m.world.workFn.set(w.id, fn);
    return ZERO;
  },
  *queue_work(m, a, _as, at) {
    yield { kind: 'sched' };
    const w = obj(m, a[1], at, 'work_struct');
    if (!w) {
      m.step(at, 'queue_work()', 'work ? queued');
      return int(1);
    }
    // Already queued and not yet started: the same work is not queued twice.
    if (m.world.queuedWork.has(w.id)) return ZERO;
    const fn = m.world.workFn.get(w.id) ?? '?';
    m.world.queuedWork.set(w.id, fn);
    m.step(at, 'queue_work()', `work ${m.world.name(w.id)} queued`);
    const file = m.frame().file;
    // Interleaved, the work function the tree has runs on the workqueue, racing everything else
    // (a flush waits for it); alone, the queued work is the workqueue's to run later.
    if (m.concurrent && m.ws.cfg(fn, file)) {
      const work = w.id;
      m.spawn(`${fn} work`, function* (mm) {
        mm.world.queuedWork.delete(work);
        return yield* mm.runFunction(fn, [ptr(work)], undefined, file);
      });
    }
    return int(1);
  },
  *flush_workqueue(m, _a, _as, at) { return yield* flush(m, at, 'flush_workqueue()'); },
  *flush_work(m, _a, _as, at) { return yield* flush(m, at, 'flush_work()'); },
  // Each waits, as a flush does, for work already queued or running to finish.
  *flush_delayed_work(m, _a, _as, at) { return yield* flush(m, at, 'flush_delayed_work()'); },
  *drain_workqueue(m, _a, _as, at) { return yield* flush(m, at, 'drain_workqueue()'); },
  // True when the work was pending: the caller may hold a reference for it to drop.
  *cancel_work_sync(m, _a, _as, at) { yield* flush(m, at, 'cancel_work_sync()'); return m.world.sym('cancel_work_sync()'); },
  *cancel_delayed_work_sync(m, _a, _as, at) { yield* flush(m, at, 'cancel_delayed_work_sync()'); return m.world.sym('cancel_delayed_work_sync()'); },
  *alloc_workqueue(m, _a, _as, at) {
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'alloc_workqueue() fails', 'returns NULL');
      return ZERO;
    }
    return ptr(m.world.alloc('workqueue_struct', 'heap', at.startLine + 1).id);
  },
};
