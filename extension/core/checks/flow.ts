// A small forward dataflow over one function's CFG for the API-contract checks: what each local
// variable (or field chain such as `obj->sva`) may hold at every node, refined by the branches
// that test it. Anything the pass cannot follow is dropped from the state ("untracked"), so a
// check built on it only speaks about values it has followed from their definition.
import { Ast, child, walk } from '../parse/ast';
import type { Cfg, CfgNode } from '../parse/cfg';
import { declaratorName } from '../parse/cfg';

/** Variable (or field chain) -> what it may hold; a missing key is untracked. */
export type State<V> = Map<string, V>;

export interface Domain<V> {
  join(a: V, b: V): V;
  equal(a: V, b: V): boolean;
  /** The value an expression assigns, in @st; undefined when the check has nothing to say about it. */
  value(e: Ast, st: State<V>, vars: Vars): V | undefined;
  /**
   * The states after the atomic condition @cond is true and false. undefined for an edge the
   * value makes impossible; @st itself when the condition says nothing about tracked values.
   */
  refine(cond: Ast, st: State<V>, vars: Vars): [State<V> | undefined, State<V> | undefined];
  /** The value an iterator macro (`list_for_each_entry`) gives its first argument inside the loop body. */
  cursor?(macro: string): V | undefined;
}

/** Calls that neither store through their arguments nor assign the variables named in them. */
const PURE = new Set([
  'IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR', 'PTR_ERR_OR_ZERO', 'ERR_PTR', 'ERR_CAST', 'IS_ERR_VALUE', 'container_of',
  'list_entry', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'likely', 'unlikely', 'sizeof', 'BUG_ON', 'min', 'max',
  'min_t', 'max_t', 'offsetof', 'READ_ONCE', 'dev_name', 'ARRAY_SIZE',
]);

/** Macros (lower case) that assign the variable passed to them by name. */
const ASSIGNS_ARGS = new Set(['swap', 'get_user', '__get_user', 'rcu_assign_pointer', 'xchg', 'cmpxchg', 'try_cmpxchg', 'smp_store_release']);

/** The call's name when it calls a plain identifier. */
export function callName(e: Ast | undefined): string | undefined {
  if (e?.type !== 'call_expression') return undefined;
  const f = child(e, 'function');
  return f?.type === 'identifier' ? f.text : undefined;
}

export function callArgs(e: Ast): Ast[] {
  return child(e, 'arguments')?.children.filter((c) => c.type !== 'comment') ?? [];
}

/** @e without parentheses and casts. */
export function strip(e: Ast | undefined): Ast | undefined {
  while (e && (e.type === 'parenthesized_expression' || e.type === 'cast_expression')) {
    e = e.type === 'cast_expression' ? child(e, 'value') : e.children.find((c) => c.type !== 'comment');
  }
  return e;
}

/** The names a function may track: its parameters and locals whose address is never taken. */
export class Vars {
  private readonly locals = new Set<string>();
  /** names declared twice (an inner block shadowing an outer variable): one key cannot tell them apart */
  private readonly shadowed = new Set<string>();
  /** operands of `&`: a variable, or the field chain, that something else may write through */
  private readonly addressed: string[] = [];

  constructor(def: Ast) {
    walk(def, (n) => {
      if (n.type === 'parameter_declaration' || n.type === 'declaration') {
        for (const d of n.children) {
          if (d.field !== 'declarator') continue;
          const { name } = declaratorName(d.type === 'init_declarator' ? child(d, 'declarator') : d);
          if (name && this.locals.has(name)) this.shadowed.add(name);
          if (name) this.locals.add(name);
        }
      }
      if (n.type === 'pointer_expression' && n.op === '&') {
        const k = chainOf(n.children[0], () => true);
        if (k) this.addressed.push(k);
      }
    });
  }

  /** Whether the local @name may be followed. */
  tracks(name: string): boolean {
    return this.locals.has(name) && !this.shadowed.has(name) && !this.addressed.some((a) => a === name || a.startsWith(`${name}.`));
  }

