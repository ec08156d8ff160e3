// compiler.h, asm/barrier.h and kconfig.h: branch hints, once-accesses, acquire/release, IS_ENABLED().
import { ZERO, int } from '../world';
import type { Contract } from '../contract';
import { fileFact } from '../../parse/source';

export const COMPILER: Record<string, Contract> = {
  *likely(_m, a) { return a[0] ?? ZERO; },
  *unlikely(_m, a) { return a[0] ?? ZERO; },
  *READ_ONCE(_m, a) { return a[0] ?? ZERO; },
  *ARRAY_SIZE(m, _a, as) {
    // A compile-time count of an array the code declares: its initializer's length when the file
    // shows it, else an unknown that is never 0 (an empty array does not build where it is
    // iterated), so a loop over it runs at least once.
    const name = as[0] ? m.src(as[0]).trim() : '';
    const file = m.ws.files.get(m.frame().file);
    // Read once per file and name: loops evaluate it on every pass.
    const known = /^\w+$/.test(name) && file ? fileFact(file, `array length ${name}`, () => declaredLength(file.text, name)) : undefined;
    if (known !== undefined) return int(known);
    const n = m.world.sym(`ARRAY_SIZE(${name || '?'})`);
    if (n.k === 'sym') {
      m.positive.add(n.id);
      m.nonNegative.add(n.id);
    }
    return n;
  },
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

/** The element count of the array @name the file initialises: `name[] = { a, b }` (its top-level items) or `name[4] = { ... }`. */
function declaredLength(text: string, name: string): number | undefined {
  const re = new RegExp(`\\b${name}\\s*\\[\\s*(\\d*)\\s*\\]\\s*(=\\s*\\{)?`, 'g');
  for (let mm = re.exec(text); mm; mm = re.exec(text)) {
    if (!mm[2]) continue;
    if (mm[1]) return Number(mm[1]) || undefined;
    let depth = 1;
    let items = 0;
    let seen = false;
    for (let i = mm.index + mm[0].length; i < text.length && i < mm.index + 20_000; i++) {
      const c = text[i];
      if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) return undefined;
        i = end + 1;
        continue;
      }
      if (c === '{' || c === '(' || c === '[') depth++;
      else if (c === '}' || c === ')' || c === ']') {
        depth--;
        if (depth === 0) return items + (seen ? 1 : 0) || undefined;
      } else if (c === ',' && depth === 1) {
        if (seen) items++;
        seen = false;
        continue;
      }
      if (depth >= 1 && !/\s/.test(c)) seen = true;
    }
    return undefined;
  }
  return undefined;
}
