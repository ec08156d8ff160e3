// err.h and bug.h: error pointers, and WARN_ON() and friends, which return their condition.
import type { Ast } from '../../parse/ast';
import { ZERO, int } from '../world';
import { type Contract, isNull } from '../contract';

export const ERR: Record<string, Contract> = {
  *IS_ERR(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err') return int(1);
    if (v.k === 'sym') return int(m.isErr(v, m.src(as[0])) ? 1 : 0);
    return ZERO;
  },
  *IS_ERR_OR_NULL(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err' || isNull(v)) return int(1);
    if (v.k === 'sym') return int(m.isErr(v, m.src(as[0])) || !m.truthy(v, m.src(as[0])) ? 1 : 0);
    return ZERO;
  },
  *PTR_ERR(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err') return int(v.code);
    return m.world.sym(`PTR_ERR(${m.src(as[0])})`);
  },
  *PTR_ERR_OR_ZERO(_m, a) { return a[0]?.k === 'err' ? int(a[0].code) : ZERO; },
  *ERR_PTR(m, a, _as, at) {
    if (a[0]?.k !== 'int') return m.world.sym('ERR_PTR(?)');
    return { k: 'err', code: a[0].v, why: `${m.frame().fn}() returned ERR_PTR(${a[0].v}) at line ${at.startLine + 1}` };
  },
  *ERR_CAST(_m, a) { return a[0] ?? ZERO; },
  *WARN_ON(m, a, as) { return int(m.truthy(a[0] ?? ZERO, m.src(as[0] ?? ({} as Ast))) ? 1 : 0); },
  *WARN_ON_ONCE(m, a, as) { return int(m.truthy(a[0] ?? ZERO, as[0] ? m.src(as[0]) : '?') ? 1 : 0); },
  *WARN(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
  *WARN_ONCE(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
};