  /** The state key of a variable or field chain the pass may follow, else undefined. */
  key(e: Ast | undefined): string | undefined {
    const k = chainOf(strip(e), (base) => this.locals.has(base) && !this.shadowed.has(base));
    if (!k) return undefined;
    for (const a of this.addressed) {
      if (k === a || k.startsWith(`${a}.`) || k.startsWith(`${a}->`) || a.startsWith(`${k}.`)) return undefined;
    }
    return k;
  }
}

/** `a`, `a->b`, `a.b->c` as text without blanks, when rooted in a name @ok accepts. */
function chainOf(e: Ast | undefined, ok: (base: string) => boolean): string | undefined {
  if (!e) return undefined;
  if (e.type === 'identifier') return ok(e.text!) ? e.text : undefined;
  if (e.type === 'field_expression') {
    const base = chainOf(strip(child(e, 'argument')), ok);
    const f = child(e, 'field');
    return base && f?.text ? `${base}${e.op === '->' ? '->' : '.'}${f.text}` : undefined;
  }
  return undefined;
}

/** Drops @key and every chain through it (`p` takes `p->sva` with it). */
function kill<V>(st: State<V>, key: string): void {
  st.delete(key);
  for (const k of [...st.keys()]) if (k.startsWith(`${key}->`) || k.startsWith(`${key}.`)) st.delete(k);
}

/**
 * exec - the effects of evaluating @e on @st, in evaluation order: assignments set or drop their
 * target, calls that may store through pointers drop every field chain, and macros that assign
 * by name drop the variables named in them.
 */
export function exec<V>(e: Ast, st: State<V>, d: Domain<V>, vars: Vars): void {
  switch (e.type) {
    case 'assignment_expression': {
      const left = child(e, 'left');
      const right = child(e, 'right');
      if (right) exec(right, st, d, vars);
      // A store through another name for the same object (`other->sva = NULL`) must not leave a
      // stale `obj->sva`: every chain ending in the stored field is dropped.
      const field = strip(left)?.type === 'field_expression' ? child(strip(left)!, 'field')?.text : undefined;
      if (field) for (const k of [...st.keys()]) if (k.endsWith(`->${field}`) || k.endsWith(`.${field}`)) st.delete(k);
      const k = vars.key(left);
      if (!k) {
        if (left) exec(left, st, d, vars);
        return;
      }
      const v = e.op === '=' && right ? d.value(right, st, vars) : compound(e, st, d, vars);
      kill(st, k);
      if (v !== undefined) st.set(k, v);
      return;
    }
    case 'update_expression': {
      const k = vars.key(e.children[0]);
      if (k) kill(st, k);
      return;
    }
    case 'init_declarator': {
      const value = child(e, 'value');
      if (value) exec(value, st, d, vars);
      const { name } = declaratorName(child(e, 'declarator'));
      if (!name) return;
      kill(st, name);
      const v = value && value.type !== 'initializer_list' ? d.value(value, st, vars) : undefined;
      if (v !== undefined && vars.tracks(name)) st.set(name, v);
      return;
    }
    case 'declaration':
      for (const c of e.children) {
        if (c.field !== 'declarator') continue;
        if (c.type === 'init_declarator') exec(c, st, d, vars);
        else {
          const { name } = declaratorName(c);
          if (name) kill(st, name);
        }
      }
      return;
    case 'call_expression': {
      for (const c of e.children) exec(c, st, d, vars);
      const name = callName(e);
      if (name && PURE.has(name)) return;
      for (const k of [...st.keys()]) if (k.includes('->') || k.includes('.')) st.delete(k);
      if (!name || /^[A-Z_0-9]+$/.test(name) || ASSIGNS_ARGS.has(name)) {
        for (const a of callArgs(e)) {
          const k = vars.key(a);
          if (k) kill(st, k);
        }
      }
      return;
    }
    case 'compound_statement':
    case 'if_statement':
    case 'for_statement':
    case 'while_statement':
    case 'do_statement':
    case 'switch_statement':
      // Statements inside an expression (`({ ... })`): what they assign is dropped, not guessed.
      walk(e, (n) => {
        const target = n.type === 'assignment_expression' || n.type === 'update_expression' ? vars.key(n.children[0])
          : n.type === 'init_declarator' ? declaratorName(child(n, 'declarator')).name : undefined;
        if (target) kill(st, target);
      });
      for (const k of [...st.keys()]) if (k.includes('->') || k.includes('.')) st.delete(k);
      return;
    case 'conditional_expression': {
      // Only one arm runs: what either may assign is dropped.
      const c = child(e, 'condition');
      if (c) exec(c, st, d, vars);
      for (const arm of [child(e, 'consequence'), child(e, 'alternative')]) {
        if (!arm) continue;
        const scratch = new Map(st);
        exec(arm, scratch, d, vars);
        for (const k of [...st.keys()]) if (scratch.get(k) !== st.get(k)) st.delete(k);
      }
      return;
    }
    default:
      for (const c of e.children) exec(c, st, d, vars);
  }
}

