// Control-flow graphs of kernel C functions: if/else, switch, loops, iterator macros, goto ladders,
// return/break/continue, and lock scopes from guard()/scoped_guard(), every node with its source range.
import { Ast, child, childrenOf, rangeOf } from './ast';
import type { MacroSite } from './neutralize';
import type { SourceRange } from '../types';

export type CfgKind =
  | 'entry' | 'exit' | 'stmt' | 'decl' | 'branch' | 'return' | 'switch' | 'nop'
  | 'iter-init' | 'iter-next' | 'scope-acquire' | 'scope-release';

export interface CfgNode {
  id: number;
  kind: CfgKind;
  /** the statement, condition, return value or switch discriminant */
  ast?: Ast;
  range?: SourceRange;
  /** branch: [true, false]; switch: one per case (see cases); iter-next: [body, done] */
  succ: number[];
  /** switch: the case value of each successor, null for default or no-match */
  cases?: (Ast | null)[];
  /** branch: the condition came from WARN_ON()/unlikely()/likely() */
  wrapper?: string;
  /** branch: the condition is the operand of a `!` (successors already swapped) */
  negated?: boolean;
  /** branch: the test of a while or do-while loop (the first one its condition makes), and the loop */
  loopTest?: { kind: 'while' | 'do'; stmt: Ast };
  /**
   * branch: a compound test of flags of one record (`req->pm_req && (req->rd_req | req->wr_req)`),
   * kept whole: when the path cannot tell its value, it is one unknown, not one per operand
   */
  compound?: boolean;
  /** iter-init/iter-next/scope-*: the rewritten macro */
  site?: MacroSite;
  /** iter-init and iter-next of one loop share this id */
  loop?: number;
  /** loop heads count visits for the loop bound */
  loopHead?: boolean;
  /**
   * a loop head: the heads of the loops written inside its body, whose counts start again at each of
   * its iterations (an inner poll is bounded per descriptor of the ring around it, not in total)
   */
  inner?: number[];
  /**
   * a loop head of a while, do or for statement with a condition: where the loop exits to, and the
   * statement (past the loop bound, what its iterations assign is unknown and the path leaves it)
   */
  widen?: { exit: number; stmt: Ast };
  /**
   * branch of an `if` whose arms only assign locals that the function never tests, returns or
   * passes on (it stores them, or puts them in an initializer): past an unknown condition the path
   * goes on once, to @join, with @names unknown, rather than once per arm
   */
  either?: { join: number; names: string[] };
  /**
   * switch of whose cases two or more only assign locals the function never tests (then break): past an unknown discriminant those cases (@targets, their
   * first nodes) are one path, to @join, with @names unknown
   */
  eitherCases?: { targets: number[]; join: number; names: string[] };
  /**
   * branch: the test of a loop that walks a ring of descriptors the hardware wrote (`while (head !=
   * tail)`, the body moving @index on by one entry, modulo the ring, and never changing @end): it
   * runs once per descriptor present
   */
  ring?: { index: string; end: string };
  /** scope-release: the guard() statement whose lock is dropped */
  guardAst?: Ast;
  /** scope-release: the `__free(name)` cleanup of a variable, run on its value at every exit of its scope */
  free?: { cleanup: string; variable: string };
  label?: string;
}

export interface CfgParam {
  name: string;
  /** `struct iopf_group *` -> "iopf_group"; scalars: their type text */
  type: string;
  pointer: number;
}

export interface Cfg {
  name: string;
  nodes: CfgNode[];
  entry: number;
  exit: number;
  params: CfgParam[];
  returnType: string;
  /** the whole definition */
  range: SourceRange;
  /** node ids of goto statements whose label was not found */
  unresolved: string[];
}

const COND_WRAPPERS = new Set(['WARN_ON', 'WARN_ON_ONCE', 'unlikely', 'likely', 'WARN', 'WARN_ONCE']);

interface Ctx {
  breakTo?: number;
  continueTo?: number;
  /** cleanups to run when leaving the scope, innermost last */
  scopes: { cleanups: CfgNode[]; depth: number }[];
}

