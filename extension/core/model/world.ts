// The model's primitives: heap objects named as the kernel names their structs, refcounts, lists,
// locks, RCU read sections and grace periods, workqueues, and the PRI-capable device's page requests.

export type Value =
  /**
   * @why: a NULL some call returned on this path (an allocation that failed), said when it is
   * dereferenced; @tested: the path tested it and went on (a WARN_ON() that fired on it)
   */
  | { k: 'int'; v: number; why?: string; tested?: boolean }
  | { k: 'ptr'; obj: number }
  | { k: 'err'; code: number; why?: string }
  | { k: 'sym'; id: number }
  | { k: 'fn'; name: string }
  | { k: 'str'; s: string };

export const ZERO: Value = { k: 'int', v: 0 };
export const int = (v: number): Value => ({ k: 'int', v });
export const ptr = (obj: number): Value => ({ k: 'ptr', obj });

export type Alloc = 'heap' | 'zeroed' | 'stack' | 'world' | 'static';

export interface Obj {
  id: number;
  /** struct tag: iopf_group, iommu_fault_param, ... ('?' until known) */
  type: string;
  alloc: Alloc;
  fields: Map<string, Value>;
  /** embedded sub-objects (`group->last_fault`, `&param->lock`) know where they live */
  parent?: { obj: number; field: string };
  /** 'kfree' once freed; 'rcu' while a kfree_rcu() waits for its grace period; 'reclaimed' after it */
  freed?: 'kfree' | 'rcu' | 'reclaimed';
  freedStep?: number;
  /** threads inside an RCU read section when kfree_rcu() was called: they may still use the object */
  rcuReaders?: Set<number>;
  /** refcount_t value when the object is a refcount */
  count?: number;
  /** who holds the duty to answer and free an iopf_group handed out: 'handler', 'iommufd', ... */
  owner?: string;
  /** allocation site, for leak messages */
  allocLine?: number;
  /** where it was allocated (file and range), where a leak of it is reported */
  allocAt?: { file: string; range: import('../types').SourceRange };
  /** the devm_ allocator of device-managed memory */
  devmBy?: string;
  /** the address of a value field (`&dmaru->devices`): `*slot` is that field's value */
  slot?: boolean;
  /** handed to a function the model cannot see into: it may have kept it */
  escaped?: boolean;
  /** handed to a callback through a function pointer the model cannot see */
  unseenCallback?: boolean;
  /** filled from outside (copy_from_user()): a field never written here reads as unknown, not 0 */
  unknownContents?: boolean;
  /**
   * allocated zeroed by code that ran before the scenario, which set only these fields: any other
   * field never written reads as 0
   */
  zeroedBut?: ReadonlySet<string>;
}

/** A page request group the device waits on. */
export interface PageRequest {
  grpid: number;
  pasid: number;
  /** the request carrying IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE: only it needs an answer */
  last: boolean;
  responses: { code: number | undefined; line: number; thread: number }[];
  /** who owes the answer when not yet given: 'core', 'caller', 'handler', 'iommufd' */
  owedBy?: string;
  /** a partial request handed to a handler on its own */
  dispatched?: boolean;
  /** the iopf_fault event object that carried it */
  evt?: number;
}

export interface Lock {
  obj: number;
  /** iopf_queue.lock, iommu_fault_param.lock: the class used for lock order */
  cls: string;
  kind: 'mutex' | 'spin';
  owner?: number;
}

export interface ThreadState {
  id: number;
  name: string;
  held: number[];
  rcuDepth: number;
  /** spinlocks or irq-off sections: no sleeping */
  atomic: number;
  done: boolean;
}

export class World {
  objs = new Map<number, Obj>();
  /** list head object id -> member node object ids in order */
  lists = new Map<number, number[]>();
  /** list node object id -> head it is on */
  nodeOn = new Map<number, number>();
  /** nodes unlinked by list_del (poisoned) */
  poisoned = new Set<number>();
  locks = new Map<number, Lock>();
  requests: PageRequest[] = [];
  threads: ThreadState[] = [];
  /** symbolic values' decided truth: sym id -> nonzero */
  symTruth = new Map<number, boolean>();
  symNames = new Map<number, string>();
  /** work items queued: work object id -> function name */
  queuedWork = new Map<number, string>();
  workFn = new Map<number, string>();
  /** globals and file-static variables by name */
  globals = new Map<string, Value>();
  /** containers made by to_*() helpers whose member is not yet known: container -> member */
  pendingMember = new Map<number, number>();
  /** address-of slots of value fields: "obj.field" -> slot object */
  slots = new Map<string, number>();
  nextId = 1;
  step = 0;

  alloc(type: string, alloc: Alloc, line?: number): Obj {
    const o: Obj = { id: this.nextId++, type, alloc, fields: new Map() };
    if (line !== undefined) o.allocLine = line;
    this.objs.set(o.id, o);
    return o;
  }

  sym(name: string): Value {
    const id = this.nextId++;
    this.symNames.set(id, name);
    return { k: 'sym', id };
  }

  obj(id: number): Obj {
    const o = this.objs.get(id);
    if (!o) throw new Error(`no object #${id}`);
    return o;
  }

  /** The outermost object containing @id (a lock or list node lives inside its struct). */
  root(id: number): Obj {
    let o = this.obj(id);
    while (o.parent) o = this.obj(o.parent.obj);
    return o;
  }

