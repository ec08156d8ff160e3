// api/user-copy-result: copy_from_user() and friends return the number of bytes they could NOT
// copy (0 on success), never an error code. Returning that count as the result of a function that
// otherwise returns 0 or -errno hands a positive "success" to its callers; testing it for a negative
// value never sees the failure; and failing with -EFAULT on the branch where it returned 0 treats
// every successful copy as a fault and every failed one as success.
import type { ParsedFile, FunctionDef } from '../parse/source';
import { astOf, cfgOf } from '../parse/source';
import { Ast, child, rangeOf, walk } from '../parse/ast';
import type { Cfg } from '../parse/cfg';
import type { Finding, TraceStep } from '../types';
import { RULES } from '../rules/rules';
import { assigned, callName, conditionOf, Domain, exec, negErrno, solve, State, strip, testOf, Vars } from './flow';
import type { Contracts } from './contracts';

const RULE = 'api/user-copy-result';

/** Return the count of bytes not copied. (The _nofault variants and copy_struct_from_user() return -errno.) */
const COPIES = new Set([
  'copy_from_user', 'copy_to_user', '__copy_from_user', '__copy_to_user', '_copy_from_user', '_copy_to_user',
  '__copy_from_user_inatomic', '__copy_to_user_inatomic', 'raw_copy_from_user', 'raw_copy_to_user', 'copy_in_user',
  'clear_user', '__clear_user',
]);

const ZERO = 1;
const NONZERO = 2;
/** any value that is not a byte count from a copy (an errno, another call's result) */
const OTHER = 4;

interface CV {
  m: number;
  /** offsets of the copy calls whose count the value may be */
  o: number[];
}

const join = (a: CV, b: CV): CV => ({ m: a.m | b.m, o: [...new Set([...a.o, ...b.o])].sort((x, y) => x - y) });

function restrict(st: State<CV>, key: string, mask: number): State<CV> | undefined {
  const v = st.get(key);
  if (!v) return st;
  const m = v.m & mask;
  if (m === 0) return undefined;
  const out = new Map(st);
  out.set(key, { m, o: m & NONZERO ? v.o : [] });
  return out;
}

/** The edge masks of a test on a count: [when true, when false]. */
function masks(kind: string): [number, number] | undefined {
  switch (kind) {
    case 'truth':
    case 'ne-zero': return [NONZERO | OTHER, ZERO | OTHER];
    case 'eq-zero': return [ZERO | OTHER, NONZERO | OTHER];
    case 'lt-zero':
    case 'eq-neg-errno': return [OTHER, ZERO | NONZERO | OTHER];
    default: return undefined;
  }
}

function domain(calls: Map<number, Ast>, isCount: (name: string) => boolean): Domain<CV> {
  const d: Domain<CV> = {
    join,
    equal: (a, b) => a.m === b.m && a.o.length === b.o.length && a.o.every((x, i) => x === b.o[i]),
    value(e, st, vars) {
      const s = strip(e);
      if (!s) return undefined;
      const name = callName(s);
      if (name && isCount(name)) {
        calls.set(s.start, s);
        return { m: ZERO | NONZERO, o: [s.start] };
      }
      if (s.type === 'number_literal') return { m: /^0[uUlL]*$/.test(s.text ?? '') ? ZERO : OTHER, o: [] };
      if (negErrno(s)) return { m: OTHER, o: [] };
      if (s.type === 'identifier') return st.get(vars.key(s) ?? '');
      if (s.type === 'binary_expression' && (s.op === '|' || s.op === '+')) {
        const l = d.value(child(s, 'left')!, st, vars);
        const r = d.value(child(s, 'right')!, st, vars);
        if (!l || !r) return undefined;
        const m = (l.m & ZERO && r.m & ZERO ? ZERO : 0) | ((l.m | r.m) & (NONZERO | OTHER));
        return { m, o: [...new Set([...l.o, ...r.o])].sort((x, y) => x - y) };
      }
      return undefined;
    },
    refine(cond, st, vars) {
      const t = testOf(cond);
      const key = t && vars.key(assigned(t.operand));
      const mk = t && masks(t.kind);
      if (!key || !mk) return [st, st];
      return [restrict(st, key, mk[0]), restrict(st, key, mk[1])];
    },
  };
  return d;
}

/** Whether @fn speaks 0 / -errno: a signed return type and some return of a negative errno. */
function errnoStyle(def: Ast, returnType: string, vars: Vars): boolean {
  if (returnType.endsWith('*') || /unsigned|size_t$|^u\d+|^bool$|^void$/.test(returnType) && !/ssize_t/.test(returnType)) return false;
  const errnoVars = new Set<string>();
  walk(def, (n) => {
    if (n.type === 'assignment_expression' && negErrno(child(n, 'right'))) {
      const k = vars.key(child(n, 'left'));
      if (k) errnoVars.add(k);
    }
    if (n.type === 'init_declarator' && negErrno(child(n, 'value'))) {
      const k = child(n, 'declarator');
      if (k?.type === 'identifier' && k.text) errnoVars.add(k.text);
    }
  });
  let yes = false;
  walk(def, (n) => {
    if (yes || n.type !== 'return_statement') return undefined;
    for (const e of arms(strip(n.children[0]))) {
      const k = vars.key(e);
      if (negErrno(e) || callName(e) === 'PTR_ERR' || (k && errnoVars.has(k))) yes = true;
    }
    return false;
  });
  return yes;
}

