// drivers/iommu/io-pgfault.c: the IOPF core as its callers see it (applied when its bodies are not in the
// workspace), the page requests the device waits on, and the two calls the core makes out of itself:
// ops->page_response() to answer the device and domain->iopf_handler() to hand a group over.
import type { Ast } from '../parse/ast';
import { CONSTANTS, responseName } from './constants';
import { type Obj, type Value, ZERO, int, ptr } from './world';
import { Cut } from '../sim/cut';
import type { Gen, Machine } from '../sim/machine';
import { type Contract, type FieldContract, obj } from './contract';
import { free } from './primitives/slab';
import { flush } from './primitives/workqueue';

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
export function respond(m: Machine, grpid: Value | undefined, code: Value | undefined, at: Ast, via: string, evt?: number): void {
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
  // A partial request answered as handled, through a group, or after a handler saw it, is one the
  // core dispatched on its own. Refused (IOMMU_PAGE_RESP_INVALID or _FAILURE) straight from its
  // own event when the core cannot take faults at all, it ends the group early, which the kernel
  // does on purpose: a second answer, when the last request comes, is a duplicate of its own.
  const refused = c === CONSTANTS.IOMMU_PAGE_RESP_INVALID || c === CONSTANTS.IOMMU_PAGE_RESP_FAILURE;
  const straight = evt !== undefined && r.evt === evt;
  if (!r.last && !(refused && straight && !r.dispatched)) {
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

export const IO_PGFAULT: Record<string, Contract> = {
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
    if (dev) priDisabledBefore(m, dev, at);
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
};

/**
 * The removal order iopf_queue_remove_device() documents: stop new page requests, remove the device
 * (the core answers what is outstanding), and only then disable PRI on the device. A pci_disable_pri()
 * of the device (its struct pci_dev, which the device is embedded in) earlier on this thread's path
 * turns PRI off while requests are still outstanding: the responses the core sends here reach a
 * device that no longer takes them.
 */
function priDisabledBefore(m: Machine, dev: Obj, at: Ast): void {
  const ids = new Set([dev.id, ...(dev.parent ? [dev.parent.obj] : [])]);
  const off = m.undos.find((u) => u.name === 'pci_enable_pri' && u.tid === m.tid && ids.has(m.keyObject(u.keys[0]) ?? -1));
  if (!off) return;
  m.report('iopf/disable-order', `iopf_queue_remove_device() of ${m.world.name(dev.id)} after pci_disable_pri() at line ${off.line}${off.fn !== m.frame().fn ? ` (in ${off.fn}())` : ''}: the page requests still outstanding are answered after the device's PRI is off; the core's removal order is stop new requests, iopf_queue_remove_device(), then pci_disable_pri()`, at);
}

/** Calls through struct fields: what the callee stored there promises. */
export const IO_PGFAULT_FIELDS: Record<string, FieldContract> = {
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
    // The event it answers: the request's own when the core answers straight from the report.
    const evt = a.find((v) => v.k === 'ptr' && v.obj !== undefined && (m.world.requests.some((r) => r.evt === v.obj)
      || /iopf_fault|iommu_fault/.test(m.world.obj(v.obj).type)));
    if (!grpid && evt?.k === 'ptr') grpid = evtGrpid(m, m.world.obj(evt.obj));
    respond(m, grpid, code, at, 'ops->page_response()', evt?.k === 'ptr' ? evt.obj : undefined);
    return ZERO;
  },
  *iopf_handler(m, a, _as, at) {
    const g = obj(m, a[0], at, 'iopf_group');
    yield { kind: 'sched' };
    if (!g) return ZERO;
    m.touch(g, at, 'hands over');
    const flags = groupFlags(m, g);
    if (flags?.k === 'int' && !(flags.v & CONSTANTS.IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
      const partial = findRequest(m, groupGrpid(m, g));
      if (partial) partial.dispatched = true;
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
};