/** `x |= y`, `x += y`: the domain may combine (value of a binary expression), else untracked. */
function compound<V>(e: Ast, st: State<V>, d: Domain<V>, vars: Vars): V | undefined {
  const left = child(e, 'left');
  const right = child(e, 'right');
  if (!left || !right || !e.op) return undefined;
  const op = e.op.slice(0, -1);
  return d.value({ ...e, type: 'binary_expression', op, children: [{ ...left, field: 'left' }, { ...right, field: 'right' }] }, st, vars);
}

function joinStates<V>(a: State<V>, b: State<V>, d: Domain<V>): State<V> {
  const out: State<V> = new Map();
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== undefined) out.set(k, d.join(v, w));
  }
  return out;
}

function sameState<V>(a: State<V>, b: State<V>, d: Domain<V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !d.equal(v, w)) return false;
  }
  return true;
}

/** Work bound: a function whose states do not settle within it gets no verdict (no findings). */
const MAX_STEPS = 20000;

/**
 * solve - the state on entry to every reachable node of @cfg. undefined when the bound was hit.
 * Edges a branch makes impossible for a tracked value are not followed.
 */
export function solve<V>(cfg: Cfg, d: Domain<V>, vars: Vars): Map<number, State<V>> | undefined {
  const IN = new Map<number, State<V>>([[cfg.entry, new Map()]]);
  const work = [cfg.entry];
  const queued = new Set(work);
  let steps = 0;
  while (work.length) {
    if (++steps > MAX_STEPS) return undefined;
    const id = work.shift()!;
    queued.delete(id);
    const node = cfg.nodes[id];
    const outs = transfer(node, IN.get(id)!, d, vars);
    node.succ.forEach((s, i) => {
      const o = outs.length === 1 ? outs[0] : outs[i];
      if (!o) return;
      const old = IN.get(s);
      const merged = old ? joinStates(old, o, d) : new Map(o);
      if (old && sameState(old, merged, d)) return;
      IN.set(s, merged);
      if (!queued.has(s)) {
        queued.add(s);
        work.push(s);
      }
    });
  }
  return IN;
}

