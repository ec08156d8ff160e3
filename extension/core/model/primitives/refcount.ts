// refcount.h: refcount_t, whose underflow and increment-from-zero the kernel warns about.
import type { Ast } from '../../parse/ast';
import { type Obj, type Value, ZERO, int } from '../world';
import { Cut } from '../../sim/cut';
import type { Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

function refObj(m: Machine, v: Value, at: Ast): Obj | undefined {
  const o = obj(m, v, at, 'refcount_t');
  if (!o) return undefined;
  m.touch(o, at, 'uses the refcount of');
  m.refTouched.add(m.world.root(o.id).id);
  return o;
}

function refName(m: Machine, o: Obj): string {
  return m.world.name(o.id);
}

export const REFCOUNT: Record<string, Contract> = {
  *refcount_set(m, a, _as, at) {
    const o = refObj(m, a[0], at);
    if (o && a[1]?.k === 'int') {
      o.count = a[1].v;
      m.step(at, `refcount_set(${refName(m, o)})`, `= ${a[1].v}`);
    }
    return ZERO;
  },
  *refcount_inc(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o || o.count === undefined) return ZERO;
    const n = o.count;
    if (n === 0) m.report('iopf/refcount-imbalance', `refcount_inc() on ${refName(m, o)} at zero: the object is already being freed`, at);
    o.count = n + 1;
    m.step(at, `refcount_inc(${refName(m, o)})`, `${n} -> ${n + 1}`);
    return ZERO;
  },
  *refcount_inc_not_zero(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o) return int(1);
    const n = o.count ?? 1;
    if (n === 0) {
      m.step(at, `refcount_inc_not_zero(${refName(m, o)})`, 'count is 0: no reference taken');
      return ZERO;
    }
    o.count = n + 1;
    m.step(at, `refcount_inc_not_zero(${refName(m, o)})`, `${n} -> ${n + 1}`);
    return int(1);
  },
  *refcount_dec(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o || o.count === undefined) return ZERO;
    const n = o.count;
    if (n <= 1) m.report('iopf/refcount-imbalance', `refcount_dec() drops the last reference on ${refName(m, o)} without freeing it`, at);
    o.count = n - 1;
    m.step(at, `refcount_dec(${refName(m, o)})`, `${n} -> ${n - 1}`);
    return ZERO;
  },
  *refcount_dec_and_test(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o) return ZERO;
    if (o.count === undefined) {
      // A count the scenario does not know: the last reference or not, both are possible.
      return int(m.oracle.choose(2) === 0 ? 0 : 1);
    }
    const n = o.count;
    if (n <= 0) {
      m.report('iopf/refcount-imbalance', `${refName(m, o)} is dropped more times than it was taken (refcount underflow)`, at);
      throw new Cut('stop');
    }
    o.count = n - 1;
    m.step(at, `refcount_dec_and_test(${refName(m, o)})`, `${n} -> ${n - 1}${n === 1 ? ': last reference' : ''}`);
    return int(n === 1 ? 1 : 0);
  },
  *refcount_read(m, a, _as, at) {
    const o = refObj(m, a[0], at);
    return int(o?.count ?? 1);
  },
};
