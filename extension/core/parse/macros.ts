// Object-like macros whose value is a constant expression: `#define IOVA_ANCHOR ~0UL`,
// `#define PRQ_RING_MASK ((0x1000 << PRQ_ORDER) - 0x20)`, `#define FLAG BIT(3)`. The code compares
// fields and results against them; read as unknowns, both sides of every such test would be taken.

interface Define {
  name: string;
  /** the text after the name, continuation lines joined (a function-like macro starts with '(') */
  after: string;
  /** the definition spans continued lines */
  continued: boolean;
}

/**
 * The `#define`s of @text made whatever the configuration: one inside #if/#ifdef/#else depends on it
 * (`#define intel_iommu_enabled (0)` when the driver is not built) and is left out; a header's include
 * guard does not count.
 */
function* unconditionalDefines(text: string): Generator<Define> {
  // Open conditionals: true for an include guard (#ifndef X followed by #define X).
  const open: boolean[] = [];
  let guardCandidate: string | undefined;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    let line = text.slice(at, end);
    at = end + 1;
    let i = 0;
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (line[i] !== '#') continue;
    i++;
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    const word = /^\w+/.exec(line.slice(i))?.[0] ?? '';
    i += word.length;
    const rest = line.slice(i).trim();
    if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
      open.push(false);
      guardCandidate = word === 'ifndef' && open.length === 1 ? /^\w+/.exec(rest)?.[0] : undefined;
      continue;
    }
    if (word === 'endif') {
      open.pop();
      guardCandidate = undefined;
      continue;
    }
    if (word === 'else' || word === 'elif') {
      if (open.length) open[open.length - 1] = false;
      guardCandidate = undefined;
      continue;
    }
    if (word !== 'define') continue;
    const name = /^\w+/.exec(rest)?.[0] ?? '';
    if (guardCandidate && name === guardCandidate) {
      open[open.length - 1] = true;
      guardCandidate = undefined;
      continue;
    }
    guardCandidate = undefined;
    let after = line.slice(line.indexOf(name, i) + name.length);
    const continued = line.endsWith('\\');
    while (line.endsWith('\\') && at < text.length) {
      after = after.slice(0, -1);
      let next = text.indexOf('\n', at);
      if (next < 0) next = text.length;
      line = text.slice(at, next);
      after += ` ${line}`;
      at = next + 1;
    }
    if (name && !open.some((g) => !g)) yield { name, after, continued };
  }
}

/**
 * `#define NAME value` lines of @text whose value is on that line: name -> value text. Only
 * definitions made whatever the configuration count (see unconditionalDefines()).
 */
export function objectMacros(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of unconditionalDefines(text)) {
    // A function-like macro has '(' right after its name; a continued line is not one value.
    if (d.after.startsWith('(') || d.continued) continue;
    const value = stripComments(d.after).trim();
    if (value && !out.has(d.name)) out.set(d.name, value);
  }
  return out;
}

/** A function-like macro whose body is one expression: `#define user_ctx_dev(ctx) (&(ctx)->idxd_dev.conf_dev)`. */
export interface ExprMacro {
  params: string[];
  body: string;
}

/**
 * exprMacros - the function-like macros of @text whose body reads as one C expression of its
 * parameters: accessors (`&(ctx)->idxd_dev.conf_dev`), wrappers of a call (`xa_lock(xa)`), arithmetic
 * (`PCI_BUS_NUM(x)`). Left out: variadic macros, statement bodies (`do { } while (0)`, `({ })`),
 * token pasting and stringizing, and definitions that depend on the configuration.
 */