/** The states leaving @node: one for all successors, or [true, false] for a branch. */
function transfer<V>(node: CfgNode, input: State<V>, d: Domain<V>, vars: Vars): (State<V> | undefined)[] {
  const st = new Map(input);
  switch (node.kind) {
    case 'branch': {
      if (!node.ast) return [st];
      exec(node.ast, st, d, vars);
      return d.refine(node.ast, st, vars);
    }
    case 'iter-init':
    case 'iter-next':
      // The iterator macro assigns its cursor (and may read any argument): drop what it names.
      for (const a of node.site?.args ?? []) {
        for (const [k] of [...st]) if (k === a.text.trim() || a.text.includes(k)) kill(st, k);
      }
      if (node.kind === 'iter-init' && node.ast) {
        const init = child(node.ast, 'initializer');
        if (init) exec(init, st, d, vars);
      }
      if (node.kind === 'iter-next' && node.site && d.cursor) {
        // Inside the body the cursor is what the iterator hands out; after the loop it is not followed.
        const name = node.site.args[0]?.text.trim() ?? '';
        const v = d.cursor(node.site.name);
        if (v !== undefined && vars.tracks(name)) {
          const body = new Map(st);
          body.set(name, v);
          return [body, st];
        }
      }
      return [st];
    case 'decl':
    case 'stmt':
    case 'return':
    case 'switch':
      if (node.ast) exec(node.ast, st, d, vars);
      return [st];
    default:
      return [st];
  }
}

/** The atomic condition of a branch node, its operand and the comparison, for the common tests. */
export interface Test {
  /** `p`, `p == NULL`, `p != NULL`, `!p` (already split by the CFG), `call(p)`, `p < 0`... */
  kind: 'truth' | 'eq-zero' | 'ne-zero' | 'lt-zero' | 'eq-neg-errno' | 'call';
  operand: Ast;
  call?: string;
}

const isZero = (e: Ast | undefined): boolean => {
  const s = strip(e);
  return s?.type === 'null' || (s?.type === 'number_literal' && /^0[uUlL]*$/.test(s.text ?? '')) || (s?.type === 'identifier' && s.text === 'NULL');
};

/** `-EFAULT` and friends. */
export function negErrno(e: Ast | undefined): string | undefined {
  const s = strip(e);
  if (s?.type !== 'unary_expression' || s.op !== '-') return undefined;
  const id = strip(s.children[0]);
  return id?.type === 'identifier' && /^E[A-Z0-9]+$/.test(id.text ?? '') ? id.text : undefined;
}

/** testOf - what the atomic condition @c tests, if it is one of the shapes the checks read. */
export function testOf(c: Ast): Test | undefined {
  const e = strip(c);
  if (!e) return undefined;
  if (e.type === 'binary_expression' && (e.op === '==' || e.op === '!=')) {
    const [l, r] = [child(e, 'left'), child(e, 'right')];
    if (isZero(r) && l) return { kind: e.op === '==' ? 'eq-zero' : 'ne-zero', operand: l };
    if (isZero(l) && r) return { kind: e.op === '==' ? 'eq-zero' : 'ne-zero', operand: r };
    if (e.op === '==' && negErrno(r) && l) return { kind: 'eq-neg-errno', operand: l };
    return undefined;
  }
  if (e.type === 'binary_expression' && e.op === '<' && isZero(child(e, 'right'))) {
    return { kind: 'lt-zero', operand: child(e, 'left')! };
  }
  if (e.type === 'call_expression') {
    const name = callName(e);
    const args = callArgs(e);
    if (name && args.length === 1) return { kind: 'call', call: name, operand: args[0] };
    return { kind: 'truth', operand: e };
  }
  return { kind: 'truth', operand: e };
}

/** The value assigned, when @e is an assignment (`(p = foo()) == NULL` tests p). */
export function assigned(e: Ast): Ast {
  const s = strip(e);
  return s?.type === 'assignment_expression' && s.op === '=' ? child(s, 'left') ?? e : e;
}

/** conditionOf - the whole condition of the if/while/for that holds @at (a branch node's atomic test). */
export function conditionOf(def: Ast, at: Ast): Ast | undefined {
  let found: Ast | undefined;
  walk(def, (n) => {
    if (found || n.end <= at.start || n.start > at.start) return false;
    const c = n.type === 'if_statement' || n.type === 'while_statement' || n.type === 'do_statement' || n.type === 'for_statement'
      ? child(n, 'condition') : undefined;
    if (c && c.start <= at.start && at.end <= c.end) found = c;
    return undefined;
  });
  return found;
}
