// err.h and bug.h: error pointers, and WARN_ON() and friends, which return their condition.
import type { Ast } from '../../parse/ast';
import { type Value, ZERO, int } from '../world';
import type { Machine } from '../../sim/machine';
import { type Contract, isNull } from '../contract';

/**
 * WARN_ON(cond): returns cond. When it fires on a NULL test of a local (`WARN_ON_ONCE(!p)`,
 * `WARN_ON(p == NULL)`), the code has said p is NULL here: if the path goes on, p holds a NULL that
 * says so when it is dereferenced (the warning becomes a crash).
 */
function warnOn(m: Machine, what: string, a: Value[], as: Ast[], at: Ast): Value {
  const text = as[0] ? m.src(as[0]).trim() : '?';
  const fired = m.truthy(a[0] ?? ZERO, text);
  const name = /^!\s*(\w+)$/.exec(text)?.[1] ?? /^(\w+)\s*==\s*NULL$/.exec(text)?.[1] ?? /^NULL\s*==\s*(\w+)$/.exec(text)?.[1];
  const env = m.frame().env;
  const v = name !== undefined && env.has(name) ? m.norm(env.get(name)!) : undefined;
  if (fired && name && v && (v.k === 'int' ? v.v === 0 && !v.why : v.k === 'sym' && m.world.symTruth.get(v.id) === false)) {
    env.set(name, { k: 'int', v: 0, tested: true, why: `${what}(${text}) at line ${at.startLine + 1} warned that ${name} is NULL and the path went on` });
  }
  return int(fired ? 1 : 0);
}

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
  *WARN_ON(m, a, as, at) { return warnOn(m, 'WARN_ON', a, as, at); },
  *WARN_ON_ONCE(m, a, as, at) { return warnOn(m, 'WARN_ON_ONCE', a, as, at); },
  *WARN(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
  *WARN_ONCE(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
};
