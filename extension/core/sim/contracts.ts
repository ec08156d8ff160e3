// This file mirrors what the IOPF/SVA core and the kernel primitives promise their callers: the
// contract applied when a callee has no body in the workspace (and, for primitives, always).
import { rangeOf, type Ast } from '../parse/ast';
import { CONSTANTS, responseName } from '../model/constants';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import { Cut, Gen, Machine } from './machine';
import { PUTTER_OF, REF_GETTERS, REF_PUTTERS, type RefGetter } from '../model/refs';

type Contract = (m: Machine, args: Value[], argAsts: Ast[], at: Ast) => Gen<Value>;
type FieldContract = (m: Machine, args: Value[], argAsts: Ast[], at: Ast, base: Obj | undefined) => Gen<Value>;

const obj = (m: Machine, v: Value, at: Ast, hint = '?'): Obj | undefined => (v.k === 'ptr' || v.k === 'sym' ? m.deref(v, at, hint) : undefined);
const gfpSleeps = (argAsts: Ast[], m: Machine): boolean => argAsts.some((a) => /GFP_KERNEL/.test(m.src(a)));
const isNull = (v: Value): boolean => v.k === 'int' && v.v === 0;

// -- memory ---------------------------------------------------------------------------------------

function* allocate(m: Machine, argAsts: Ast[], at: Ast, zeroed: boolean, what: string): Gen<Value> {
  if (gfpSleeps(argAsts, m)) m.mightSleep(at, `${what}(GFP_KERNEL)`);
  yield { kind: 'sched' };
  if (m.oracle.choose(2) === 1) {
    m.step(at, `${what}() fails`, 'returns NULL');
    return ZERO;
  }
  const o = m.world.alloc('?', zeroed ? 'zeroed' : 'heap', at.startLine + 1);
  o.allocAt = { file: m.frame().file, range: rangeOf(at) };
  // Device-managed memory is freed with its device: never a leak of the path.
  if (what.startsWith('devm_')) o.owner = 'devm';
  m.step(at, `${what}()`, `allocates #${o.id}`);
  return ptr(o.id);
}

function* free(m: Machine, v: Value, at: Ast, how: 'kfree' | 'rcu'): Gen<Value> {
  if (isNull(v)) return ZERO;
  if (v.k !== 'ptr') return ZERO;
  yield { kind: 'sched' };
  // kfree(&obj->member) frees obj when the member comes first, as iopf_group's last_fault and
  // iommufd's obj do: the model frees the container and lets later uses show what that means.
  const o = m.world.root(v.obj);
  if (o.alloc === 'stack' && !o.freed) {
    m.report('iopf/use-after-free', `${how === 'rcu' ? 'kfree_rcu' : 'kfree'}() of ${m.world.name(o.id)}, which lives on the stack`, at);
    return ZERO;
  }
  if (o.freed) {
    const rule = o.type === 'iopf_group' ? 'iopf/group-double-free' : 'iopf/use-after-free';
    m.report(rule, `${m.world.name(o.id)} is freed a second time`, at);
    throw new Cut('stop');
  }
  o.freed = how;
  o.freedStep = m.steps.length;
  if (how === 'rcu') {
    o.rcuReaders = new Set(m.world.threads.filter((t) => t.rcuDepth > 0 && t.id !== m.tid).map((t) => t.id));
    if (m.world.thread(m.tid).rcuDepth > 0) o.rcuReaders.add(m.tid);
  }
  m.step(at, `${how === 'rcu' ? 'kfree_rcu' : 'kfree'}(${m.world.name(o.id)})`, how === 'rcu' ? 'freed after the next grace period' : 'freed');
  return ZERO;
}

// -- refcount_t -----------------------------------------------------------------------------------

function refObj(m: Machine, v: Value, at: Ast): Obj | undefined {
  const o = obj(m, v, at, 'refcount_t');
  if (!o) return undefined;
  m.touch(o, at, 'uses the refcount of');
  m.refTouched.add(m.world.root(o.id).id);
  return o;
}

function refName(m: Machine, o: Obj): string {
  return m.world.name(o.id);
}

// -- page requests --------------------------------------------------------------------------------

/** The device's request a response or event designates: by grpid when known, else the only one waiting. */
function findRequest(m: Machine, grpid: Value | undefined) {
  const reqs = m.world.requests;
  if (grpid?.k === 'int') {
    const r = reqs.find((q) => q.grpid === grpid.v && q.last) ?? reqs.find((q) => q.grpid === grpid.v);
    if (r) return r;
  }
  const waiting = reqs.filter((q) => q.last && q.responses.length === 0);
  return waiting[0] ?? reqs[0];
}

/** Sends a page response to the device, checking it is the request's first and that it answers a last page. */
export function respond(m: Machine, grpid: Value | undefined, code: Value | undefined, at: Ast, via: string): void {
  const r = findRequest(m, grpid);
  const c = code?.k === 'int' ? code.v : undefined;
  if (!r) {
    m.step(at, via, `response ${responseName(c)} for a request the device did not make`);
    return;
  }
  const label = `grpid ${r.grpid}`;
  if (r.responses.length > 0) {
    r.responses.push({ code: c, line: at.startLine + 1, thread: m.tid });
    m.report('iopf/duplicate-response', `page request ${label} is answered a second time (${responseName(c)}); it was already answered with ${responseName(r.responses[0].code)}`, at);
    return;
  }
  r.responses.push({ code: c, line: at.startLine + 1, thread: m.tid });
  if (!r.last) {
    m.report('iopf/partial-fault-dispatched', `a response is sent for the non-last page request ${label}: partial faults are answered only through their group's last request`, at);
  }
  m.step(at, via, `device: page request ${label} answered with ${responseName(c)}`);
}

function groupGrpid(m: Machine, g: Obj): Value | undefined {
  const last = m.world.sub(g.id, 'last_fault', 'iopf_fault');
  const fault = m.world.sub(last.id, 'fault', 'iommu_fault');
  const prm = m.world.sub(fault.id, 'prm', 'iommu_fault_page_request');
  return prm.fields.get('grpid');
}