/** Whether the edge into @start fails with -EFAULT before anything else is decided. */
function failsWithEfault(cfg: Cfg, start: number): boolean {
  let id = start;
  for (let i = 0; i < 8; i++) {
    const n = cfg.nodes[id];
    if (n.kind === 'return') return negErrno(n.ast?.children[0]) === 'EFAULT';
    if (n.kind === 'stmt' || n.kind === 'decl') {
      let efault = false;
      if (n.ast) {
        walk(n.ast, (x) => {
          if (x.type === 'assignment_expression' && negErrno(child(x, 'right')) === 'EFAULT') efault = true;
          if (x.type === 'init_declarator' && negErrno(child(x, 'value')) === 'EFAULT') efault = true;
        });
      }
      if (efault) return true;
    } else if (n.kind !== 'nop' && n.kind !== 'scope-release') return false;
    if (n.succ.length !== 1) return false;
    id = n.succ[0];
  }
  return false;
}

const oneLine = (s: string, max = 90) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/**
 * Functions of the workspace whose result is a user copy's byte count passed on unchanged
 * (`static int my_get(...) { return copy_to_user(...); }`): their callers hold the same count.
 */
export class ByteCounts {
  private readonly memo = new Map<FunctionDef, boolean>();
  /** names of functions that copy from or to user space, or call one that does: the only candidates */
  private candidates?: Set<string>;

  constructor(private readonly contracts: Contracts) {}

  private candidate(name: string): boolean {
    if (!this.candidates) {
      const c = new Set<string>();
      const callers = new Map<string, Set<string>>();
      for (const f of this.contracts.ws.files.values()) {
        for (const fn of f.functions) {
          for (const call of fn.calls) {
            if (call.field) continue;
            if (COPIES.has(call.name)) c.add(fn.name);
            const l = callers.get(call.name) ?? new Set<string>();
            l.add(fn.name);
            callers.set(call.name, l);
          }
        }
      }
      const work = [...c];
      while (work.length) {
        for (const caller of callers.get(work.pop()!) ?? []) {
          if (c.has(caller)) continue;
          c.add(caller);
          work.push(caller);
        }
      }
      this.candidates = c;
    }
    return this.candidates.has(name);
  }

  /** Whether a call of @name from @fromFile returns a copy's byte count: a copy, or a helper whose every body does. */
  isCount(name: string, fromFile: string): boolean {
    if (COPIES.has(name)) return true;
    if (!this.candidate(name)) return false;
    const defs = this.contracts.reached(name, fromFile);
    return defs.length > 0 && defs.every((d) => this.returnsCount(d));
  }

  private returnsCount(fn: FunctionDef): boolean {
    const hit = this.memo.get(fn);
    if (hit !== undefined) return hit;
    this.memo.set(fn, false); // recursion: undecided is "no"
    const file = this.contracts.ws.files.get(fn.file);
    let yes = false;
    try {
      yes = !!file && countReturned(fn, file, (n) => this.isCount(n, fn.file));
    } catch {
      yes = false;
    }
    this.memo.set(fn, yes);
    return yes;
  }
}

/** Every return of @fn is a byte count (or 0), and some return may be a non-zero one. */
function countReturned(fn: FunctionDef, file: ParsedFile, isCount: (name: string) => boolean): boolean {
  const cfg = cfgOf(fn, file);
  if (cfg.returnType.endsWith('*') || cfg.returnType === 'void') return false;
  const vars = new Vars(astOf(fn, file));
  const d = domain(new Map(), isCount);
  const IN = solve(cfg, d, vars);
  if (!IN) return false;
  let nonzero = false;
  for (const node of cfg.nodes) {
    if (node.kind !== 'return' || !node.ast) continue;
    const st = IN.get(node.id);
    if (!st) continue;
    const e = node.ast.children.find((c) => c.type !== 'comment');
    const v = e && d.value(e, st, vars);
    if (!v || v.m & OTHER) return false;
    if (v.m & NONZERO) nonzero = true;
  }
  return nonzero;
}

/** What the trace and messages call the source of a count: the copy, or the helper that returns one. */
const describe = (c: Ast) => COPIES.has(callName(c) ?? '') ? `${callName(c)}()` : `${callName(c)}() (the byte count of its user copy)`;

/** The values a returned expression may have: both arms of a conditional, else itself. */
function arms(e: Ast | undefined): Ast[] {
  if (!e) return [];
  if (e.type !== 'conditional_expression') return [e];
  return [...arms(strip(child(e, 'consequence'))), ...arms(strip(child(e, 'alternative')))];
}

