// rbtree.h: red-black trees, which the model does not shape. What it keeps is what the path read of
// a tree's root; rb_erase() rebalances the tree, so a walk after it starts from a root the path no
// longer knows, and the node it erased is not met again through what it read before.
import { type Value, ZERO } from '../world';
import type { Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';
import type { Ast } from '../../parse/ast';

function forgetRoot(m: Machine, root: Value | undefined, at: Ast, cached: boolean): void {
  const r = root && obj(m, root, at, cached ? 'rb_root_cached' : 'rb_root');
  if (!r) return;
  if (cached) {
    r.fields.set('rb_leftmost', m.world.sym('rb_leftmost'));
    const inner = m.readField(r, 'rb_root');
    if (inner.k === 'ptr') m.world.obj(inner.obj).fields.set('rb_node', m.world.sym('rb_node'));
  } else {
    r.fields.set('rb_node', m.world.sym('rb_node'));
  }
}

export const RBTREE: Record<string, Contract> = {
  *rb_erase(m, a, _as, at) {
    yield { kind: 'sched' };
    forgetRoot(m, a[1], at, false);
    m.step(at, 'rb_erase()', 'node erased: the tree is rebalanced');
    return ZERO;
  },
  *rb_erase_cached(m, a, _as, at) {
    yield { kind: 'sched' };
    forgetRoot(m, a[1], at, true);
    m.step(at, 'rb_erase_cached()', 'node erased: the tree is rebalanced');
    return ZERO;
  },
};
