// What a contract is: the effect of a kernel function (or of a call through a struct field) on the
// machine, applied where the workspace has no body for it, and for primitives always.
import type { Ast } from '../parse/ast';
import type { Obj, Value } from './world';
import { CONSTANTS } from './constants';
import type { Gen, Machine } from '../sim/machine';

export type Contract = (m: Machine, args: Value[], argAsts: Ast[], at: Ast) => Gen<Value>;
export type FieldContract = (m: Machine, args: Value[], argAsts: Ast[], at: Ast, base: Obj | undefined) => Gen<Value>;

/** The object @v points to (created on first use when the pointer is unknown), or undefined. */
export const obj = (m: Machine, v: Value, at: Ast, hint = '?'): Obj | undefined => (v.k === 'ptr' || v.k === 'sym' ? m.deref(v, at, hint) : undefined);
/** The allocation flags say the call may sleep. */
export const gfpSleeps = (argAsts: Ast[], m: Machine): boolean => argAsts.some((a) => /GFP_KERNEL/.test(m.src(a)));
export const isNull = (v: Value): boolean => v.k === 'int' && v.v === 0;

/**
 * An allocating call that returns ERR_PTR(-ENOMEM) when it fails: the failure, on the branch where
 * it does. @settled: every kernel this model reads fails it with an ERR_PTR() (a dereference of it
 * untested is a bug); a call whose failure convention changed between kernels (NULL before) gives
 * no such verdict, since the tree's callers test it as their kernel returns it.
 */
export function mayFailNoMem(m: Machine, at: Ast, name: string, settled = true): Value | undefined {
  if (m.oracle.choose(2) !== 1) return undefined;
  m.step(at, `${name}() fails`, 'ERR_PTR(-ENOMEM)');
  const err: Value = { k: 'err', code: -CONSTANTS.ENOMEM };
  if (settled) err.why = `${name}() returned ERR_PTR(-ENOMEM) at line ${at.startLine + 1}`;
  return err;
}