export function exprMacros(text: string): Map<string, ExprMacro> {
  const out = new Map<string, ExprMacro>();
  if (!text.includes('#define')) return out;
  for (const d of unconditionalDefines(text)) {
    const m = /^\(([\w\s,]*)\)(.*)$/s.exec(d.after);
    if (!m || out.has(d.name)) continue;
    const body = stripAllComments(m[2]).trim();
    if (!body || /[#;{}]|\bdo\b|\breturn\b/.test(body)) continue;
    const params = m[1].split(',').map((x) => x.trim());
    if (params.length === 1 && !params[0]) params.length = 0;
    if (params.some((p) => !/^\w+$/.test(p))) continue;
    out.set(d.name, { params, body });
  }
  return out;
}

/**
 * expandExpr - @mac's body with each parameter replaced by its argument text in parentheses, as the
 * preprocessor does (one pass; the result's own macros are expanded where they are called).
 */
export function expandExpr(mac: ExprMacro, args: string[]): string {
  if (!mac.params.length) return mac.body;
  // An identifier, a number or a type name stays as it is (container_of(p, struct T, m) reads them as such).
  const plain = /^\s*(?:(?:struct|union|enum)\s+)?\w+\s*$/;
  const at = new Map(mac.params.map((p, i) => [p, plain.test(args[i]) ? args[i].trim() : `(${args[i]})`]));
  return mac.body.replace(/\b\w+\b/g, (w) => at.get(w) ?? w);
}

function stripAllComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');
}

function stripComments(s: string): string {
  const block = s.indexOf('/*');
  const line = s.indexOf('//');
  const cut = [block, line].filter((x) => x >= 0);
  return cut.length ? s.slice(0, Math.min(...cut)) : s;
}

type Tok = { k: 'num'; v: bigint } | { k: 'id'; s: string } | { k: 'op'; s: string };

function tokens(s: string): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (j < s.length && /[0-9a-fA-FxX]/.test(s[j])) j++;
      const digits = s.slice(i, j);
      while (j < s.length && /[uUlL]/.test(s[j])) j++;
      try {
        out.push({ k: 'num', v: /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits) });
      } catch {
        return undefined;
      }
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < s.length && /\w/.test(s[j])) j++;
      out.push({ k: 'id', s: s.slice(i, j) });
      i = j;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '<<' || two === '>>') {
      out.push({ k: 'op', s: two });
      i += 2;
      continue;
    }
    if ('()~-+*/%&|^,'.includes(c)) {
      out.push({ k: 'op', s: c });
      i++;
      continue;
    }
    return undefined;
  }
  return out;
}

const BINARY: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

/** The most levels of macros one value may go through. */
const DEPTH = 8;

/**
 * The value of the constant expression @text (C integer arithmetic on unbounded integers; BIT(),
 * BIT_ULL() and GENMASK() spelled out), with identifiers resolved through @lookup; undefined when
 * any part of it is not a constant.
 */
