// compiler.h, asm/barrier.h and kconfig.h: branch hints, once-accesses, acquire/release, IS_ENABLED().
import { ZERO } from '../world';
import type { Contract } from '../contract';

export const COMPILER: Record<string, Contract> = {
  *likely(_m, a) { return a[0] ?? ZERO; },
  *unlikely(_m, a) { return a[0] ?? ZERO; },
  *READ_ONCE(_m, a) { return a[0] ?? ZERO; },
  *smp_store_release(m, a, as, at) {
    const target = as[0];
    if (target?.type === 'pointer_expression' && target.op === '&') {
      const lv = yield* m.lvalueOf(target.children[0]);
      if (lv) yield* m.assign(lv, a[1] ?? ZERO, m.frame(), at);
    }
    return ZERO;
  },
  *smp_load_acquire(m, _a, as) {
    const target = as[0];
    if (target?.type === 'pointer_expression' && target.op === '&') return yield* m.eval(target.children[0], m.frame());
    return m.world.sym('smp_load_acquire()');
  },
  *IS_ENABLED(m, _a, as) {
    const key = `IS_ENABLED(${as[0] ? m.src(as[0]) : '?'})`;
    let v = m.world.globals.get(key);
    if (!v) {
      v = m.world.sym(key);
      m.world.globals.set(key, v);
    }
    return v;
  },
};