function groupFlags(m: Machine, g: Obj): Value | undefined {
  const last = m.world.sub(g.id, 'last_fault', 'iopf_fault');
  const fault = m.world.sub(last.id, 'fault', 'iommu_fault');
  const prm = m.world.sub(fault.id, 'prm', 'iommu_fault_page_request');
  return prm.fields.get('flags');
}

function evtGrpid(m: Machine, evt: Obj): Value | undefined {
  const fault = evt.type === 'iommu_fault' ? evt : m.world.sub(evt.id, 'fault', 'iommu_fault');
  const prm = m.world.sub(fault.id, 'prm', 'iommu_fault_page_request');
  return prm.fields.get('grpid');
}

/** The iommu_fault_param published for @dev (dev->iommu->fault_param), or undefined. */
function faultParamOf(m: Machine, dev: Obj): Obj | undefined {
  const di = dev.fields.get('iommu');
  if (di?.k !== 'ptr') return undefined;
  const fp = m.world.obj(di.obj).fields.get('fault_param');
  return fp?.k === 'ptr' ? m.world.obj(fp.obj) : undefined;
}

function* putParam(m: Machine, fp: Obj, at: Ast): Gen<void> {
  const users = m.world.sub(fp.id, 'users', 'refcount_t');
  m.refTouched.add(fp.id);
  yield { kind: 'sched' };
  m.touch(fp, at, 'drops a reference on');
  const n = users.count ?? 1;
  if (n <= 0) {
    m.report('iopf/refcount-imbalance', `${m.world.name(fp.id)} reference dropped more times than it was taken (refcount underflow)`, at);
    throw new Cut('stop');
  }
  users.count = n - 1;
  m.step(at, `iopf_put_dev_fault_param(${m.world.name(fp.id)})`, `users ${n} -> ${n - 1}`);
  if (users.count === 0) yield* free(m, ptr(fp.id), at, 'rcu');
}

function* freeGroup(m: Machine, g: Obj, at: Ast, withGroup: boolean): Gen<void> {
  m.touch(g, at, 'frees');
  const faults = m.world.sub(g.id, 'faults', 'list_head');
  for (const node of [...m.world.listMembers(faults.id)]) {
    const f = m.world.root(node);
    const last = m.world.sub(g.id, 'last_fault');
    if (f.id === g.id || node === last.id || m.world.obj(node).parent?.obj === last.id) continue;
    m.world.listRemove(node);
    if (!f.freed) yield* free(m, ptr(f.id), at, 'kfree');
  }
  const fp = g.fields.get('fault_param');
  if (fp?.k === 'ptr') yield* putParam(m, m.world.obj(fp.obj), at);
  if (withGroup) yield* free(m, ptr(g.id), at, 'kfree');
}

// -- the table ------------------------------------------------------------------------------------

