// The contract table the machine consults: every kernel function and struct-field call the model knows,
// gathered from the model file named after its kernel file (io-pgfault.ts for io-pgfault.c, iommu-sva.ts,
// iommu.ts, iommufd/), the primitives apart (primitives/: slab, locking, RCU, refcount_t, lists, xarray,
// workqueues, user copies, files, error pointers, sleeping calls), and the kernel's reference getters and putters
// (refs.ts).
import { ZERO, int, ptr } from './world';
import { CONSTANTS } from './constants';
import { PUTTER_OF, REF_GETTERS, REF_PUTTERS, type RefGetter } from './refs';
import { obj, type Contract, type FieldContract } from './contract';
import { SLAB } from './primitives/slab';
import { LOCKING } from './primitives/locking';
import { RCUPDATE } from './primitives/rcupdate';
import { REFCOUNT } from './primitives/refcount';
import { UACCESS } from './primitives/uaccess';
import { FS } from './primitives/fs';
import { LIST } from './primitives/list';
import { RBTREE } from './primitives/rbtree';
import { DELAY } from './primitives/delay';
import { XARRAY } from './primitives/xarray';
import { WORKQUEUE } from './primitives/workqueue';
import { SCHED } from './primitives/sched';
import { BITOPS } from './primitives/bitops';
import { ERR } from './primitives/err';
import { COMPILER } from './primitives/compiler';
import { CLEANUP } from './primitives/cleanup';
import { DEVICE, getDevice, putDevice } from './primitives/device';
import { CDEV } from './primitives/cdev';
import { KREF } from './primitives/kref';
import { IO_PGFAULT, IO_PGFAULT_FIELDS } from './io-pgfault';
import { IOMMU, IOMMU_FIELDS } from './iommu';
import { IOMMU_SVA } from './iommu-sva';
import { IOMMUFD_MAIN } from './iommufd/main';

/** A getter: the object it finds (or is given) comes with a reference the caller must drop. */
function refGetter(name: string, g: RefGetter): Contract {
  return function* (m, a, as, at) {
    yield { kind: 'sched' };
    if (g.drops !== undefined) {
      // It moves on from the object it was given, dropping that reference.
      const from = a[g.drops] ? m.norm(a[g.drops]) : undefined;
      if (from?.k === 'ptr') m.dropRef(m.world.root(from.obj).id, g.putter, at);
    }
    if (g.status) {
      // A status: the usage count of the device given, taken as the call's contract says.
      const v = a[g.arg ?? 0] ?? ZERO;
      const o = obj(m, v, at, 'device');
      const ok = m.oracle.choose(2) === 0;
      if (o && (ok || g.status === 'always')) {
        m.takeRef(m.world.root(o.id).id, name, g.putter, at, as[g.arg ?? 0] ? m.src(as[g.arg ?? 0]) : undefined, false, true);
      }
      // Not a failure the function must pass on: drivers power a unit up and carry on (or skip
      // work when it is not in use) on purpose; what they owe is the usage count.
      m.step(at, ok ? `${name}()` : `${name}() returns ${g.status === 'positive' ? '0' : 'an error'}`, ok ? 'usage count taken' : g.status === 'always' ? 'the usage count is taken all the same' : 'no usage count taken');
      return ok ? int(g.status === 'positive' ? 1 : 0) : g.status === 'positive' ? ZERO : int(-CONSTANTS.EINVAL);
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

const C: Record<string, Contract> = {
  ...SLAB, ...LOCKING, ...RCUPDATE, ...REFCOUNT, ...UACCESS, ...FS, ...LIST, ...RBTREE, ...DELAY, ...XARRAY, ...WORKQUEUE, ...ERR, ...COMPILER, ...CLEANUP, ...DEVICE, ...CDEV, ...KREF, ...SCHED, ...BITOPS,
  ...IO_PGFAULT, ...IOMMU, ...IOMMU_SVA, ...IOMMUFD_MAIN,
};
const F: Record<string, FieldContract> = { ...IO_PGFAULT_FIELDS, ...IOMMU_FIELDS };
// A function modelled in its own file wins over the generic getter/putter contract of its name.
for (const [name, g] of Object.entries(REF_GETTERS)) if (!(name in C)) C[name] = refGetter(name, g);
for (const name of REF_PUTTERS) if (!(name in C)) C[name] = refPutter(name);
// A device's references are also its lifetime (primitives/device.ts): the last put runs its release.
{
  const get = C.get_device;
  const put = C.put_device;
  C.get_device = function* (m, a, as, at) {
    const v = yield* get(m, a, as, at);
    getDevice(m, a[0]);
    return v;
  };
  C.put_device = function* (m, a, as, at) {
    yield* put(m, a, as, at);
    yield* putDevice(m, a[0], at);
    return ZERO;
  };
  // device_unregister() drops the reference the device was registered with, not one a getter took.
  C.device_unregister = function* (m, a, _as, at) {
    yield* putDevice(m, a[0], at);
    return ZERO;
  };
}

export function contractFor(name: string): Contract | undefined {
  return Object.prototype.hasOwnProperty.call(C, name) ? C[name] : undefined;
}

export function fieldContractFor(field: string): FieldContract | undefined {
  return Object.prototype.hasOwnProperty.call(F, field) ? F[field] : undefined;
}

/** Names whose arguments the contract evaluates itself (lazily). */
export const LAZY = new Set(['smp_load_acquire', 'kfree_rcu', 'kfree_rcu_mightsleep', 'rcu_dereference', 'rcu_dereference_check', 'rcu_dereference_protected',
  'IS_ERR', 'IS_ERR_OR_NULL', 'PTR_ERR', 'container_of', 'list_entry', 'list_first_entry', 'list_first_entry_or_null',
  'INIT_WORK', 'WARN', 'WARN_ONCE']);
