// xarray.h (an ordered set of entries) and the ida allocator of idr.h built on it.
import { CONSTANTS } from '../constants';
import { type Obj, type Value, ZERO, int, ptr } from '../world';
import type { Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

function xaPut(m: Machine, x: Obj, key: Value | undefined, id: number): number {
  const entries = m.xa(x.id);
  const k = key?.k === 'int' ? key.v : entries.size === 0 ? 0 : Math.max(...entries.keys()) + 1;
  entries.set(k, id);
  if (key && key.k !== 'int') m.rememberXaEntry(x, key, ptr(id));
  return k;
}

export const XARRAY: Record<string, Contract> = {
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
    let key = a[1]?.k === 'int' ? a[1].v : undefined;
    // An index the path does not know: the entry the path found or stored there, or nothing; and
    // nothing there from now on.
    const known = key === undefined && a[1] ? m.storedXaEntry(x, a[1]) : undefined;
    if (known) {
      if (known.k === 'ptr') key = [...entries].find(([, id]) => id === known.obj)?.[0];
      m.rememberXaEntry(x, a[1]!, ZERO);
    }
    const hit = key !== undefined ? entries.get(key) : undefined;
    if (key !== undefined) entries.delete(key);
    if (hit !== undefined) m.step(at, 'xa_erase()', `${m.world.name(hit)} removed from index ${key} of ${m.world.name(x.id)}`);
    return hit !== undefined ? ptr(hit) : ZERO;
  },
  *xa_destroy(m, a, _as, at) {
    // It frees the xarray's own nodes, never what the entries point to: whatever is still stored
    // is reachable from nothing after it.
    const x = obj(m, a[0], at, 'xarray');
    if (!x) return ZERO;
    const entries = m.xa(x.id);
    const n = entries.size;
    entries.clear();
    m.step(at, 'xa_destroy()', n ? `${n} entr${n === 1 ? 'y' : 'ies'} still stored: the xarray forgets ${n === 1 ? 'it' : 'them'}, nothing frees ${n === 1 ? 'it' : 'them'}` : 'empty');
    return ZERO;
  },
  *xa_load(m, a, _as, at) {
    const x = obj(m, a[0], at, 'xarray');
    if (!x) return ZERO;
    const key = a[1]?.k === 'int' ? a[1].v : undefined;
    const hit = key !== undefined ? m.xa(x.id).get(key) : undefined;
    if (hit !== undefined) return ptr(hit);
    // An xarray of an object the path was given and has not stored into (a domain's per-IOMMU
    // info, a device's PASID table) may hold an entry at an index the path does not know: it
    // finds one or it does not, the same answer for the same index on the whole path.
    const found = key === undefined && a[1] ? m.storedXaEntry(x, a[1]) ?? m.unknownXaEntry(x, a[1]) : undefined;
    return found !== undefined ? found : ZERO;
  },
  *ida_alloc(m, _a, _as, at) {
    // The lowest free id, or -ENOMEM/-ENOSPC.
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'ida_alloc() fails', '-ENOSPC');
      return int(-CONSTANTS.ENOSPC);
    }
    const id = m.world.sym('ida_alloc()');
    if (id.k === 'sym') m.nonNegative.add(id.id);
    return id;
  },
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
};
