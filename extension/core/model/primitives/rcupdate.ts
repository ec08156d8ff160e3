// rcupdate.h: read-side critical sections, published pointers, grace periods.
import { ZERO } from '../world';
import type { Contract } from '../contract';

export const RCUPDATE: Record<string, Contract> = {
  *rcu_read_lock(m, _a, _as, at) {
    yield { kind: 'sched' };
    m.world.thread(m.tid).rcuDepth++;
    m.step(at, 'rcu_read_lock()', 'enters an RCU read-side critical section');
    return ZERO;
  },
  *rcu_read_unlock(m, _a, _as, at) {
    const t = m.world.thread(m.tid);
    yield { kind: 'sched' };
    if (t.rcuDepth === 0) {
      m.report('lock/imbalance', 'rcu_read_unlock() without rcu_read_lock()', at);
      return ZERO;
    }
    t.rcuDepth--;
    if (t.rcuDepth === 0) {
      for (const o of m.world.objs.values()) {
        if (o.freed === 'rcu' && o.rcuReaders?.delete(m.tid) && o.rcuReaders.size === 0) o.freed = 'reclaimed';
      }
    }
    m.step(at, 'rcu_read_unlock()', 'leaves the RCU read-side critical section');
    return ZERO;
  },
  *rcu_dereference(m, _a, as, at) {
    // The load happens here, after the scheduling point: what another thread published (or
    // cleared) before it is what this one reads.
    yield { kind: 'sched' };
    const v = yield* m.arg(as, 0);
    m.step(at, 'rcu_dereference()', m.name(v));
    return v;
  },
  *rcu_dereference_check(m, _a, as, at) {
    yield { kind: 'sched' };
    const v = yield* m.arg(as, 0);
    m.step(at, 'rcu_dereference_check()', m.name(v));
    return v;
  },
  *rcu_dereference_protected(m, _a, as, at) {
    const v = yield* m.arg(as, 0);
    m.step(at, 'rcu_dereference_protected()', m.name(v));
    return v;
  },
  *rcu_access_pointer(_m, a) { return a[0] ?? ZERO; },
  *rcu_assign_pointer(m, a, as, at) {
    yield { kind: 'sched' };
    const lv = yield* m.lvalueOf(as[0]);
    if (lv) yield* m.assign(lv, a[1] ?? ZERO, m.frame(), at);
    m.step(at, 'rcu_assign_pointer()', `${m.src(as[0])} = ${m.name(a[1] ?? ZERO)}: published to RCU readers`);
    return ZERO;
  },
  *RCU_INIT_POINTER(m, a, as, at) {
    const lv = yield* m.lvalueOf(as[0]);
    if (lv) yield* m.assign(lv, a[1] ?? ZERO, m.frame(), at);
    return ZERO;
  },
  *synchronize_rcu(m, _a, _as, at) {
    m.mightSleep(at, 'synchronize_rcu()');
    yield { kind: 'sched' };
    for (const o of m.world.objs.values()) if (o.freed === 'rcu' && !(o.rcuReaders?.size)) o.freed = 'reclaimed';
    m.step(at, 'synchronize_rcu()', 'waits for a grace period');
    return ZERO;
  },
};