const C: Record<string, Contract> = {
  kzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kzalloc'),
  kvzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kvzalloc'),
  kcalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kcalloc'),
  devm_kzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'devm_kzalloc'),
  kmalloc: (m, _a, as, at) => allocate(m, as, at, false, 'kmalloc'),
  kmalloc_array: (m, _a, as, at) => allocate(m, as, at, false, 'kmalloc_array'),
  *kmemdup(m, a, as, at) {
    const v = yield* allocate(m, as, at, false, 'kmemdup');
    const src = a[0]?.k === 'ptr' ? m.world.obj(a[0].obj) : undefined;
    if (v.k === 'ptr' && src) {
      m.copyStruct(src, m.world.obj(v.obj));
      m.world.obj(v.obj).type = src.type;
    }
    return v;
  },
  kfree: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  kvfree: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  *kfree_rcu(m, _a, as, at) {
    return yield* free(m, yield* m.arg(as, 0), at, 'rcu');
  },
  *kfree_rcu_mightsleep(m, _a, as, at) {
    return yield* free(m, yield* m.arg(as, 0), at, 'rcu');
  },

  // locks
  *mutex_lock(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_lock_interruptible(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_lock_killable(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_unlock(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_lock(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_irq(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_irqsave(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_bh(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *raw_spin_lock_irqsave(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_unlock(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_irq(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_irqrestore(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_bh(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *raw_spin_unlock_irqrestore(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *mutex_trylock(m, a, _as, at) {
    const id = m.lockOf(a[0], 'mutex', at);
    if (id === undefined) return ZERO;
    const l = m.world.locks.get(id)!;
    if (l.owner !== undefined) return ZERO;
    yield* m.lockAcquire(a[0], 'mutex', at);
    return int(1);
  },

  // RCU
  *rcu_read_lock(m, _a, _as, at) {
    yield { kind: 'sched' };
    m.world.thread(m.tid).rcuDepth++;
    m.step(at, 'rcu_read_lock()', 'enters an RCU read-side critical section');
    return ZERO;
  },
  *rcu_read_unlock(m, _a, _as, at) {
    const t = m.world.thread(m.tid);
    yield { kind: 'sched' };
    if (t.rcuDepth === 0) {
      m.report('lock/imbalance', 'rcu_read_unlock() without rcu_read_lock()', at);
      return ZERO;
    }
    t.rcuDepth--;
    if (t.rcuDepth === 0) {
      for (const o of m.world.objs.values()) {
        if (o.freed === 'rcu' && o.rcuReaders?.delete(m.tid) && o.rcuReaders.size === 0) o.freed = 'reclaimed';
      }
    }
    m.step(at, 'rcu_read_unlock()', 'leaves the RCU read-side critical section');
    return ZERO;
  },
  *rcu_dereference(m, a, _as, at) {
    yield { kind: 'sched' };
    m.step(at, 'rcu_dereference()', m.name(a[0] ?? ZERO));
    return a[0] ?? ZERO;
  },
  *rcu_dereference_check(m, _a, as, at) {
    yield { kind: 'sched' };
    const v = yield* m.arg(as, 0);
    m.step(at, 'rcu_dereference_check()', m.name(v));
    return v;
  },
  *rcu_dereference_protected(m, _a, as, at) {
    const v = yield* m.arg(as, 0);
    m.step(at, 'rcu_dereference_protected()', m.name(v));
    return v;
  },
  *rcu_access_pointer(_m, a) { return a[0] ?? ZERO; },
  *rcu_assign_pointer(m, a, as, at) {
    yield { kind: 'sched' };
    const lv = yield* m.lvalueOf(as[0]);
    if (lv) yield* m.assign(lv, a[1] ?? ZERO, m.frame(), at);
    m.step(at, 'rcu_assign_pointer()', `${m.src(as[0])} = ${m.name(a[1] ?? ZERO)}: published to RCU readers`);
    return ZERO;
  },
  *RCU_INIT_POINTER(m, a, as, at) {
    const lv = yield* m.lvalueOf(as[0]);
    if (lv) yield* m.assign(lv, a[1] ?? ZERO, m.frame(), at);
    return ZERO;
  },
  *synchronize_rcu(m, _a, _as, at) {
    m.mightSleep(at, 'synchronize_rcu()');
    yield { kind: 'sched' };
    for (const o of m.world.objs.values()) if (o.freed === 'rcu' && !(o.rcuReaders?.size)) o.freed = 'reclaimed';
    m.step(at, 'synchronize_rcu()', 'waits for a grace period');
    return ZERO;
  },

  // refcount_t
  *refcount_set(m, a, _as, at) {
    const o = refObj(m, a[0], at);
    if (o && a[1]?.k === 'int') {
      o.count = a[1].v;
      m.step(at, `refcount_set(${refName(m, o)})`, `= ${a[1].v}`);
    }
    return ZERO;
  },
  *refcount_inc(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o || o.count === undefined) return ZERO;
    const n = o.count;
    if (n === 0) m.report('iopf/refcount-imbalance', `refcount_inc() on ${refName(m, o)} at zero: the object is already being freed`, at);
    o.count = n + 1;
    m.step(at, `refcount_inc(${refName(m, o)})`, `${n} -> ${n + 1}`);
    return ZERO;
  },
  *refcount_inc_not_zero(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o) return int(1);
    const n = o.count ?? 1;
    if (n === 0) {
      m.step(at, `refcount_inc_not_zero(${refName(m, o)})`, 'count is 0: no reference taken');
      return ZERO;
    }
    o.count = n + 1;
    m.step(at, `refcount_inc_not_zero(${refName(m, o)})`, `${n} -> ${n + 1}`);
    return int(1);
  },
  *copy_from_user(m, a, _as, at) { return yield* userCopy(m, a[0], at, 'copy_from_user()'); },
  *copy_to_user(m, _a, _as, at) { return yield* userCopy(m, undefined, at, 'copy_to_user()'); },
  *ida_alloc_max(m, a, _as, at) {
    // An id in [0, max], or -ENOMEM/-ENOSPC: with max 0 the only id it can give is 0.
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'ida_alloc_max() fails', '-ENOSPC');
      return int(-CONSTANTS.ENOSPC);
    }
    const max = a[1] ? m.norm(a[1]) : undefined;
    if (max?.k === 'int' && max.v === 0) return ZERO;
    const id = m.world.sym('ida_alloc_max()');
    if (id.k === 'sym') m.nonNegative.add(id.id);
    return id;
  },
  *iommufd_object_alloc(m, _a, _as, at) {
    // A macro around _iommufd_object_alloc(): a zeroed object of the pointer's type, its
    // embedded struct iommufd_object holding the creator's reference.
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommufd_object_alloc() fails', 'ERR_PTR(-ENOMEM)');
      return { k: 'err', code: -CONSTANTS.ENOMEM };
    }
    const o = m.world.alloc('?', 'zeroed', at.startLine + 1);
    const obj = m.world.sub(o.id, 'obj', 'iommufd_object');
    m.world.sub(obj.id, 'users', 'refcount_t').count = 1;
    m.step(at, 'iommufd_object_alloc()', `allocates #${o.id}, obj.users = 1`);
    return ptr(o.id);
  },
  *anon_inode_getfile(m, a, as, at) {
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'anon_inode_getfile() fails', 'ERR_PTR(-ENOMEM)');
      return { k: 'err', code: -CONSTANTS.ENOMEM };
    }
    const f = m.world.alloc('file', 'heap', at.startLine + 1);
    f.fields.set('private_data', a[2] ?? ZERO);
    m.world.sub(f.id, 'f_count', 'refcount_t').count = 1;
    // Which file_operations: the table's name, so its .release can be found in the tree.
    const fops = as[1] ? m.src(as[1]).replace(/^\s*&\s*/, '').trim() : '';
    if (/^\w+$/.test(fops)) f.fields.set('__fops', { k: 'str', s: fops });
    // The file is the caller's: it is not leaked while its reference lives somewhere.
    f.owner = 'file';
    m.step(at, 'anon_inode_getfile()', `${m.world.name(f.id)} with one reference${/^\w+$/.test(fops) ? `, ${fops}` : ''}`);
    return ptr(f.id);
  },
  *get_file(m, a, _as, at) {
    const f = obj(m, a[0], at, 'file');
    if (!f) return a[0] ?? ZERO;
    m.touch(f, at, 'takes a reference on');
    const c = m.world.sub(f.id, 'f_count', 'refcount_t');
    if (c.count !== undefined) c.count++;
    m.step(at, `get_file(${m.world.name(f.id)})`, c.count !== undefined ? `-> ${c.count}` : '');
    return a[0] ?? ZERO;
  },
  *fd_install(m, a, _as, at) {
    const f = obj(m, a[1], at, 'file');
    if (f) m.step(at, 'fd_install()', `${m.world.name(f.id)}'s reference now belongs to the fd table`);
    return ZERO;
  },
  *fput(m, a, _as, at) {
    yield { kind: 'sched' };
    const f = obj(m, a[0], at, 'file');
    if (!f) return ZERO;
    m.touch(f, at, 'puts');
    const c = m.world.sub(f.id, 'f_count', 'refcount_t');
    if (c.count === undefined) return ZERO;
    c.count--;
    m.step(at, `fput(${m.world.name(f.id)})`, `${c.count + 1} -> ${c.count}${c.count === 0 ? ': last reference, .release runs' : ''}`);
    if (c.count > 0) return ZERO;
    // The last reference: the file's .release runs (from task work, before the syscall returns),
    // dropping whatever the file held.
    const fops = f.fields.get('__fops');
    const release = fops?.k === 'str' ? m.opsMember(fops.s, 'release') : undefined;
    if (release && m.ws.cfg(release)) yield* m.runFunction(release, [m.world.sym('inode'), ptr(f.id)], at);
    f.freed = 'kfree';
    f.freedStep = m.steps.length;
    return ZERO;
  },
  *refcount_dec(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o || o.count === undefined) return ZERO;
    const n = o.count;
    if (n <= 1) m.report('iopf/refcount-imbalance', `refcount_dec() drops the last reference on ${refName(m, o)} without freeing it`, at);
    o.count = n - 1;
    m.step(at, `refcount_dec(${refName(m, o)})`, `${n} -> ${n - 1}`);
    return ZERO;
  },
  *refcount_dec_and_test(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = refObj(m, a[0], at);
    if (!o) return ZERO;
    if (o.count === undefined) {
      // A count the scenario does not know: the last reference or not, both are possible.
      return int(m.oracle.choose(2) === 0 ? 0 : 1);
    }
    const n = o.count;
    if (n <= 0) {
      m.report('iopf/refcount-imbalance', `${refName(m, o)} is dropped more times than it was taken (refcount underflow)`, at);
      throw new Cut('stop');
    }
    o.count = n - 1;
    m.step(at, `refcount_dec_and_test(${refName(m, o)})`, `${n} -> ${n - 1}${n === 1 ? ': last reference' : ''}`);
    return int(n === 1 ? 1 : 0);
  },
  *refcount_read(m, a, _as, at) {
    const o = refObj(m, a[0], at);
    return int(o?.count ?? 1);
  },

  // lists
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
  *list_move(m, a, _as, at) { return yield* listAdd(m, a, at, false); },
  *list_move_tail(m, a, _as, at) { return yield* listAdd(m, a, at, true); },
  *list_empty(m, a, _as, at) {
    yield { kind: 'sched' };
    const o = obj(m, a[0], at, 'list_head');
    if (!o) return int(1);
    m.touch(o, at, 'tests');
    m.noteListAccess(o.id, false, at, 'list_empty()');
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
    const first = h ? m.world.listMembers(h.id)[0] : undefined;
    if (first === undefined) return m.world.sym(`list_first_entry(${m.src(as[0])})`);
    return ptr(m.world.obj(first).parent?.obj ?? first);
  },
  *list_first_entry_or_null(m, _a, as, at) {
    const h = obj(m, yield* m.arg(as, 0), at, 'list_head');
    const first = h ? m.world.listMembers(h.id)[0] : undefined;
    if (first === undefined) return ZERO;
    return ptr(m.world.obj(first).parent?.obj ?? first);
  },
  *container_of(m, _a, as) { return yield* containerOf(m, as); },
  *list_entry(m, _a, as) { return yield* containerOf(m, as); },

  // xarray, as an ordered set of entries
  *xa_store(m, a, _as, at) { const x = obj(m, a[0], at, 'xarray'); if (x && a[2]?.k === 'ptr') xaPut(m, x, a[1], a[2].obj); return ZERO; },
  *xa_alloc(m, a, _as, at) {
    const x = obj(m, a[0], at, 'xarray');
    if (!x || a[2]?.k !== 'ptr') return ZERO;
    // It allocates memory for the entry and can fail; on success the index is written to *id.
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'xa_alloc() fails', '-ENOMEM');
      return int(-CONSTANTS.ENOMEM);
    }
    const k = xaPut(m, x, undefined, a[2].obj);
    const id = a[1] ? m.norm(a[1]) : undefined;
    if (id?.k === 'ptr') {
      const slot = m.world.obj(id.obj);
      // &group->cookie: the field of its container holds the index from now on.
      if (slot.parent) m.world.obj(slot.parent.obj).fields.set(slot.parent.field, int(k));
    }
    m.step(at, 'xa_alloc()', `${m.world.name(a[2].obj)} at index ${k} of ${m.world.name(x.id)}`);
    return ZERO;
  },
  *xa_erase(m, a, _as, at) {
    const x = obj(m, a[0], at, 'xarray');
    if (!x) return ZERO;
    const entries = m.xa(x.id);
    const key = a[1]?.k === 'int' ? a[1].v : undefined;
    const hit = key !== undefined ? entries.get(key) : undefined;
    if (key !== undefined) entries.delete(key);
    if (hit !== undefined) m.step(at, 'xa_erase()', `${m.world.name(hit)} removed from index ${key} of ${m.world.name(x.id)}`);
    return hit !== undefined ? ptr(hit) : ZERO;
  },
  *xa_load(m, a, _as, at) {
    const x = obj(m, a[0], at, 'xarray');
    if (!x) return ZERO;
    const key = a[1]?.k === 'int' ? a[1].v : undefined;
    const hit = key !== undefined ? m.xa(x.id).get(key) : undefined;
    return hit !== undefined ? ptr(hit) : ZERO;
  },

  // workqueues
  *INIT_WORK(m, _a, as, at) {
    const w = obj(m, yield* m.arg(as, 0), at, 'work_struct');
    const fn = as[1] ? m.src(as[1]) : '?';
    if (w) m.world.workFn.set(w.id, fn);
    return ZERO;
  },
  *queue_work(m, a, _as, at) {
    yield { kind: 'sched' };
    const w = obj(m, a[1], at, 'work_struct');
    if (w) m.world.queuedWork.set(w.id, m.world.workFn.get(w.id) ?? '?');
    m.step(at, 'queue_work()', `work ${w ? m.world.name(w.id) : '?'} queued`);
    return int(1);
  },
  *flush_workqueue(m, _a, _as, at) { return yield* flush(m, at, 'flush_workqueue()'); },
  *flush_work(m, _a, _as, at) { return yield* flush(m, at, 'flush_work()'); },
  *alloc_workqueue(m, _a, _as, at) {
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'alloc_workqueue() fails', 'returns NULL');
      return ZERO;
    }
    return ptr(m.world.alloc('workqueue_struct', 'heap', at.startLine + 1).id);
  },

  // errors and hints
  *IS_ERR(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err') return int(1);
    if (v.k === 'sym') return int(m.isErr(v, m.src(as[0])) ? 1 : 0);
    return ZERO;
  },
  *IS_ERR_OR_NULL(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err' || isNull(v)) return int(1);
    if (v.k === 'sym') return int(m.isErr(v, m.src(as[0])) || !m.truthy(v, m.src(as[0])) ? 1 : 0);
    return ZERO;
  },
  *PTR_ERR(m, _a, as) {
    const v = yield* m.arg(as, 0);
    if (v.k === 'err') return int(v.code);
    return m.world.sym(`PTR_ERR(${m.src(as[0])})`);
  },
  *PTR_ERR_OR_ZERO(_m, a) { return a[0]?.k === 'err' ? int(a[0].code) : ZERO; },
  *ERR_PTR(m, a) { return a[0]?.k === 'int' ? { k: 'err', code: a[0].v } : m.world.sym('ERR_PTR(?)'); },
  *ERR_CAST(_m, a) { return a[0] ?? ZERO; },
  *WARN_ON(m, a, as) { return int(m.truthy(a[0] ?? ZERO, m.src(as[0] ?? ({} as Ast))) ? 1 : 0); },
  *WARN_ON_ONCE(m, a, as) { return int(m.truthy(a[0] ?? ZERO, as[0] ? m.src(as[0]) : '?') ? 1 : 0); },
  *WARN(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
  *WARN_ONCE(m, _a, as) { const v = yield* m.arg(as, 0); return int(m.truthy(v, m.src(as[0])) ? 1 : 0); },
  *likely(_m, a) { return a[0] ?? ZERO; },
  *unlikely(_m, a) { return a[0] ?? ZERO; },
  *READ_ONCE(_m, a) { return a[0] ?? ZERO; },

  // the IOMMU driver's ops of a device
  *dev_iommu_ops(m, a, _as, at) {
    const dev = obj(m, a[0], at, 'device');
    if (!dev) return m.world.sym('ops');
    return m.opsOf(dev);
  },

  // IOPF core contracts (applied when the core's body is not in the workspace)
  *iommu_report_device_fault(m, a, _as, at) {
    const evt = obj(m, a[1], at, 'iopf_fault');
    const r = evt ? m.requestFor(evt) : undefined;
    yield { kind: 'sched' };
    if (m.era.callerCompletes) {
      if (m.oracle.choose(2) === 0) {
        if (r) r.owedBy = 'core';
        m.step(at, 'iommu_report_device_fault()', 'queued: the core will answer');
        return ZERO;
      }
      if (r) r.owedBy = 'reporter';
      m.step(at, 'iommu_report_device_fault() fails', 'returns -EINVAL: in this era the caller must answer the request');
      return int(-CONSTANTS.EINVAL);
    }
    if (r) r.owedBy = 'core';
    m.step(at, 'iommu_report_device_fault()', 'the core answers every page request it is given, on every path');
    return m.era.reportReturnsInt && m.oracle.choose(2) === 1 ? int(-CONSTANTS.EINVAL) : ZERO;
  },
  *iopf_group_response(m, a, _as, at) {
    const g = obj(m, a[0], at, 'iopf_group');
    if (!g) return ZERO;
    yield { kind: 'sched' };
    m.touch(g, at, 'answers');
    const pending = m.world.sub(g.id, 'pending_node', 'list_head');
    if (!m.era.pendingGroups) {
      respond(m, groupGrpid(m, g), a[1], at, 'iopf_group_response()');
      m.world.listRemove(pending.id);
      return ZERO;
    }
    // The core answers only a group still pending, deciding it under fault_param->lock: removal
    // may have answered it already.
    const fp = g.fields.get('fault_param');
    const lock = fp?.k === 'ptr' ? ptr(m.world.sub(fp.obj, 'lock', 'mutex').id) : undefined;
    if (lock) yield* m.lockAcquire(lock, 'mutex', at);
    if (!m.world.nodeOn.has(pending.id)) {
      m.step(at, 'iopf_group_response()', `${m.world.name(g.id)} is no longer pending: no response is sent`);
    } else {
      respond(m, groupGrpid(m, g), a[1], at, 'iopf_group_response()');
      m.world.listRemove(pending.id);
    }
    if (lock) yield* m.lockRelease(lock, at);
    return ZERO;
  },
  *iopf_free_group(m, a, _as, at) {
    const g = obj(m, a[0], at, 'iopf_group');
    if (g) {
      if (g.freed) {
        m.report('iopf/group-double-free', `${m.world.name(g.id)} is freed a second time`, at);
        throw new Cut('stop');
      }
      yield* freeGroup(m, g, at, true);
    }
    return ZERO;
  },
  *iopf_get_dev_fault_param(m, a, _as, at) {
    const dev = obj(m, a[0], at, 'device');
    const fp = dev ? faultParamOf(m, dev) : undefined;
    yield { kind: 'sched' };
    if (!fp || fp.freed) return ZERO;
    const users = m.world.sub(fp.id, 'users', 'refcount_t');
    m.refTouched.add(fp.id);
    const n = users.count ?? 1;
    if (n === 0) return ZERO;
    users.count = n + 1;
    m.step(at, `iopf_get_dev_fault_param()`, `${m.world.name(fp.id)} users ${n} -> ${n + 1}`);
    return ptr(fp.id);
  },
  *iopf_put_dev_fault_param(m, a, _as, at) {
    const fp = obj(m, a[0], at, 'iommu_fault_param');
    if (fp) yield* putParam(m, fp, at);
    return ZERO;
  },
  *iopf_queue_flush_dev(m, _a, _as, at) { return yield* flush(m, at, 'iopf_queue_flush_dev()'); },
  *iopf_queue_remove_device(m, a, _as, at) {
    const dev = obj(m, a[1], at, 'device');
    const fp = dev ? faultParamOf(m, dev) : undefined;
    yield { kind: 'sched' };
    if (!fp) return ZERO;
    for (const node of [...m.world.listMembers(m.world.sub(fp.id, 'partial').id)]) {
      m.world.listRemove(node);
      yield* free(m, ptr(m.world.root(node).id), at, 'kfree');
    }
    for (const node of [...m.world.listMembers(m.world.sub(fp.id, 'faults').id)]) {
      const g = m.world.root(node);
      respond(m, groupGrpid(m, g), int(CONSTANTS.IOMMU_PAGE_RESP_INVALID), at, 'iopf_queue_remove_device()');
      m.world.listRemove(node);
      yield* freeGroup(m, g, at, true);
    }
    const di = dev!.fields.get('iommu');
    if (di?.k === 'ptr') m.world.obj(di.obj).fields.set('fault_param', ZERO);
    yield* putParam(m, fp, at);
    return ZERO;
  },
  *iommu_get_domain_for_dev_pasid(m, a, _as, at) {
    // The domain attached at @pasid of the device's group (of the requested type), else NULL.
    yield { kind: 'sched' };
    const h = m.attachHandle(a[1] ?? ZERO, at, true, m.groupOfDevice(a[0]));
    if (h.k !== 'ptr') {
      m.step(at, 'iommu_get_domain_for_dev_pasid()', `nothing attached at PASID ${m.name(a[1] ?? ZERO)}: NULL`);
      return ZERO;
    }
    const d = m.world.obj(h.obj).fields.get('domain') ?? ZERO;
    const t = a[2] ? m.norm(a[2]) : undefined;
    const dt = d.k === 'ptr' ? m.world.obj(d.obj).fields.get('type') : undefined;
    if (t?.k === 'int' && t.v !== 0 && dt?.k === 'int' && dt.v !== t.v) {
      m.step(at, 'iommu_get_domain_for_dev_pasid()', `${m.name(d)} is not of the requested type: ERR_PTR(-EBUSY)`);
      return { k: 'err', code: -CONSTANTS.EBUSY };
    }
    m.step(at, 'iommu_get_domain_for_dev_pasid()', m.name(d));
    return d;
  },
  *iommu_attach_handle_get(m, a, _as, at) {
    yield { kind: 'sched' };
    return m.attachHandle(a[1] ?? ZERO, at, false, a[0]);
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
  *iommu_alloc_global_pasid(m, _a, _as, at) {
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommu_alloc_global_pasid() fails', 'IOMMU_PASID_INVALID');
      return int(CONSTANTS.IOMMU_PASID_INVALID);
    }
    const pasid = 1 + [...m.world.objs.values()].filter((o) => o.type === 'pasid').length;
    m.world.alloc('pasid', 'static');
    m.step(at, 'iommu_alloc_global_pasid()', `PASID ${pasid}`);
    return int(pasid);
  },
  *iommu_sva_domain_alloc(m, a, _as, at) {
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommu_sva_domain_alloc() fails', 'ERR_PTR(-ENOMEM)');
      return { k: 'err', code: -CONSTANTS.ENOMEM };
    }
    const d = m.world.alloc('iommu_domain', 'heap', at.startLine + 1);
    d.fields.set('mm', a[1] ?? ZERO);
    d.fields.set('type', int(CONSTANTS.IOMMU_DOMAIN_SVA));
    d.fields.set('iopf_handler', { k: 'fn', name: 'iommu_sva_iopf_handler' });
    m.step(at, 'iommu_sva_domain_alloc()', `SVA domain ${m.world.name(d.id)} for ${m.name(a[1] ?? ZERO)}`);
    return ptr(d.id);
  },
  *iommu_attach_device_pasid(m, a, _as, at) {
    yield { kind: 'sched' };
    const h = a[3] && (a[3].k === 'ptr' || a[3].k === 'sym') ? m.deref(a[3], at, 'iommu_attach_handle') : undefined;
    const group = m.groupOfDevice(a[1]);
    const taken = m.attachHandle(a[2] ?? ZERO, at, true, group);
    if (taken.k === 'ptr') {
      m.step(at, 'iommu_attach_device_pasid() fails', `-EBUSY: PASID ${m.name(a[2] ?? ZERO)} already has ${m.name(taken)} attached`);
      return int(-CONSTANTS.EBUSY);
    }
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommu_attach_device_pasid() fails', 'the driver refuses the domain');
      return int(-CONSTANTS.EINVAL);
    }
    // Before attach handles (the three-argument form), the core still records the PASID as taken.
    m.attach(a[2] ?? ZERO, h ?? m.world.alloc('iommu_attach_handle', 'world'), a[0] ?? ZERO, group);
    m.step(at, 'iommu_attach_device_pasid()', `${m.name(a[0] ?? ZERO)} attached at PASID ${m.name(a[2] ?? ZERO)}`);
    return ZERO;
  },
  *iommu_detach_device_pasid(m, a, _as, at) {
    yield { kind: 'sched' };
    m.attached.delete(m.attachKey(a[2] ?? ZERO, m.groupOfDevice(a[1])));
    m.step(at, 'iommu_detach_device_pasid()', `PASID ${m.name(a[2] ?? ZERO)} detached`);
    return ZERO;
  },
  *iommu_domain_free(m, a, _as, at) {
    const d = a[0]?.k === 'ptr' ? m.world.obj(a[0].obj) : undefined;
    if (d) {
      const users = d.fields.get('users');
      if (users?.k === 'int' && users.v > 0) m.report('sva/domain-lifetime', `${m.world.name(d.id)} is freed while ${users.v} device${users.v === 1 ? '' : 's'} still use it`, at);
      for (const h of m.attached.values()) {
        const hd = m.world.obj(h).fields.get('domain');
        if (hd?.k === 'ptr' && hd.obj === d.id && !m.world.root(h).freed) m.report('sva/domain-lifetime', `${m.world.name(d.id)} is freed while still attached`, at);
      }
    }
    return yield* free(m, a[0] ?? ZERO, at, 'kfree');
  },
  *iommu_sva_bind_device(m, a, _as, at) {
    const dev = obj(m, a[0], at, 'device');
    const mm = obj(m, a[1], at, 'mm_struct');
    if (!dev || !mm) return m.world.sym('iommu_sva_bind_device()');
    yield { kind: 'sched' };
    const key = `${dev.id}:${mm.id}`;
    const existing = m.svaBinds.get(key);
    if (existing !== undefined && !m.world.obj(existing).freed) {
      const u = m.world.sub(existing, 'users', 'refcount_t');
      u.count = (u.count ?? 1) + 1;
      m.step(at, 'iommu_sva_bind_device()', `same (mm, device): ${m.world.name(existing)} users -> ${u.count}`);
      return ptr(existing);
    }
    if (m.oracle.choose(2) === 1) return { k: 'err', code: -CONSTANTS.ENOMEM };
    const h = m.world.alloc('iommu_sva', 'heap', at.startLine + 1);
    m.world.sub(h.id, 'users', 'refcount_t').count = 1;
    m.svaBinds.set(key, h.id);
    m.step(at, 'iommu_sva_bind_device()', `new bond ${m.world.name(h.id)}`);
    return ptr(h.id);
  },
  *iommu_sva_unbind_device(m, a, _as, at) {
    const h = obj(m, a[0], at, 'iommu_sva');
    if (!h) return ZERO;
    yield { kind: 'sched' };
    m.touch(h, at, 'unbinds');
    const u = m.world.sub(h.id, 'users', 'refcount_t');
    u.count = (u.count ?? 1) - 1;
    m.step(at, 'iommu_sva_unbind_device()', `${m.world.name(h.id)} users -> ${u.count}`);
    if (u.count === 0) {
      // The last user: the PASID is detached and the bond freed.
      const sub = m.world.sub(h.id, 'handle', 'iommu_attach_handle').id;
      for (const [k, v] of [...m.attached]) if (v === sub) m.attached.delete(k);
      for (const [k, v] of [...m.svaBinds]) if (v === h.id) m.svaBinds.delete(k);
      yield* free(m, ptr(h.id), at, 'kfree');
    }
    return ZERO;
  },
};