/** Name of a function_definition: the identifier inside its (possibly pointer) declarator. */
export function functionName(def: Ast): string | undefined {
  let d = child(def, 'declarator');
  while (d && d.type !== 'function_declarator') d = child(d, 'declarator') ?? d.children[0];
  const id = d && child(d, 'declarator');
  return id?.type === 'identifier' ? id.text : undefined;
}

/** The type name of a declaration's type node: struct tag, typedef name or primitive. */
export function typeName(t: Ast | undefined): string {
  if (!t) return 'int';
  if (t.type === 'struct_specifier' || t.type === 'union_specifier' || t.type === 'enum_specifier') {
    return child(t, 'name')?.text ?? t.type;
  }
  return t.text ?? t.type;
}

/** Identifier and pointer depth of a (possibly nested) declarator. */
export function declaratorName(d: Ast | undefined): { name?: string; pointer: number; array: boolean } {
  let pointer = 0;
  let array = false;
  while (d) {
    if (d.type === 'identifier' || d.type === 'field_identifier') return { name: d.text, pointer, array };
    if (d.type === 'pointer_declarator') pointer++;
    if (d.type === 'array_declarator') array = true;
    d = child(d, 'declarator') ?? d.children.find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
  }
  return { pointer, array };
}

function params(def: Ast): CfgParam[] {
  let d = child(def, 'declarator');
  while (d && d.type !== 'function_declarator') d = child(d, 'declarator') ?? d.children[0];
  const list = d && child(d, 'parameters');
  const out: CfgParam[] = [];
  for (const p of list?.children ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const { name, pointer } = declaratorName(child(p, 'declarator'));
    if (name) out.push({ name, type: typeName(child(p, 'type')), pointer });
  }
  return out;
}

/**
 * buildCfg - the control-flow graph of one function_definition.
 * @sites: macro sites from neutralize(), to recognise iterator loops and scoped guards.
 */
