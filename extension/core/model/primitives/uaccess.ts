// uaccess.h: copies between user space and the kernel, which may fault, sleep and copy less than asked.
import type { Ast } from '../../parse/ast';
import type { Value } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import type { Contract } from '../contract';

/**
 * A copy between user space and the kernel: it may fault and sleep, and returns the number of
 * bytes it could not copy (an unknown the path decides). What it copies into the kernel is
 * whatever user space wrote: the destination's fields are unknown from here on.
 */
function* userCopy(m: Machine, dst: Value | undefined, at: Ast, what: string): Gen<Value> {
  m.mightSleep(at, what);
  m.waitsOnUserSpace(at, what);
  yield { kind: 'sched' };
  const d = dst ? m.norm(dst) : undefined;
  if (d?.k === 'ptr') {
    const o = m.world.obj(d.obj);
    m.touch(o, at, 'copies into');
    for (const [k, v] of [...o.fields]) {
      const sub = v.k === 'ptr' ? m.world.objs.get(v.obj) : undefined;
      if (!(sub?.parent?.obj === o.id)) o.fields.delete(k);
    }
    m.world.root(o.id).unknownContents = true;
    for (const [k, v] of m.userWrites ?? []) o.fields.set(k, v);
  }
  return m.world.sym(what);
}

export const UACCESS: Record<string, Contract> = {
  *copy_from_user(m, a, _as, at) { return yield* userCopy(m, a[0], at, 'copy_from_user()'); },
  *copy_to_user(m, _a, _as, at) { return yield* userCopy(m, undefined, at, 'copy_to_user()'); },
};