/**
 * A copy between user space and the kernel: it may fault and sleep, and returns the number of
 * bytes it could not copy (an unknown the path decides). What it copies into the kernel is
 * whatever user space wrote: the destination's fields are unknown from here on.
 */
function* userCopy(m: Machine, dst: Value | undefined, at: Ast, what: string): Gen<Value> {
  m.mightSleep(at, what);
  yield { kind: 'sched' };
  const d = dst ? m.norm(dst) : undefined;
  if (d?.k === 'ptr') {
    const o = m.world.obj(d.obj);
    m.touch(o, at, 'copies into');
    for (const [k, v] of [...o.fields]) {
      const sub = v.k === 'ptr' ? m.world.objs.get(v.obj) : undefined;
      if (!(sub?.parent?.obj === o.id)) o.fields.delete(k);
    }
    m.world.root(o.id).unknownContents = true;
    for (const [k, v] of m.userWrites ?? []) o.fields.set(k, v);
  }
  return m.world.sym(what);
}

function* listAdd(m: Machine, a: Value[], at: Ast, tail: boolean): Gen<Value> {
  yield { kind: 'sched' };
  const node = obj(m, a[0], at, 'list_head');
  const head = obj(m, a[1], at, 'list_head');
  if (!node || !head) return ZERO;
  m.touch(node, at, 'links');
  m.touch(head, at, 'links into');
  m.noteListAccess(node.id, true, at, tail ? 'list_add_tail()' : 'list_add()');
  m.noteListAccess(head.id, true, at, tail ? 'list_add_tail()' : 'list_add()');
  m.world.listAdd(node.id, head.id, tail);
  m.step(at, tail ? 'list_add_tail()' : 'list_add()', `${m.world.name(m.world.root(node.id).id)} on ${m.world.name(head.id)}`);
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
  if (v.k === 'ptr') {
    const o = m.world.obj(v.obj);
    // Only the member the object is maps back to its container: container_of(p, T, other) of an
    // object embedded as `member` elsewhere is not that container.
    if (o.parent && (o.parent.field === member || !/^\w+$/.test(member))) return ptr(o.parent.obj);
    if (o.parent) return m.world.sym(`container_of(${type})`);
    // A world object seen through its member: create its container.
    const c = m.world.alloc(type, 'world');
    m.world.objs.get(v.obj)!.parent = { obj: c.id, field: member };
    c.fields.set(member, ptr(v.obj));
    return ptr(c.id);
  }
  return m.world.sym(`container_of(${type})`);
}