export function buildCfg(def: Ast, sites: Map<number, MacroSite>): Cfg {
  const nodes: CfgNode[] = [];
  const labels = new Map<string, number>();
  const gotos: { node: CfgNode; label: string }[] = [];
  let loops = 0;
  const mk = (kind: CfgKind, ast?: Ast, succ: number[] = []): CfgNode => {
    const n: CfgNode = { id: nodes.length, kind, succ };
    if (ast) {
      n.ast = ast;
      n.range = rangeOf(ast);
    }
    nodes.push(n);
    return n;
  };
  const entry = mk('entry');
  const exit = mk('exit');
  entry.range = rangeOf(def);
  exit.range = rangeOf(def);

  /** Nodes that run the cleanups of every scope deeper than @depth, then go to @target. */
  const unwind = (ctx: Ctx, depth: number, target: number): number => {
    let next = target;
    for (const scope of ctx.scopes) {
      if (scope.depth <= depth) continue;
      for (const c of scope.cleanups) {
        const r = mk('scope-release', c.ast, [next]);
        r.guardAst = c.guardAst;
        r.site = c.site;
        r.free = c.free;
        next = r.id;
      }
    }
    return next;
  };

  let dataOnlyNames: Map<string, boolean> | undefined;
  const dataOnly = () => (dataOnlyNames ??= dataOnlyLocals(def));

  const cond = (e: Ast, t: number, f: number, wrapper?: string, neg = false): number => {
    if (e.type === 'parenthesized_expression' && e.children.length === 1) return cond(e.children[0], t, f, wrapper, neg);
    if (flagTest(e)) {
      const b = mk('branch', e, [t, f]);
      b.compound = true;
      if (wrapper) b.wrapper = wrapper;
      if (neg) b.negated = true;
      return b.id;
    }
    if (e.type === 'binary_expression' && e.op === '&&') {
      const [a, b] = e.children;
      return cond(a, cond(b, t, f, wrapper, neg), f, wrapper, neg);
    }
    if (e.type === 'binary_expression' && e.op === '||') {
      const [a, b] = e.children;
      return cond(a, t, cond(b, t, f, wrapper, neg), wrapper, neg);
    }
    if (e.type === 'unary_expression' && e.op === '!') return cond(e.children[0], f, t, wrapper, !neg);
    if (e.type === 'call_expression') {
      const fn = child(e, 'function');
      const args = child(e, 'arguments');
      if (fn?.type === 'identifier' && COND_WRAPPERS.has(fn.text!) && args && args.children.length >= 1) {
        return cond(args.children[0], t, f, fn.text, neg);
      }
    }
    const b = mk('branch', e, [t, f]);
    if (wrapper) b.wrapper = wrapper;
    if (neg) b.negated = true;
    return b.id;
  };

  const isGuard = (s: Ast): boolean => {
    if (s.type !== 'expression_statement') return false;
    const call = s.children[0];
    const fn = call?.type === 'call_expression' ? child(call, 'function') : undefined;
    const inner = fn?.type === 'call_expression' ? child(fn, 'function') : undefined;
    return inner?.type === 'identifier' && inner.text === 'guard';
  };

  /** The `__free(name)` cleanup a declaration gives its variable, when it has one. */
  const freeOf = (s: Ast): { cleanup: string; variable: string } | undefined => {
    if (s.type !== 'declaration') return undefined;
    for (const site of sites.values()) {
      if (site.kind !== 'free' || site.start < s.start || site.start >= s.end) continue;
      const decl = s.children.find((c) => c.type === 'init_declarator' || c.type.endsWith('declarator'));
      const { name } = declaratorName(decl?.type === 'init_declarator' ? child(decl, 'declarator') : decl);
      return name ? { cleanup: site.name, variable: name } : undefined;
    }
    return undefined;
  };

  const seq = (stmts: Ast[], next: number, ctx: Ctx, depth: number): number => {
    const f = stmts.findIndex((s) => isGuard(s) || freeOf(s) !== undefined);
    const free = f >= 0 ? freeOf(stmts[f]) : undefined;
    if (free) {
      // A variable declared __free(name): every way out of its scope runs the cleanup on it.
      const release = mk('scope-release', stmts[f], [next]);
      release.free = free;
      const inner: Ctx = { ...ctx, scopes: [...ctx.scopes, { cleanups: [release], depth: depth + 0.5 }] };
      const rest = seq(stmts.slice(f + 1), release.id, inner, depth + 0.5);
      const decl = mk('decl', stmts[f], [rest]);
      return seq(stmts.slice(0, f), decl.id, ctx, depth);
    }
    const g = stmts.findIndex(isGuard);
    if (g >= 0) {
      // Statements after guard() run with its lock held; every way out of the scope drops it.
      const release = mk('scope-release', stmts[g], [next]);
      release.guardAst = stmts[g];
      const inner: Ctx = { ...ctx, scopes: [...ctx.scopes, { cleanups: [release], depth: depth + 0.5 }] };
      const rest = seq(stmts.slice(g + 1), release.id, inner, depth + 0.5);
      const acquire = mk('stmt', stmts[g], [rest]);
      return seq(stmts.slice(0, g), acquire.id, ctx, depth);
    }
    let cur = next;
    for (let i = stmts.length - 1; i >= 0; i--) cur = stmt(stmts[i], cur, ctx, depth);
    return cur;
  };

  const loopCtx = (ctx: Ctx, brk: number, cont: number): Ctx => ({ ...ctx, breakTo: brk, continueTo: cont });

  const stmt = (s: Ast, next: number, ctx: Ctx, depth: number): number => {
    switch (s.type) {
      case 'compound_statement':
        return seq(s.children.filter((c) => c.type !== 'comment'), next, ctx, depth + 1);
      case 'comment':
      case 'empty_statement':
      case 'type_definition':
      case 'struct_specifier':
        return next;
      case 'declaration':
        return mk('decl', s, [next]).id;
      case 'expression_statement':
        if (s.children.length === 0) return next;
        return mk('stmt', s, [next]).id;
      case 'if_statement': {
        const site = sites.get(s.start);
        const c = child(s, 'condition')!;
        const cons = child(s, 'consequence')!;
        if (site?.kind === 'scoped_guard') {
          const release = mk('scope-release', c, [next]);
          release.site = site;
          const inner: Ctx = { ...ctx, scopes: [...ctx.scopes, { cleanups: [release], depth: depth + 0.5 }] };
          const body = stmt(cons, release.id, inner, depth + 0.5);
          const acquire = mk('scope-acquire', c, [body]);
          acquire.site = site;
          acquire.range = { ...rangeOf(s), end: rangeOf(c).end, endIndex: c.end };
          return acquire.id;
        }
        const alt = child(s, 'alternative');
        const t = stmt(cons, next, ctx, depth);
        const other = alt ? (alt.type === 'else_clause' ? alt.children[0] : alt) : undefined;
        const f = other ? stmt(other, next, ctx, depth) : next;
        const b = cond(c, t, f);
        const names = effectFree(c) ? armAssigns(cons, other) : undefined;
        const node = nodes[b];
        if (names?.length && names.every((n) => dataOnly().get(n)) && node.kind === 'branch' && node.succ.every((x) => x === t || x === f)) {
          node.either = { join: next, names: [...new Set(names)] };
        }
        return b;
      }
      case 'else_clause':
        return stmt(s.children[0], next, ctx, depth);
      case 'while_statement': {
        const head = mk('nop', child(s, 'condition'));
        head.loopHead = true;
        head.widen = { exit: next, stmt: s };
        const body = stmt(child(s, 'body')!, head.id, loopCtx(ctx, next, head.id), depth);
        head.succ = [cond(child(s, 'condition')!, body, next)];
        const ring = ringWalk(s);
        const test = nodes[head.succ[0]];
        if (ring && test.kind === 'branch') test.ring = ring;
        else if (test.kind === 'branch') test.loopTest = { kind: 'while', stmt: s };
        return head.id;
      }
      case 'do_statement': {
        const head = mk('nop', child(s, 'condition'));
        head.loopHead = true;
        head.widen = { exit: next, stmt: s };
        const c = cond(child(s, 'condition')!, head.id, next);
        if (nodes[c].kind === 'branch') nodes[c].loopTest = { kind: 'do', stmt: s };
        const body = stmt(child(s, 'body')!, c, loopCtx(ctx, next, c), depth);
        head.succ = [body];
        return head.id;
      }
      case 'for_statement': {
        const site = sites.get(s.start);
        const bodyAst = child(s, 'body');
        if (site?.kind === 'iterator') {
          const loop = ++loops;
          const nextNode = mk('iter-next', s);
          nextNode.site = site;
          nextNode.loop = loop;
          nextNode.loopHead = true;
          nextNode.range = { ...rangeOf(s), end: { line: s.startLine, column: s.startCol + (site.end - site.start) }, endIndex: site.end };
          const body = bodyAst ? stmt(bodyAst, nextNode.id, loopCtx(ctx, next, nextNode.id), depth) : nextNode.id;
          nextNode.succ = [body, next];
          const init = mk('iter-init', s, [nextNode.id]);
          init.site = site;
          init.loop = loop;
          init.range = nextNode.range;
          return init.id;
        }
        const head = mk('nop', s);
        head.loopHead = true;
        const update = child(s, 'update');
        const upd = update ? mk('stmt', update, [head.id]).id : head.id;
        const body = bodyAst ? stmt(bodyAst, upd, loopCtx(ctx, next, upd), depth) : upd;
        const c = child(s, 'condition');
        head.succ = [c ? cond(c, body, next) : body];
        if (c) head.widen = { exit: next, stmt: s };
        const init = child(s, 'initializer');
        if (!init) return head.id;
        return mk(init.type === 'declaration' ? 'decl' : 'stmt', init, [head.id]).id;
      }
      case 'switch_statement': {
        const sw = mk('switch', child(s, 'condition'));
        const body = child(s, 'body');
        const cases = (body?.children ?? []).filter((c) => c.type === 'case_statement');
        const inner: Ctx = { ...ctx, breakTo: next };
        const entries: number[] = [];
        const values: (Ast | null)[] = [];
        let fall = next;
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i];
          const value = child(c, 'value') ?? null;
          const stmts = c.children.filter((x) => x !== value && x.type !== 'comment');
          fall = seq(stmts, fall, inner, depth + 1);
          entries.unshift(fall);
          values.unshift(value);
        }
        if (!values.some((v) => v === null)) {
          entries.push(next);
          values.push(null);
        }
        sw.succ = entries;
        sw.cases = values;
        // Cases that only set stored-only locals and break (`case X: reason = R; break;`). The
        // discriminant is evaluated once whichever case runs.
        {
          const targets: number[] = [];
          const names: string[] = [];
          cases.forEach((c, i) => {
            const value = child(c, 'value');
            const stmts = c.children.filter((x) => x !== value && x.type !== 'comment');
            if (stmts.at(-1)?.type !== 'break_statement' || stmts.length < 2) return;
            const assigned = armAssigns(...stmts.slice(0, -1));
            if (!assigned?.length || !assigned.every((n) => dataOnly().get(n))) return;
            targets.push(entries[i]);
            names.push(...assigned);
          });
          if (new Set(targets).size >= 2) sw.eitherCases = { targets: [...new Set(targets)], join: next, names: [...new Set(names)] };
        }
        return sw.id;
      }
      case 'return_statement': {
        const r = mk('return', s);
        r.succ = [unwind(ctx, 0, exit.id)];
        return r.id;
      }
      case 'goto_statement': {
        const g = mk('nop', s);
        const label = child(s, 'label')?.text ?? '';
        g.label = label;
        gotos.push({ node: g, label });
        return g.id;
      }
      case 'labeled_statement': {
        const label = child(s, 'label')?.text ?? '';
        const inner = s.children.filter((c) => c.field !== 'label');
        const body = seq(inner, next, ctx, depth);
        const l = mk('nop', s, [body]);
        l.range = { ...rangeOf(s), end: { line: s.startLine, column: s.startCol + label.length + 1 }, endIndex: s.start + label.length + 1 };
        l.label = label;
        labels.set(label, l.id);
        return l.id;
      }
      case 'break_statement': {
        const n = mk('nop', s, [ctx.breakTo ?? next]);
        return n.id;
      }
      case 'continue_statement': {
        const n = mk('nop', s, [ctx.continueTo ?? next]);
        return n.id;
      }
      default:
        // Anything else that can stand as a statement (preprocessor blocks inside bodies, attributed
        // statements) is walked for the statements it holds.
        if (s.type.startsWith('preproc_')) {
          const inner = s.children.filter((c) => c.field !== 'condition' && c.field !== 'name' && !c.type.startsWith('preproc_arg'));
          return seq(inner, next, ctx, depth);
        }
        if (s.type === 'attributed_statement') return seq(s.children.filter((c) => c.type !== 'attribute_declaration'), next, ctx, depth);
        return mk('stmt', s, [next]).id;
    }
  };

  const body = child(def, 'body');
  const first = body ? stmt(body, exit.id, { scopes: [] }, 0) : exit.id;
  entry.succ = [first];
  const unresolved: string[] = [];
  for (const { node, label } of gotos) {
    const target = labels.get(label);
    if (target === undefined) {
      unresolved.push(label);
      node.succ = [exit.id];
    } else {
      node.succ = [target];
      // A jump back (`retry:` ... `goto retry;`) makes a loop: its label counts against the loop bound.
      const at = nodes[target].ast;
      if (at && node.ast && at.start < node.ast.start) nodes[target].loopHead = true;
    }
  }
  // Which loops are written inside which: by the statements the heads stand for.
  const loopStmt = (n: CfgNode): Ast | undefined => n.widen?.stmt ?? (n.kind === 'iter-next' || n.ast?.type === 'for_statement' ? n.ast : undefined);
  const heads = nodes.filter((n) => n.loopHead && loopStmt(n));
  for (const h of heads) {
    const outer = loopStmt(h)!;
    const inner = heads.filter((o) => o !== h && loopStmt(o) !== outer && loopStmt(o)!.start >= outer.start && loopStmt(o)!.end <= outer.end).map((o) => o.id);
    if (inner.length) h.inner = inner;
  }
  const { name: _n, pointer } = declaratorName(child(def, 'declarator'));
  const rt = typeName(child(def, 'type'));
  return {
    name: functionName(def) ?? '<anonymous>',
    nodes,
    entry: entry.id,
    exit: exit.id,
    params: params(def),
    returnType: pointer > 0 ? `${rt} *` : rt,
    range: rangeOf(def),
    unresolved,
  };
}