export function constantValue(text: string, lookup: (name: string) => string | undefined, depth = 0): bigint | undefined {
  if (depth > DEPTH || text.length > 200) return undefined;
  const toks = tokens(text);
  if (!toks?.length) return undefined;
  let p = 0;
  const fail = (): never => {
    throw new Error('not constant');
  };
  const unary = (): bigint => {
    const t = toks[p++] ?? fail();
    if (t.k === 'num') return t.v;
    if (t.k === 'op') {
      if (t.s === '(') {
        // A cast such as (u64) or (unsigned long) is read as the value it casts.
        let q = p;
        while (q < toks.length && toks[q].k === 'id') q++;
        if (q > p && toks[q]?.k === 'op' && (toks[q] as { s: string }).s === ')' && q + 1 < toks.length && !isClose(toks[q + 1])) {
          p = q + 1;
          return unary();
        }
        const v = binary(0);
        expect(')');
        return v;
      }
      if (t.s === '~') return ~unary();
      if (t.s === '-') return -unary();
      if (t.s === '+') return unary();
      return fail();
    }
    // BIT(n), BIT_ULL(n), GENMASK(h, l), GENMASK_ULL(h, l)
    if (toks[p]?.k === 'op' && (toks[p] as { s: string }).s === '(') {
      p++;
      const a = binary(0);
      if (t.s === 'BIT' || t.s === 'BIT_ULL') {
        expect(')');
        return 1n << a;
      }
      if (t.s === 'GENMASK' || t.s === 'GENMASK_ULL') {
        expect(',');
        const l = binary(0);
        expect(')');
        return ((1n << (a + 1n)) - 1n) & ~((1n << l) - 1n);
      }
      return fail();
    }
    const value = lookup(t.s);
    if (value === undefined) return fail();
    const v = constantValue(value, lookup, depth + 1);
    return v ?? fail();
  };
  const isClose = (t: Tok) => t.k === 'op' && (t.s === ')' || t.s === ',' || t.s in BINARY);
  const expect = (s: string) => {
    const t = toks[p++];
    if (!t || t.k !== 'op' || t.s !== s) fail();
  };
  const binary = (min: number): bigint => {
    let l = unary();
    for (;;) {
      const t = toks[p];
      if (!t || t.k !== 'op' || !(t.s in BINARY) || BINARY[t.s] < min) return l;
      p++;
      const r = binary(BINARY[t.s] + 1);
      switch (t.s) {
        case '|': l |= r; break;
        case '^': l ^= r; break;
        case '&': l &= r; break;
        case '<<': if (r < 0n || r > 64n) fail(); l <<= r; break;
        case '>>': if (r < 0n || r > 64n) fail(); l >>= r; break;
        case '+': l += r; break;
        case '-': l -= r; break;
        case '*': l *= r; break;
        case '/': if (r === 0n) fail(); l /= r; break;
        case '%': if (r === 0n) fail(); l %= r; break;
      }
    }
  };
  try {
    const v = binary(0);
    return p === toks.length ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * containerMacros - the function-like macros of @text that wrap container_of() of their one argument
 * (`#define to_uacce_device(dev) container_of(dev, struct uacce_device, dev)`): name -> the container's
 * struct type and the member the argument is.
 */
export function containerMacros(text: string): Map<string, { type: string; member: string }> {
  const out = new Map<string, { type: string; member: string }>();
  if (!text.includes('container_of')) return out;
  const re = /^[ \t]*#[ \t]*define[ \t]+(\w+)\((\w+)\)[ \t\\\n]*\(?[ \t]*container_of(?:_const)?\([ \t]*\(?[ \t]*(\w+)[ \t]*\)?[ \t]*,[ \t]*(?:const[ \t]+)?(?:struct[ \t]+)?(\w+)[ \t]*,[ \t]*([\w.]+)[ \t]*\)/gm;
  for (const m of text.matchAll(re)) {
    if (m[2] !== m[3] || out.has(m[1])) continue;
    out.set(m[1], { type: m[4], member: m[5] });
  }
  return out;
}

/** A function-like macro of the tree that is a list walk (`for_each_group_device(group, pos)`). */
export interface ListMacro {
  params: string[];
  /** the list iterator it expands to: list_for_each_entry, list_for_each_entry_safe, ... */
  target: string;
  /** the iterator's arguments as written in the macro, in terms of @params */
  args: string[];
}

/**
 * listMacros - `#define for_each_group_device(group, pos) list_for_each_entry(pos, &(group)->devices, list)`
 * of @text: name -> the walk it stands for.
 */
export function listMacros(text: string): Map<string, ListMacro> {
  const out = new Map<string, ListMacro>();
  if (!text.includes('_for_each_entry')) return out;
  const re = /^[ \t]*#[ \t]*define[ \t]+(\w+)\(([\w, \t]*)\)[ \t]*(?:\\\r?\n)?[ \t]*((?:h?list)_for_each_entry(?:_safe|_rcu)?)\(([^;\n]*)\)[ \t]*$/gm;
  for (const m of text.matchAll(re)) {
    if (out.has(m[1])) continue;
    out.set(m[1], { params: m[2].split(',').map((x) => x.trim()), target: m[3], args: m[4].split(',').map((x) => x.trim()) });
  }
  return out;
}