  /** `iopf_group#3`, `iommu_fault_param#1.lock` */
  name(id: number): string {
    const o = this.obj(id);
    if (o.parent) return `${this.name(o.parent.obj)}.${o.parent.field}`;
    return `${o.type}#${o.id}`;
  }

  /** The embedded sub-object in @field of @id, created on first use. */
  sub(id: number, field: string, type = '?'): Obj {
    const o = this.obj(id);
    const pending = this.pendingMember.get(id);
    if (pending !== undefined && !o.fields.has(field)) {
      // A container made by to_*() learns which of its members it was reached through.
      this.pendingMember.delete(id);
      const child = this.obj(pending);
      child.parent = { obj: id, field };
      o.fields.set(field, ptr(child.id));
      return child;
    }
    const v = o.fields.get(field);
    if (v?.k === 'ptr') {
      const s = this.objs.get(v.obj);
      if (s?.parent?.obj === id && s.parent.field === field) return s;
    }
    if (v && !(v.k === 'int' && v.v === 0 && o.alloc === 'zeroed')) {
      // The field holds a value (a pointer, a number): its address is a slot that reads and
      // writes that value, not an embedded struct.
      const key = `${id}.${field}`;
      const have = this.slots.get(key);
      if (have !== undefined) return this.obj(have);
      const slot = this.alloc(type, o.alloc === 'world' ? 'world' : o.alloc === 'stack' ? 'stack' : 'zeroed');
      slot.parent = { obj: id, field };
      slot.slot = true;
      this.slots.set(key, slot.id);
      return slot;
    }
    const s = this.alloc(type, o.alloc === 'world' ? 'world' : o.alloc === 'stack' ? 'stack' : 'zeroed');
    s.parent = { obj: id, field };
    o.fields.set(field, ptr(s.id));
    return s;
  }

  thread(id: number): ThreadState {
    return this.threads[id];
  }

  // -- lists --------------------------------------------------------------------------------------

  listMembers(head: number): number[] {
    return this.lists.get(head) ?? [];
  }

  listAdd(node: number, head: number, tail = false): void {
    this.listRemove(node);
    const members = [...this.listMembers(head)];
    if (tail) members.push(node);
    else members.unshift(node);
    this.lists.set(head, members);
    this.nodeOn.set(node, head);
    this.poisoned.delete(node);
  }

  listRemove(node: number): boolean {
    const head = this.nodeOn.get(node);
    if (head === undefined) return false;
    this.lists.set(head, this.listMembers(head).filter((n) => n !== node));
    this.nodeOn.delete(node);
    return true;
  }

  /** Whether @id (a head or a node) links to nothing. */
  listEmpty(id: number): boolean {
    if (this.listMembers(id).length > 0) return false;
    return !this.nodeOn.has(id);
  }

  // -- queries for rules --------------------------------------------------------------------------

  /** Objects whose pointer is stored in a field of a live object or a global. */
  referenced(): Set<number> {
    const out = new Set<number>();
    const mark = (v: Value | undefined) => {
      if (v?.k === 'ptr') out.add(this.root(v.obj).id);
    };
    for (const o of this.objs.values()) {
      if (o.freed) continue;
      for (const [f, v] of o.fields) {
        if (o.parent?.field === f) continue;
        const target = v.k === 'ptr' ? this.objs.get(v.obj) : undefined;
        if (target?.parent?.obj === o.id) continue; // an embedded member is not a reference
        mark(v);
      }
    }
    for (const v of this.globals.values()) mark(v);
    for (const [node, head] of this.nodeOn) {
      const holder = this.root(head);
      // A list inside one object (group->last_fault on group->faults) does not keep it alive.
      if (!holder.freed && holder.id !== this.root(node).id) out.add(this.root(node).id);
    }
    return out;
  }

  snapshotTruth(): string {
    return [...this.symTruth].map(([k, v]) => `${k}:${v ? 1 : 0}`).join(',');
  }

  /**
   * A canonical text of the shared state, for state hashing in interleaving exploration (built by
   * concatenation: it is made at every scheduling choice).
   */
  fingerprint(): string {
    let s = '';
    for (const o of this.objs.values()) {
      s += `${o.id}:${o.type}:${o.freed ?? ''}:${o.count ?? ''}:${o.owner ?? ''}:`;
      for (const [k, v] of o.fields) s += `${k}=${valueKey(v)};`;
      s += '|';
    }
    for (const [h, m] of this.lists) s += `L${h}=${m.join(',')}|`;
    for (const l of this.locks.values()) s += `K${l.obj}=${l.owner ?? ''}|`;
    for (const r of this.requests) {
      s += `R${r.grpid}:`;
      for (const x of r.responses) s += `${x.code},`;
      s += `:${r.owedBy ?? ''}|`;
    }
    for (const t of this.threads) s += `T${t.id}:${t.held.join(',')}:${t.rcuDepth}:${t.done}|`;
    s += 'W';
    for (const k of this.queuedWork.keys()) s += `${k},`;
    s += '|';
    for (const [k, v] of this.symTruth) s += `${k}:${v ? 1 : 0},`;
    return s;
  }
}

export function valueKey(v: Value): string {
  switch (v.k) {
    case 'int': return `i${v.v}`;
    case 'ptr': return `p${v.obj}`;
    case 'err': return `e${v.code}`;
    case 'sym': return `s${v.id}`;
    case 'fn': return `f${v.name}`;
    case 'str': return `t`;
  }
}
