// kref.h: a reference count whose last kref_put() runs the release the caller names, which
// usually frees the struct the kref is embedded in. Counts are followed when this path set them
// with kref_init(); a kref the path was handed keeps an unknown count and never releases here.
import type { Ast } from '../../parse/ast';
import { type Value, ZERO, int, ptr } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

function* put(m: Machine, a: Value[], as: Ast[], at: Ast, release: number): Gen<Value> {
  const k = obj(m, a[0] ?? ZERO, at, 'kref');
  yield { kind: 'sched' };
  if (!k || k.count === undefined) return ZERO;
  m.touch(k, at, 'puts');
  if (k.count <= 0) {
    m.report('iopf/refcount-imbalance', `kref_put() on ${m.world.name(k.id)}, whose count is already 0: its release already ran`, at);
    return ZERO;
  }
  k.count--;
  m.step(at, `kref_put(${m.world.name(k.id)})`, `${k.count + 1} -> ${k.count}${k.count === 0 ? ': last reference' : ''}`);
  if (k.count > 0) return ZERO;
  const fn = as[release] ? m.src(as[release]).trim() : '';
  if (/^\w+$/.test(fn) && m.ws.cfg(fn)) yield* m.runFunction(fn, [ptr(k.id)], at);
  return int(1);
}

export const KREF: Record<string, Contract> = {
  *kref_init(m, a, _as, at) {
    const k = obj(m, a[0] ?? ZERO, at, 'kref');
    if (k) {
      k.count = 1;
      m.step(at, `kref_init(${m.world.name(k.id)})`, '= 1');
    }
    return ZERO;
  },
  *kref_get(m, a, _as, at) {
    const k = obj(m, a[0] ?? ZERO, at, 'kref');
    if (!k || k.count === undefined) return ZERO;
    if (k.count === 0) m.report('iopf/refcount-imbalance', `kref_get() on ${m.world.name(k.id)} at zero: the object is already being released`, at);
    k.count++;
    return ZERO;
  },
  kref_put: (m, a, as, at) => put(m, a, as, at, 1),
  kref_put_mutex: (m, a, as, at) => put(m, a, as, at, 1),
  kref_put_lock: (m, a, as, at) => put(m, a, as, at, 1),
};