/** checkUserCopy - the api/user-copy-result findings of @fn. */
export function checkUserCopy(fn: FunctionDef, file: ParsedFile, counts: ByteCounts): Finding[] {
  const isCount = (n: string) => counts.isCount(n, fn.file);
  if (!fn.calls.some((c) => !c.field && isCount(c.name))) return [];
  const def = astOf(fn, file);
  const cfg = cfgOf(fn, file);
  const vars = new Vars(def);
  const calls = new Map<number, Ast>();
  const d = domain(calls, isCount);
  const IN = solve(cfg, d, vars);
  if (!IN) return [];
  const errno = errnoStyle(def, cfg.returnType, vars);
  const out: Finding[] = [];
  const step = (n: Ast, op: string, detail: string): TraceStep => ({
    file: fn.file, line: n.startLine + 1, range: rangeOf(n), function: fn.name, op, detail,
  });
  const copyStep = (c: Ast) => step(c, oneLine(file.text.slice(c.start, c.end)), COPIES.has(callName(c) ?? '')
    ? `${callName(c)}() returns the number of bytes it could not ${/clear/.test(callName(c) ?? '') ? 'clear' : 'copy'}: 0 on success, a positive count on failure, never -EFAULT`
    : `${callName(c)}() returns what its user copy returns: the number of bytes not copied, never -EFAULT`);
  const report = (at: Ast, message: string, trace: TraceStep[]) => out.push({
    rule: RULE, severity: RULES[RULE]?.severity ?? 'error', file: fn.file, line: at.startLine + 1, column: at.startCol + 1,
    function: fn.name, message, trace,
  });
  for (const node of cfg.nodes) {
    const before = IN.get(node.id);
    if (!before || !node.ast) continue;
    if (node.kind === 'return' && errno) {
      // `return done ? done : rc;` returns either arm: each is a value the callers may get.
      for (const e of arms(strip(node.ast.children[0]))) {
        const name = callName(e);
        if (name && isCount(name)) {
          report(node.ast, `${fn.name}() returns 0 or a negative errno elsewhere, but here it returns what ${describe(e)} returns: the number of bytes not copied, so a failed copy reaches its callers as a positive value instead of -EFAULT`,
            [copyStep(e), step(node.ast, oneLine(file.text.slice(node.ast.start, node.ast.end)), 'the byte count becomes the function\'s result')]);
          break;
        }
        const key = vars.key(e);
        const v = key ? before.get(key) : undefined;
        if (!key || !v || !(v.m & NONZERO) || !v.o.length) continue;
        const from = v.o.map((o) => calls.get(o)!).filter(Boolean);
        const names = [...new Set(from.map(describe))].join(' or ');
        report(node.ast, `${fn.name}() returns 0 or a negative errno elsewhere, but here it returns ${key}, which may hold what ${names} returned on failure: the number of bytes not copied, a positive value instead of -EFAULT`,
          [...from.slice(0, 4).map(copyStep), step(node.ast, oneLine(file.text.slice(node.ast.start, node.ast.end)), `${key} may be a positive byte count here`)]);
        break;
      }
      continue;
    }
    if (node.kind !== 'branch') continue;
    const t = testOf(node.ast);
    if (!t) continue;
    const operand = strip(assigned(t.operand));
    const st = new Map(before);
    exec(node.ast, st, d, vars);
    let from: Ast[] = [];
    const direct = strip(t.operand);
    if (direct && isCount(callName(direct) ?? '')) from = [direct];
    else {
      const key = vars.key(operand);
      const v = key ? st.get(key) : undefined;
      // Only a value that can be nothing but a copy's count.
      if (v && !(v.m & OTHER) && v.o.length) from = v.o.map((o) => calls.get(o)!).filter(Boolean);
    }
    if (!from.length) continue;
    const names = [...new Set(from.map(describe))].join(' or ');
    const cond = conditionOf(def, node.ast);
    const whole = (cond?.type === 'parenthesized_expression' && cond.children.length === 1 ? cond.children[0] : cond) ?? node.ast;
    const testStep = (detail: string) => step(whole, `if (${oneLine(file.text.slice(whole.start, whole.end))})`, detail);
    if (t.kind === 'lt-zero' || t.kind === 'eq-neg-errno') {
      report(node.ast, `${names} returns the number of bytes it could not ${from.every((c) => /clear/.test(callName(c) ?? '')) ? 'clear' : 'copy'}, never a negative value: this test is never true, so a failed copy goes on as a success (test it for non-zero)`,
        [...from.slice(0, 4).map(copyStep), testStep('never true for a byte count')]);
      continue;
    }
    const zeroEdge = t.kind === 'eq-zero' ? node.succ[0] : t.kind === 'truth' || t.kind === 'ne-zero' ? node.succ[1] : undefined;
    if (zeroEdge !== undefined && failsWithEfault(cfg, zeroEdge)) {
      report(node.ast, `${names} returned 0 (everything copied) on the branch that fails with -EFAULT: the test is inverted, so every successful copy fails and a failed one goes on as a success`,
        [...from.slice(0, 4).map(copyStep), testStep('the branch taken when the copy succeeded returns -EFAULT')]);
    }
  }
  return out;
}