function xaPut(m: Machine, x: Obj, key: Value | undefined, id: number): number {
  const entries = m.xa(x.id);
  const k = key?.k === 'int' ? key.v : entries.size === 0 ? 0 : Math.max(...entries.keys()) + 1;
  entries.set(k, id);
  return k;
}

function* flush(m: Machine, at: Ast, what: string): Gen<Value> {
  m.mightSleep(at, what);
  const t = m.world.thread(m.tid);
  for (const l of t.held) {
    const lock = m.world.locks.get(l)!;
    if (m.workLockClasses().has(lock.cls.split('.').pop()!)) {
      m.report('lock/flush-under-lock', `${what} waits for fault work while holding ${m.world.name(l)}, which that work also takes: deadlock`, at);
    }
  }
  yield { kind: 'sched' };
  // Interleaved, the flush really waits: work already queued runs to its end before this thread goes on.
  const waited = m.concurrent && m.workRunning();
  while (m.concurrent && m.workRunning()) yield { kind: 'flush' };
  m.step(at, what, waited ? 'waited for the queued fault work to finish' : 'waits for queued fault work');
  return ZERO;
}

// -- calls through struct fields --------------------------------------------------------------------

const F: Record<string, FieldContract> = {
  *page_response(m, a, as, at) {
    yield { kind: 'sched' };
    // The response message is the argument that carries a code: (dev, evt, resp) or (dev, evt, msg).
    let grpid: Value | undefined;
    let code: Value | undefined;
    for (let i = a.length - 1; i >= 0; i--) {
      const v = a[i];
      if (v.k !== 'ptr') continue;
      const o = m.world.obj(v.obj);
      m.touch(o, as[i], 'passes');
      if (o.fields.has('code') || o.fields.has('grpid')) {
        grpid = o.fields.get('grpid');
        code = o.fields.get('code');
        break;
      }
    }
    if (!grpid) {
      const evt = a.find((v) => v.k === 'ptr' && /iopf_fault|iommu_fault/.test(m.world.obj((v as { obj: number }).obj).type));
      if (evt?.k === 'ptr') grpid = evtGrpid(m, m.world.obj(evt.obj));
    }
    respond(m, grpid, code, at, 'ops->page_response()');
    return ZERO;
  },
  *iopf_handler(m, a, _as, at) {
    const g = obj(m, a[0], at, 'iopf_group');
    yield { kind: 'sched' };
    if (!g) return ZERO;
    m.touch(g, at, 'hands over');
    const flags = groupFlags(m, g);
    if (flags?.k === 'int' && !(flags.v & CONSTANTS.IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
      m.report('iopf/partial-fault-dispatched', `${m.world.name(g.id)} is handed to the iopf_handler for a partial (non-last) page request: it should only have been collected`, at);
    }
    // A scenario that does not say what the handler does explores both: it accepts or refuses.
    const result = m.handlerResult ?? (m.oracle.choose(2) === 0 ? 0 : -CONSTANTS.EINVAL);
    if (result === 0) {
      g.owner = 'handler';
      const r = findRequest(m, groupGrpid(m, g));
      // Alone, the handler's promise stands for its answer; interleaved, its work answers for real.
      if (r && r.responses.length === 0 && !m.concurrent) r.owedBy = 'handler';
      m.step(at, 'domain->iopf_handler()', `accepts ${m.world.name(g.id)}: it will answer and free it`);
      if (m.concurrent) {
        // The handler's work runs later, on the fault workqueue, racing everything else.
        const group = ptr(g.id);
        m.spawn('iopf work', function* (mm) {
          const here = at;
          yield* mm.call('iopf_group_response', [group, int(CONSTANTS.IOMMU_PAGE_RESP_SUCCESS)], [], here, mm.frame().file);
          yield* mm.call('iopf_free_group', [group], [], here, mm.frame().file);
          return ZERO;
        });
      }
      return ZERO;
    }
    m.step(at, 'domain->iopf_handler()', `fails (${result}): the caller still owns ${m.world.name(g.id)}`);
    return int(result);
  },
  *release_device(m, a, _as, at, base) {
    const dev = obj(m, a[0], at, 'device');
    yield { kind: 'sched' };
    if (!dev || !base) return ZERO;
    const rd = base.fields.get('release_domain');
    const cur = dev.fields.get('__domain');
    if (rd?.k === 'ptr' && !(cur?.k === 'ptr' && cur.obj === rd.obj)) {
      m.report('release/release-domain', `ops->release_device() runs while the device is still attached to ${cur?.k === 'ptr' ? m.world.name(cur.obj) : 'its domain'}: it must be put into ops->release_domain first`, at);
    }
    m.step(at, 'ops->release_device()', 'driver releases the device');
    return ZERO;
  },
  *attach_dev(m, a, _as, at) {
    const domain = a[0];
    const dev = obj(m, a[1], at, 'device');
    if (dev && domain?.k === 'ptr') dev.fields.set('__domain', domain);
    m.step(at, 'domain->ops->attach_dev()', `device attached to ${m.name(domain ?? ZERO)}`);
    return ZERO;
  },
};

// -- kernel references (model/refs.ts) ------------------------------------------------------------

/** A getter: the object it finds (or is given) comes with a reference the caller must drop. */
function refGetter(name: string, g: RefGetter): Contract {
  return function* (m, a, as, at) {
    yield { kind: 'sched' };
    if (g.drops !== undefined) {
      // It moves on from the object it was given, dropping that reference.
      const from = a[g.drops] ? m.norm(a[g.drops]) : undefined;
      if (from?.k === 'ptr') m.dropRef(m.world.root(from.obj).id, g.putter, at);
    }
    if (g.arg !== undefined) {
      const v = a[g.arg] ?? ZERO;
      const o = obj(m, v, at, '?');
      if (!o) return v;
      m.takeRef(m.world.root(o.id).id, name, g.putter, at, as[g.arg] ? m.src(as[g.arg]) : undefined);
      m.step(at, `${name}()`, `takes a reference on ${m.world.name(o.id)}`);
      return v.k === 'sym' ? m.norm(v) : v;
    }
    if (m.oracle.choose(2) === 1) {
      m.step(at, `${name}()`, 'finds nothing: NULL');
      return ZERO;
    }
    const o = m.world.alloc(g.type ?? '?', 'world');
    m.takeRef(o.id, name, g.putter, at, undefined, true);
    m.step(at, `${name}()`, `${m.world.name(o.id)}, with a reference to drop with ${g.putter}()`);
    return ptr(o.id);
  };
}

/** A putter: drops a reference (NULL is fine); one that can run a release callback may free anything. */
function refPutter(name: string): Contract {
  return function* (m, a, _as, at) {
    const v = a[0] ? m.norm(a[0]) : ZERO;
    if (v.k !== 'ptr') return ZERO;
    yield { kind: 'sched' };
    const root = m.world.root(v.obj);
    m.dropRef(root.id, PUTTER_OF[name] ?? name, at);
    if (name === 'put_device' || name === 'kobject_put') root.escaped = true;
    m.step(at, `${name}(${m.world.name(v.obj)})`, 'drops a reference');
    return ZERO;
  };
}

for (const [name, g] of Object.entries(REF_GETTERS)) if (!(name in C)) C[name] = refGetter(name, g);
for (const name of REF_PUTTERS) if (!(name in C)) C[name] = refPutter(name);

export function contractFor(name: string): Contract | undefined {
  return Object.prototype.hasOwnProperty.call(C, name) ? C[name] : undefined;
}

export function fieldContractFor(field: string): FieldContract | undefined {
  return Object.prototype.hasOwnProperty.call(F, field) ? F[field] : undefined;
}

/** Names whose arguments the contract evaluates itself (lazily). */
export const LAZY = new Set(['smp_load_acquire', 'kfree_rcu', 'kfree_rcu_mightsleep', 'rcu_dereference_check', 'rcu_dereference_protected',
  'IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR', 'container_of', 'list_entry', 'list_first_entry', 'list_first_entry_or_null',
  'INIT_WORK', 'WARN', 'WARN_ONCE']);
