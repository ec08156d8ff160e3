// list.h and container_of(): doubly linked lists as the model's ordered membership.
import type { Ast } from '../../parse/ast';
import { type Value, ZERO, int, ptr } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

function* listAdd(m: Machine, a: Value[], at: Ast, tail: boolean, name = tail ? 'list_add_tail' : 'list_add'): Gen<Value> {
  yield { kind: 'sched' };
  const node = obj(m, a[0], at, 'list_head');
  const head = obj(m, a[1], at, 'list_head');
  if (!node || !head) return ZERO;
  m.touch(node, at, 'links');
  m.touch(head, at, 'links into');
  m.noteListAccess(node.id, true, at, `${name}()`);
  m.noteListAccess(head.id, true, at, `${name}()`);
  m.world.listAdd(node.id, head.id, tail);
  m.step(at, `${name}()`, `${m.world.name(m.world.root(node.id).id)} on ${m.world.name(head.id)}`);
  return ZERO;
}

function* listDel(m: Machine, a: Value[], at: Ast, poison: boolean): Gen<Value> {
  yield { kind: 'sched' };
  const node = obj(m, a[0], at, 'list_head');
  if (!node) return ZERO;
  m.touch(node, at, 'unlinks');
  m.noteListAccess(node.id, true, at, poison ? 'list_del()' : 'list_del_init()');
  const was = m.world.nodeOn.get(node.id);
  if (was !== undefined) m.noteListAccess(was, true, at, poison ? 'list_del()' : 'list_del_init()');
  m.world.listRemove(node.id);
  if (poison) m.world.poisoned.add(node.id);
  m.step(at, poison ? 'list_del()' : 'list_del_init()', `${m.world.name(m.world.root(node.id).id)} unlinked`);
  return ZERO;
}

function* containerOf(m: Machine, as: Ast[]): Gen<Value> {
  const v = yield* m.arg(as, 0);
  const type = as[1] ? m.src(as[1]).replace(/^\s*struct\s+/, '').trim() : '?';
  const member = as[2] ? m.src(as[2]).trim() : '?';
  return containerOfValue(m, v, type, member);
}

/** container_of(@v, @type, @member): the @type object @v is the @member of. */
export function containerOfValue(m: Machine, v: Value, type: string, member: string): Value {
  if (v.k === 'ptr') {
    const o = m.world.obj(v.obj);
    // Only the member the object is maps back to its container: container_of(p, T, other) of an
    // object embedded as `member` elsewhere is not that container.
    if (o.parent && (o.parent.field === member || !/^\w+$/.test(member))) return ptr(o.parent.obj);
    if (o.parent) {
      // Some other container, not known: but not NULL, as the member's pointer is not.
      const c = m.world.sym(`container_of(${type})`);
      if (c.k === 'sym') m.world.symTruth.set(c.id, true);
      return c;
    }
    // A world object seen through its member: create its container.
    const c = m.world.alloc(type, 'world');
    m.world.objs.get(v.obj)!.parent = { obj: c.id, field: member };
    c.fields.set(member, ptr(v.obj));
    return ptr(c.id);
  }
  // The container of an unknown pointer is NULL when the member's pointer is (an rb_find() miss):
  // kernel code tests the one it has, and both mean "not found".
  return m.nullWith(m.world.sym(`container_of(${type})`), v);
}

export const LIST: Record<string, Contract> = {
  *INIT_LIST_HEAD(m, a, _as, at) {
    const o = obj(m, a[0], at, 'list_head');
    if (o) {
      m.world.listRemove(o.id);
      m.world.lists.set(o.id, []);
      m.world.poisoned.delete(o.id);
    }
    return ZERO;
  },
  *list_add(m, a, _as, at) { return yield* listAdd(m, a, at, false); },
  *list_add_tail(m, a, _as, at) { return yield* listAdd(m, a, at, true); },
  *list_del(m, a, _as, at) { return yield* listDel(m, a, at, true); },
  *list_del_init(m, a, _as, at) { return yield* listDel(m, a, at, false); },
  *list_move(m, a, _as, at) { return yield* listAdd(m, a, at, false, 'list_move'); },
  *list_move_tail(m, a, _as, at) { return yield* listAdd(m, a, at, true, 'list_move_tail'); },
  *list_empty(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = obj(m, a[0], at, 'list_head');
    if (!o) return int(1);
    m.touch(o, at, 'tests');
    m.noteListAccess(o.id, false, at, 'list_empty()');
    m.listOf(o);
    return int(m.world.listEmpty(o.id) ? 1 : 0);
  },
  *list_count_nodes(m, a, _as, at) {
    const o = obj(m, a[0], at, 'list_head');
    return int(o ? m.world.listMembers(o.id).length : 0);
  },
  *list_splice_init(m, a, _as, at) {
    const from = obj(m, a[0], at);
    const to = obj(m, a[1], at);
    if (from && to) for (const n of [...m.world.listMembers(from.id)].reverse()) m.world.listAdd(n, to.id);
    return ZERO;
  },
  *list_first_entry(m, _a, as, at) {
    const h = obj(m, yield* m.arg(as, 0), at, 'list_head');
    const first = h ? m.listOf(h, as[2] ? m.src(as[2]).trim() : undefined)[0] : undefined;
    if (first === undefined) return m.world.sym(`list_first_entry(${m.src(as[0])})`);
    return ptr(m.world.obj(first).parent?.obj ?? first);
  },
  *list_first_entry_or_null(m, _a, as, at) {
    const h = obj(m, yield* m.arg(as, 0), at, 'list_head');
    const first = h ? m.listOf(h, as[2] ? m.src(as[2]).trim() : undefined)[0] : undefined;
    if (first === undefined) return ZERO;
    return ptr(m.world.obj(first).parent?.obj ?? first);
  },
  *container_of(m, _a, as) { return yield* containerOf(m, as); },
  *list_entry(m, _a, as) { return yield* containerOf(m, as); },
};
