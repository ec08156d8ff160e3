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

/**
 * A search of a tree the model does not shape, by a comparison callback that reads keys and changes
 * nothing: it finds a node or NULL, one unknown, whatever path down the tree it took.
 */
function* search(m: Machine, name: string, as: Ast[], at: Ast): Generator<never, Value> {
  const found = m.world.sym(`${name}(${as[0] ? m.src(as[0]) : ''})`);
  m.step(at, `${name}()`, 'a search of the tree by its comparison callback: it finds a node, or NULL');
  return found;
}

/** The searches: they read a tree and change nothing (sim/inert.ts). */
export const RB_SEARCHES: readonly string[] = ['rb_find', 'rb_find_first'];

export const RBTREE: Record<string, Contract> = {
  *rb_find(m, _a, as, at) { return yield* search(m, 'rb_find', as, at); },
  *rb_find_first(m, _a, as, at) { return yield* search(m, 'rb_find_first', as, at); },
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