const EFFECTS: ReadonlySet<string> = new Set(['call_expression', 'assignment_expression', 'update_expression', 'comma_expression']);

/** @e has no call (a macro call included) and no assignment in it. */
function effectFree(e: Ast): boolean {
  return !EFFECTS.has(e.type) && e.children.every(effectFree);
}

/**
 * flagTest - @e is a `&&`/`||` of two or more tests of the members of one record and constants
 * (`req->lpig && !req->rd_req && !req->wr_req`): no call, no assignment, no local tested on its own,
 * every member read from the same record (not `dev->iommu && dev->iommu->param`, a walk of
 * pointers). Which operand decided it changes nothing a path does next but the value of members
 * that the record's later tests read again (and decide then).
 */
function flagTest(e: Ast): boolean {
  if (e.type !== 'binary_expression' || (e.op !== '&&' && e.op !== '||') || !effectFree(e)) return false;
  const bases = new Set<string>();
  let leaves = 0;
  const leaf = (x: Ast): boolean => {
    while ((x.type === 'parenthesized_expression' && x.children.length === 1) || (x.type === 'unary_expression' && x.op === '!')) x = x.children[0];
    if (x.type === 'binary_expression' && (x.op === '&&' || x.op === '||')) return x.children.every(leaf);
    leaves++;
    return operand(x);
  };
  const operand = (x: Ast): boolean => {
    while (x.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
    if (x.type === 'field_expression') {
      // The record the member is read from, as written: `req` for req->lpig, `dev->iommu` for
      // dev->iommu->param (a different record: the test then walks pointers, not flags).
      const b = child(x, 'argument');
      let root = b;
      while (root?.type === 'field_expression') root = child(root, 'argument');
      if (!b || root?.type !== 'identifier') return false;
      bases.add(b.text!);
      return true;
    }
    // Flags combined or compared with constants: `req->rd_req | req->wr_req`, `d->type == T_X`.
    if (x.type === 'binary_expression' && x.op !== '&&' && x.op !== '||') {
      return x.children.filter((c) => c.field === 'left' || c.field === 'right')
        .every((c) => operand(c) || c.type === 'number_literal' || (c.type === 'identifier' && /^[A-Z][A-Z0-9_]*$/.test(c.text!)));
    }
    return false;
  };
  return e.children.every(leaf) && leaves >= 2 && bases.size === 1;
}

/**
 * The locals the arms of an `if` assign (`perm |= IOMMU_FAULT_PERM_READ;`), when that is all each arm
 * does: expression statements assigning an effect-free value to a plain identifier.
 */
function armAssigns(...arms: (Ast | undefined)[]): string[] | undefined {
  const names: string[] = [];
  for (const arm of arms) {
    if (!arm) continue;
    const stmts = arm.type === 'compound_statement' ? arm.children.filter((c) => c.type !== 'comment') : [arm];
    for (const st of stmts) {
      const e = st.type === 'expression_statement' && st.children.length === 1 ? st.children[0] : undefined;
      if (e?.type !== 'assignment_expression') return undefined;
      const left = child(e, 'left');
      const right = child(e, 'right');
      // Nothing read through a pointer either: a dereference is followed on every path.
      if (left?.type !== 'identifier' || !right || !effectFree(right) || reads(right)) return undefined;
      names.push(left.text!);
    }
  }
  return names;
}

/**
 * ringWalk - the index and end of a `while (index != end)` loop that consumes a ring: its body
 * assigns index only as the next entry, wrapped (`index = (index + size) & MASK` or `% SIZE`), and
 * never assigns end. Such a loop runs once per descriptor between them.
 */
function ringWalk(s: Ast): { index: string; end: string } | undefined {
  let c = child(s, 'condition');
  while (c?.type === 'parenthesized_expression' && c.children.length === 1) c = c.children[0];
  if (c?.type !== 'binary_expression' || c.op !== '!=') return undefined;
  const [a, b] = c.children.filter((x) => x.field === 'left' || x.field === 'right');
  if (a?.type !== 'identifier' || b?.type !== 'identifier') return undefined;
  const body = child(s, 'body');
  if (!body) return undefined;
  let advances = 0;
  let other = false;
  const visit = (n: Ast) => {
    if (n.type === 'assignment_expression' || n.type === 'update_expression') {
      const target = n.type === 'assignment_expression' ? child(n, 'left') : n.children.find((x) => x.type === 'identifier');
      if (target?.type === 'identifier' && target.text === b.text) other = true;
      if (target?.type === 'identifier' && target.text === a.text) {
        const right = n.type === 'assignment_expression' ? child(n, 'right') : undefined;
        if (n.op === '=' && right && wraps(right, a.text!)) advances++;
        else other = true;
      }
    }
    n.children.forEach(visit);
  };
  visit(body);
  return advances === 1 && !other ? { index: a.text!, end: b.text! } : undefined;
}

/** @e is `(index + step) & MASK` or `(index + step) % SIZE`: the next entry of a ring. */
function wraps(e: Ast, index: string): boolean {
  while (e.type === 'parenthesized_expression' && e.children.length === 1) e = e.children[0];
  if (e.type !== 'binary_expression' || (e.op !== '&' && e.op !== '%')) return false;
  let sum = e.children.find((x) => x.field === 'left');
  while (sum?.type === 'parenthesized_expression' && sum.children.length === 1) sum = sum.children[0];
  return sum?.type === 'binary_expression' && sum.op === '+' && sum.children.some((x) => x.type === 'identifier' && x.text === index);
}

const READS: ReadonlySet<string> = new Set(['field_expression', 'pointer_expression', 'subscript_expression']);

/** @e reads memory (a member, a dereference, an element). */
function reads(e: Ast): boolean {
  return READS.has(e.type) || e.children.some(reads);
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '|', '&', '^', '<<', '>>', '~']);

