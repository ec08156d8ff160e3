// api/err-ptr-check: a pointer from a function that reports failure with ERR_PTR() and never
// returns NULL, tested only against NULL (the error sails through as a valid pointer); and one from
// a function that returns NULL and never ERR_PTR(), tested only with IS_ERR() (NULL sails through).
// Functions that may return both are never flagged: their callers need IS_ERR_OR_NULL() anyway.
import type { ParsedFile, FunctionDef } from '../parse/source';
import { astOf, cfgOf } from '../parse/source';
import { Ast, rangeOf, walk } from '../parse/ast';
import type { Finding, TraceStep } from '../types';
import { RULES } from '../rules/rules';
import { callArgs, callName, conditionOf, exec, solve, strip, Vars } from './flow';
import { Contracts, ERR, NUL, Origin, pointerDomain, pointerTest, PV } from './contracts';

const RULE = 'api/err-ptr-check';

const ERR_TESTS = new Set(['IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR_OR_ZERO']);

/** The keys an expression subtree tests for an error (IS_ERR(p), IS_ERR_OR_NULL(p), PTR_ERR_OR_ZERO(p)). */
function errTested(root: Ast, vars: Vars): Set<string> {
  const out = new Set<string>();
  walk(root, (n) => {
    const name = callName(n);
    if (name && ERR_TESTS.has(name)) {
      const k = vars.key(callArgs(n)[0]);
      if (k) out.add(k);
    }
  });
  return out;
}

/** The keys an expression subtree compares with NULL anywhere (`!p`, `p == NULL`, `p ? :`, IS_ERR_OR_NULL(p)). */
function nullTested(root: Ast, vars: Vars): Set<string> {
  const out = new Set<string>();
  const add = (e: Ast | undefined) => {
    const k = vars.key(e);
    if (k) out.add(k);
  };
  walk(root, (n) => {
    if (n.type === 'unary_expression' && n.op === '!') add(n.children[0]);
    else if (n.type === 'binary_expression' && (n.op === '==' || n.op === '!=' || n.op === '&&' || n.op === '||')) n.children.forEach(add);
    else if (n.type === 'conditional_expression') add(n.children.find((c) => c.field === 'condition'));
    else if (n.type === 'if_statement' || n.type === 'while_statement') add(strip(n.children.find((c) => c.field === 'condition')));
    else if (callName(n) === 'IS_ERR_OR_NULL') add(callArgs(n)[0]);
  });
  return out;
}

const oneLine = (s: string, max = 90) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** checkErrPtr - the api/err-ptr-check findings of @fn. */
export function checkErrPtr(fn: FunctionDef, file: ParsedFile, contracts: Contracts): Finding[] {
  const def = astOf(fn, file);
  const cfg = cfgOf(fn, file);
  const vars = new Vars(def);
  const origins = new Map<number, Origin>();
  const d = pointerDomain((n) => contracts.contract(n, fn.file), origins);
  // Nothing to say about a function that calls no function with a decided contract.
  let any = false;
  walk(def, (n) => {
    if (any) return false;
    const name = callName(n);
    if (name && contracts.contract(name, fn.file)) any = true;
    return undefined;
  });
  if (!any) return [];
  const IN = solve(cfg, d, vars);
  if (!IN) return [];
  const errChecked = errTested(def, vars);
  const nullChecked = nullTested(def, vars);
  const out: Finding[] = [];
  for (const node of cfg.nodes) {
    if (node.kind !== 'branch' || !node.ast) continue;
    const before = IN.get(node.id);
    if (!before) continue;
    const t = pointerTest(node.ast);
    const key = t && vars.key(t.operand);
    if (!t || !key) continue;
    const st = new Map(before);
    exec(node.ast, st, d, vars);
    const v: PV | undefined = st.get(key);
    if (!v || v.u) continue;
    const cond = conditionOf(def, node.ast);
    const whole = (cond?.type === 'parenthesized_expression' && cond.children.length === 1 ? cond.children[0] : cond) ?? node.ast;
    let bad: Origin[] = [];
    let message = '';
    let detail = '';
    if (t.test === 'null' && v.m & ERR && !(v.m & NUL) && !errChecked.has(key)) {
      bad = v.o.map((o) => origins.get(o)!).filter((o) => o?.contract.kind === 'err');
      const names = [...new Set(bad.map((o) => `${o.name}()`))].join(' or ');
      message = `${key} is tested against NULL, but it holds the result of ${names}, which returns an ERR_PTR() on failure and never NULL: the error passes this test as a valid pointer (test it with IS_ERR())`;
      detail = 'an ERR_PTR() value is not NULL: the failure goes on as a valid pointer';
    } else if (t.test === 'err' && v.m & NUL && !(v.m & ERR) && !nullChecked.has(key)) {
      bad = v.o.map((o) => origins.get(o)!).filter((o) => o?.contract.kind === 'null');
      const names = [...new Set(bad.map((o) => `${o.name}()`))].join(' or ');
      message = `${key} is tested with IS_ERR() only, but it holds the result of ${names}, which returns NULL on failure and never an ERR_PTR(): IS_ERR(NULL) is false, so the failure passes this test as a valid pointer (test it for NULL)`;
      detail = 'IS_ERR(NULL) is false: the failure goes on as a valid pointer';
    }
    if (!bad.length) continue;
    const trace: TraceStep[] = bad.sort((a, b) => a.call.start - b.call.start).slice(0, 4).map((o) => ({
      file: fn.file, line: o.call.startLine + 1, range: rangeOf(o.call), function: fn.name,
      op: oneLine(file.text.slice(o.call.start, o.call.end)),
      detail: `${o.name}() returns ${o.contract.kind === 'err' ? 'an ERR_PTR() on failure, never NULL' : 'NULL on failure, never an ERR_PTR()'} (${o.contract.why})`,
    }));
    trace.push({
      file: fn.file, line: node.ast.startLine + 1, range: rangeOf(whole), function: fn.name,
      op: `if (${oneLine(file.text.slice(whole.start, whole.end))})`, detail,
    });
    out.push({
      rule: RULE, severity: RULES[RULE]?.severity ?? 'error', file: fn.file, line: node.ast.startLine + 1,
      column: node.ast.startCol + 1, function: fn.name, message, trace,
    });
  }
  return out;
}