/**
 * dataOnlyLocals - for each local (or parameter) of @def, whether the function only stores it: every
 * read of it, through arithmetic, ends in an initializer (`.perm = perm`), in a store to memory
 * (`x->f = v`, `a[i] = v`) or in an assignment to itself. One never tested, returned, passed to a
 * call, indexed with or addressed decides nothing on a path.
 */
function dataOnlyLocals(def: Ast): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const declared = new Set<string>();
  const anc: Ast[] = [];
  const use = (n: Ast): boolean => {
    const p = anc[anc.length - 1];
    if ((p.type === 'init_declarator' || p.type === 'declaration' || p.type === 'parameter_declaration') && n.field === 'declarator') {
      declared.add(n.text!);
      return true;
    }
    if (p.type === 'assignment_expression' && n.field === 'left') return true;
    let cur = n;
    let i = anc.length - 1;
    for (; i >= 0; i--) {
      const a = anc[i];
      const arith = (a.type === 'binary_expression' || a.type === 'unary_expression') && ARITHMETIC.has(a.op ?? '');
      if (!arith && a.type !== 'parenthesized_expression' && a.type !== 'cast_expression') break;
      cur = a;
    }
    const consumer = anc[i];
    if (!consumer) return false;
    if (consumer.type === 'initializer_pair' || consumer.type === 'initializer_list') return true;
    if (consumer.type === 'assignment_expression' && cur.field === 'right') {
      const left = child(consumer, 'left');
      return left?.type === 'field_expression' || left?.type === 'subscript_expression' || left?.type === 'identifier';
    }
    return false;
  };
  const walk = (n: Ast) => {
    if (n.type === 'identifier' && n.text) {
      const ok = anc.length > 0 && use(n);
      out.set(n.text, (out.get(n.text) ?? true) && ok);
      return;
    }
    anc.push(n);
    for (const c of n.children) walk(c);
    anc.pop();
  };
  walk(def);
  // An assignment to another local passes the value on: that local must be data only too.
  const flows = new Map<string, string[]>();
  const collect = (n: Ast) => {
    if (n.type === 'assignment_expression') {
      const left = child(n, 'left');
      const right = child(n, 'right');
      if (left?.type === 'identifier' && right) {
        const reads: string[] = [];
        const ids = (x: Ast) => (x.type === 'identifier' && x.text ? reads.push(x.text) : x.children.forEach(ids));
        ids(right);
        for (const r of reads) if (r !== left.text) flows.set(r, [...(flows.get(r) ?? []), left.text!]);
      }
    }
    n.children.forEach(collect);
  };
  collect(def);
  for (let changed = true; changed;) {
    changed = false;
    for (const [from, to] of flows) {
      if (out.get(from) && to.some((t) => !out.get(t) || !declared.has(t))) {
        out.set(from, false);
        changed = true;
      }
    }
  }
  for (const name of [...out.keys()]) if (!declared.has(name)) out.set(name, false);
  return out;
}

/** childrenOf re-exported for callers that walk CFG node ASTs. */
export { childrenOf };
