// Named, data-driven scenarios: the world an entry point runs in (device, fault parameter, queue,
// pending groups, attached domains) and the events it is given, as the kernel's lifecycle produces them.
import type { Cfg } from '../parse/cfg';
import { CONSTANTS } from '../model/constants';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import type { Machine } from './machine';

export interface Scenario {
  name: string;
  summary: string;
  /** whether the scenario fits the entry point, by its parameters or by the calls it makes */
  fits(cfg: Cfg, calls: ReadonlySet<string>, text: string, roles?: ReadonlySet<string>): boolean;
  /**
   * The scenario gives the function a role of its own, found from what it calls: it runs as an entry
   * point even when it is a static helper whose callers are simulated too.
   */
  role?: boolean;
  /** a fault-capable domain is attached at the RID and at whatever PASID a request names */
  anyPasid?: boolean;
  /** each event the code hands to iommu_report_device_fault() is a request the device made */
  hardwareRequests?: boolean;
  /**
   * iommufd: a fault object about to be destroyed, with a group on its deliver list and another one
   * user space has read, waiting in its response xarray; nobody else will answer them
   */
  faultObjectDestroy?: boolean;
  /**
   * iommufd: user space reads the fault object's file while a group waits on its deliver list; a
   * group read must stay with the object (response xarray) until user space answers it
   */
  faultObjectRead?: boolean;
  /** the function runs as a hard interrupt handler: interrupt context, nothing may sleep */
  hardIrq?: boolean;
  /**
   * the function is on the fault path (a driver reporting page requests, a domain's iopf_handler):
   * the IOMMU's fault interrupt thread waits for every lock it takes
   */
  faultPath?: boolean;
  /** IOPF not enabled: dev->iommu->fault_param is NULL */
  noFaultParam?: boolean;
  /** no fault-capable domain attached */
  noDomain?: boolean;
  /** what domain->iopf_handler() returns */
  handlerResult?: number;
  /** the events, in order: one entry call per event (report scenarios) */
  events?: { last: boolean; grpid: number; pasid?: number }[];
  /** the fault parameter has a pending group and a partial fault */
  pending?: boolean;
  /** ops->release_domain exists */
  releaseDomain?: boolean;
  /** call the entry this many times with the same arguments */
  repeat?: number;
  /** iommufd: outstanding faults delivered on these PASIDs */
  iommufdPasids?: number[];
}

const has = (cfg: Cfg, type: string) => cfg.params.some((p) => p.type === type && p.pointer > 0);
// Given the event and no response message (a page_response callback is given both: it answers).
const isReport = (cfg: Cfg) => has(cfg, 'device') && (has(cfg, 'iopf_fault') || has(cfg, 'iommu_fault')) && !has(cfg, 'iopf_group') && !has(cfg, 'iommu_page_response');

export const SCENARIOS: Scenario[] = [
  { name: 'last-only', summary: 'a single-page request (LAST_PAGE set); a fault-capable domain is attached and its handler accepts the group', fits: isReport, handlerResult: 0, events: [{ last: true, grpid: 1 }] },
  { name: 'partial-then-last', summary: 'a non-last request, then the last request of the same group', fits: isReport, handlerResult: 0, events: [{ last: false, grpid: 1 }, { last: true, grpid: 1 }] },
  { name: 'partial-only', summary: 'a non-last request alone: it must only be collected', fits: isReport, handlerResult: 0, events: [{ last: false, grpid: 1 }] },
  { name: 'handler-fails', summary: 'the last request of a group whose domain handler returns an error', fits: isReport, handlerResult: -CONSTANTS.EINVAL, events: [{ last: true, grpid: 1 }] },
  { name: 'no-fault-param', summary: 'a page request for a device whose IOPF was never enabled (no iommu_fault_param)', fits: isReport, noFaultParam: true, handlerResult: 0, events: [{ last: true, grpid: 1 }] },
  { name: 'no-domain', summary: 'a page request while no fault-capable domain is attached', fits: isReport, noDomain: true, handlerResult: 0, events: [{ last: true, grpid: 1 }] },
  {
    name: 'hardware-request',
    summary: 'the hardware delivered a page request and the driver reports it to the core: IOPF is enabled on the device and a fault-capable domain is attached at the RID and at any PASID',
    // A driver's fault path: it builds the event itself and hands it to the core.
    fits: (c, calls) => calls.has('iommu_report_device_fault') && !isReport(c),
    role: true, anyPasid: true, hardwareRequests: true, handlerResult: 0, faultPath: true,
  },
  {
    name: 'fault-object-destroy',
    summary: 'destroying an iommufd fault object whose deliver list holds a group and whose response xarray holds one user space has read: each must be answered and freed',
    // The fault object's destroy callback: it turns the iommufd object back into its iommufd_fault.
    fits: (c, _calls, text) => has(c, 'iommufd_object') && /container_of\s*\([^,]*,\s*(?:struct\s+)?iommufd_fault\s*,/.test(text),
    faultObjectDestroy: true,
  },
  {
    name: 'fault-object-read',
    summary: 'user space reads the iommufd fault object\'s file while a group waits on its deliver list (each copy to user space may fail): every group stays on the list, moves to the response xarray, or is answered',
    // The fault object's read: a file operation that moves groups from the deliver list to the response xarray.
    fits: (c, _calls, text) => has(c, 'file') && /->\s*response\b/.test(text) && /\bxa_alloc\s*\(/.test(text),
    faultObjectRead: true,
  },
  {
    name: 'hard-irq',
    summary: 'the function runs as a hard interrupt handler (the handler given to request_irq(), or the primary one of request_threaded_irq()): interrupt context, nothing in it may sleep',
    fits: (_c, _calls, _text, roles) => roles?.has('hard-irq') ?? false,
    role: true, hardIrq: true,
  },
  {
    name: 'iopf-handler',
    summary: 'the function is installed as a domain\'s iopf_handler: the core calls it on the fault path, from the IOMMU driver\'s fault interrupt thread, with a group of an outstanding request',
    fits: (c, _calls, _text, roles) => has(c, 'iopf_group') && (roles?.has('iopf-handler') ?? false),
    role: true, faultPath: true,
  },
  {
    name: 'page-response',
    summary: 'the function is installed as an IOMMU driver\'s page_response callback: the core calls it from iopf_group_response() and iopf_queue_remove_device(), in process context under the fault parameter\'s lock, to send the device the response to an outstanding request',
    fits: (_c, _calls, _text, roles) => roles?.has('page-response') ?? false,
    role: true,
  },
  { name: 'group-pending', summary: 'an iopf_group handed out for an outstanding request, still on the pending list', fits: (c, _calls, _text, roles) => has(c, 'iopf_group') && !roles?.has('iopf-handler') },
  // The core's own removal and enable, by the kernel API they are (the contract the model keys
  // on), never by a name pattern. A driver's disable that calls them brings its own queue and
  // device, which this world does not model yet: it is checked through its calls' contracts.
  { name: 'remove-with-pending', summary: 'removing a device with a pending group and a partial fault outstanding', fits: (c) => has(c, 'device') && !isReport(c) && c.name === 'iopf_queue_remove_device', pending: true },
  { name: 'iopf-enable', summary: 'enabling IOPF for a device that has no fault parameter yet', fits: (c) => has(c, 'device') && !isReport(c) && c.name === 'iopf_queue_add_device', noFaultParam: true },
  { name: 'sva-bind-twice', summary: 'the same (mm, device) bound twice, as uacce and idxd do', fits: (c) => has(c, 'device') && has(c, 'mm_struct') && c.name === 'iommu_sva_bind_device', repeat: 2 },
  { name: 'iommufd-detach-with-pasid-faults', summary: 'detaching a fault-capable page table while faults on the RID and on PASID 1 are outstanding', fits: (c, calls) => has(c, 'iommufd_device') && (has(c, 'iommufd_hw_pagetable') || has(c, 'iommufd_fault')) && (calls.has('iommu_detach_group_handle') || calls.has('iommu_replace_group_handle') || calls.has('iommu_detach_device_pasid') || calls.has('iommu_replace_device_pasid')), iommufdPasids: [0, 1] },
  // The core's teardown: what calls the driver's ops->release_device() for a device.
  { name: 'device-release', summary: 'releasing a device whose driver has a release_domain', fits: (c, calls) => has(c, 'device') && !isReport(c) && calls.has('->release_device'), releaseDomain: true, role: true },
  { name: 'default', summary: 'the entry point with unconstrained arguments', fits: () => true },
];

/** scenariosFor - the named scenarios that fit @cfg; `default` only when nothing specific fits. */
export function scenariosFor(cfg: Cfg, only?: string[], calls: ReadonlySet<string> = new Set(), text = '', roles: ReadonlySet<string> = new Set()): Scenario[] {
  if (only?.length) return SCENARIOS.filter((s) => only.includes(s.name) && (s.fits(cfg, calls, text, roles) || s.name === 'default'));
  const specific = SCENARIOS.filter((s) => s.name !== 'default' && s.fits(cfg, calls, text, roles));
  return specific.length ? specific : SCENARIOS.filter((s) => s.name === 'default');
}

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** The shared world of a scenario: a device with IOPF enabled on a queue (unless told otherwise). */
export interface WorldHandles {
  dev: Obj;
  param: Obj;
  fp?: Obj;
  queue: Obj;
  mm: Obj;
  group?: Obj;
  hwpt?: Obj;
  idev?: Obj;
  /** concurrent scenarios: the page request a reporting thread carries */
  evt?: Obj;
  /** concurrent scenarios: an SVA bond that already exists for (mm, dev) */
  sva?: Obj;
  /** concurrent scenarios: the iommufd fault object whose response xarray holds a group */
  fault?: Obj;
  /** lifecycle programs: actors and the results of earlier steps, by name */
  env?: Map<string, Value>;
  /** lifecycle programs: names whose step the machine itself failed (an allocation) */
  failed?: Set<string>;
  /** lifecycle programs: where each named step returned (frame and return statement) */
  sites?: Map<string, { frame: import('./machine').Frame; at: import('../types').SourceRange }>;
}

/** The fields of dev->iommu a device's probe fills. */
const PROBED: ReadonlySet<string> = new Set(['iommu_dev', 'fwspec', 'priv', 'max_pasids', 'lock']);

export function buildWorld(m: Machine, s: Scenario): WorldHandles {
  const w = m.world;
  const dev = w.alloc('device', 'world');
  const param = w.alloc('dev_iommu', 'world');
  dev.fields.set('iommu', ptr(param.id));
  const queue = w.alloc('iopf_queue', 'world');
  w.lists.set(w.sub(queue.id, 'devices', 'list_head').id, []);
  w.alloc('workqueue_struct', 'world');
  const mm = w.alloc('mm_struct', 'world');
  let fp: Obj | undefined;
  if (!s.noFaultParam) {
    fp = w.alloc('iommu_fault_param', 'world');
    w.sub(fp.id, 'users', 'refcount_t').count = 1;
    fp.fields.set('dev', ptr(dev.id));
    fp.fields.set('queue', ptr(queue.id));
    w.lists.set(w.sub(fp.id, 'faults', 'list_head').id, []);
    w.lists.set(w.sub(fp.id, 'partial', 'list_head').id, []);
    w.listAdd(w.sub(fp.id, 'queue_list', 'list_head').id, w.sub(queue.id, 'devices').id, true);
    param.fields.set('fault_param', ptr(fp.id));
  } else {
    param.fields.set('fault_param', ZERO);
    // IOPF never enabled: dev_iommu_get() allocated dev->iommu zeroed and the probe set only the
    // IOMMU instance, the firmware spec and the driver's private data; every fault field of the
    // era (the fault parameter, an IOPF parameter beside it) is still NULL.
    param.zeroedBut = PROBED;
  }
  // The probe linked the device to its IOMMU instance, whose ops are the driver's.
  const iommu = w.alloc('iommu_device', 'world');
  iommu.fields.set('ops', m.opsOf(dev));
  param.fields.set('iommu_dev', ptr(iommu.id));
  param.fields.set('max_pasids', int(1 << 20));
  // Released while attached to its domain: a deferred attach, if any, has happened.
  if (s.releaseDomain) param.fields.set('attach_deferred', ZERO);
  dev.fields.set('iommu_group', ptr(w.alloc('iommu_group', 'world').id));
  m.worldDevice = dev;
  if ((s.events || s.anyPasid) && !s.noDomain) {
    // A fault-capable domain is attached to the RID and to any PASID the events name.
    for (const pasid of new Set([0, ...(s.events ?? []).map((e) => e.pasid ?? 0)])) faultDomainAt(m, int(pasid));
  }
  const out: WorldHandles = { dev, param, fp, queue, mm };
  if (fp && s.pending) {
    // A group still waiting for its answer when the device is removed. A core that tracks the
    // groups it handed out on the fault parameter (pending_node) answers and frees them itself on
    // removal, its callers having flushed the fault work first: nobody else will. A core that does
    // not (no pending_node in the tree) leaves both to the handler's work that holds the group.
    const g = pendingGroup(m, fp, 2, m.era.pendingGroups ? undefined : 'handler', m.era.pendingGroups);
    if (!m.era.pendingGroups) g.owner = 'handler';
    out.group = g;
    const partial = w.alloc('iopf_fault', 'heap');
    setFault(m, partial, { last: false, grpid: 3 });
    w.listAdd(w.sub(partial.id, 'list', 'list_head').id, w.sub(fp.id, 'partial').id);
    w.requests.push({ grpid: 3, pasid: 0, last: false, responses: [] });
  }
  if (fp && (s.name === 'group-pending' || s.name === 'iopf-handler')) {
    // The caller handed the group in and keeps it: answering and freeing it is its business.
    out.group = pendingGroup(m, fp, 1, 'caller');
    out.group.owner = 'caller';
  }
  if (fp && s.iommufdPasids) {
    // Faults reach the fault object only where iommufd attached it: at PASIDs too only once the
    // tree's iommufd attaches page tables at a PASID.
    const pasids = s.iommufdPasids.filter((p) => p === 0 || m.era.iommufdPasidAttach);
    // Faults delivered to user space through the fault object, one per PASID, not yet answered.
    const hwpt = w.alloc('iommufd_hw_pagetable', 'world');
    const fault = w.alloc('iommufd_fault', 'world');
    hwpt.fields.set('fault', ptr(fault.id));
    hwpt.fields.set('domain', ptr(w.alloc('iommu_domain', 'world').id));
    const deliver = w.sub(fault.id, 'deliver', 'list_head');
    w.lists.set(deliver.id, []);
    const idev = w.alloc('iommufd_device', 'world');
    idev.fields.set('dev', ptr(dev.id));
    const igroup = w.alloc('iommufd_group', 'world');
    igroup.fields.set('group', dev.fields.get('iommu_group')!);
    idev.fields.set('igroup', ptr(igroup.id));
    for (const pasid of pasids) {
      const handle = w.alloc('iommu_attach_handle', 'world');
      m.attach(int(pasid), handle, hwpt.fields.get('domain')!);
      const g = pendingGroup(m, fp, pasid + 1);
      g.fields.set('attach_handle', ptr(handle.id));
      g.owner = 'iommufd';
      w.requests[w.requests.length - 1].pasid = pasid;
      w.listAdd(w.sub(g.id, 'node', 'list_head').id, deliver.id, true);
    }
    out.hwpt = hwpt;
    out.idev = idev;
  }
  if (fp && (s.faultObjectDestroy || s.faultObjectRead)) faultObject(m, out, Boolean(s.faultObjectDestroy));
  return out;
}

/**
 * An iommufd fault object of a fault-capable page table attached at the RID, with one group its
 * iopf handler delivered and user space has not read. Being destroyed (@destroyed), it also holds
 * one user space read and has not answered (in the response xarray), and the groups and their
 * answers are its destroy's to give; otherwise the object holds its group, and owes its answer,
 * until user space answers it through the file.
 */
function faultObject(m: Machine, h: WorldHandles, destroyed: boolean): void {
  const w = m.world;
  const fault = w.alloc('iommufd_fault', 'world');
  w.lists.set(w.sub(fault.id, 'deliver', 'list_head').id, []);
  const response = w.sub(fault.id, 'response', 'xarray');
  const domain = w.alloc('iommu_domain', 'world');
  domain.fields.set('iopf_handler', { k: 'fn', name: 'iommufd_fault_iopf_handler' });
  const handle = w.alloc('iommu_attach_handle', 'world');
  m.attach(int(CONSTANTS.IOMMU_NO_PASID), handle, ptr(domain.id));
  const delivered = pendingGroup(m, h.fp!, 1, destroyed ? undefined : 'iommufd');
  if (!destroyed) delivered.owner = 'iommufd';
  delivered.fields.set('attach_handle', ptr(handle.id));
  delivered.fields.set('fault_count', int(1));
  w.listAdd(w.sub(delivered.id, 'node', 'list_head').id, w.sub(fault.id, 'deliver').id, true);
  if (destroyed) {
    const read = pendingGroup(m, h.fp!, 2);
    read.fields.set('attach_handle', ptr(handle.id));
    read.fields.set('cookie', int(0));
    m.xa(response.id).set(0, read.id);
  }
  h.fault = fault;
  h.group = delivered;
}

/** Attaches a fault-capable domain, whose handler accepts groups, at @pasid. */
export function faultDomainAt(m: Machine, pasid: Value): Obj {
  const handle = m.world.alloc('iommu_attach_handle', 'world');
  const domain = m.world.alloc('iommu_domain', 'world');
  domain.fields.set('iopf_handler', { k: 'fn', name: 'iopf_handler' });
  m.attach(pasid, handle, ptr(domain.id));
  return handle;
}

function setFault(m: Machine, evt: Obj, e: { last: boolean; grpid: number; pasid?: number }): void {
  const fault = m.world.sub(evt.id, 'fault', 'iommu_fault');
  fault.fields.set('type', int(CONSTANTS.IOMMU_FAULT_PAGE_REQ));
  const prm = m.world.sub(fault.id, 'prm', 'iommu_fault_page_request');
  let flags = e.last ? CONSTANTS.IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE : 0;
  if (e.pasid) flags |= CONSTANTS.IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
  prm.fields.set('flags', int(flags));
  prm.fields.set('grpid', int(e.grpid));
  prm.fields.set('pasid', int(e.pasid ?? 0));
  prm.fields.set('addr', int(0x1000));
}

/** A group the core handed out for request @grpid, holding a reference, on the pending list. */
export function pendingGroup(m: Machine, fp: Obj, grpid: number, owedBy?: string, onFaultParam = true): Obj {
  const w = m.world;
  const g = w.alloc('iopf_group', 'heap');
  g.fields.set('fault_param', ptr(fp.id));
  const users = w.sub(fp.id, 'users', 'refcount_t');
  users.count = (users.count ?? 1) + 1;
  const last = w.sub(g.id, 'last_fault', 'iopf_fault');
  setFault(m, last, { last: true, grpid });
  w.lists.set(w.sub(g.id, 'faults', 'list_head').id, []);
  w.listAdd(w.sub(last.id, 'list', 'list_head').id, w.sub(g.id, 'faults').id);
  if (onFaultParam) w.listAdd(w.sub(g.id, 'pending_node', 'list_head').id, w.sub(fp.id, 'faults').id);
  const h = w.alloc('iommu_attach_handle', 'world');
  g.fields.set('attach_handle', ptr(h.id));
  w.requests.push({ grpid, pasid: 0, last: true, responses: [], owedBy });
  return g;
}

/** The event the hardware gives for one page request, not yet reported to anybody. */
export function pageRequest(m: Machine, e: { last: boolean; grpid: number; pasid?: number }): Obj {
  const evt = m.world.alloc('iopf_fault', 'world');
  setFault(m, evt, e);
  return evt;
}

/** An event object for one page request, registered with the device. */
export function eventObj(m: Machine, e: { last: boolean; grpid: number; pasid?: number }): Obj {
  const evt = pageRequest(m, e);
  m.world.requests.push({ grpid: e.grpid, pasid: e.pasid ?? 0, last: e.last, responses: [], evt: evt.id });
  return evt;
}

/** Arguments for @cfg's parameters, by their struct types. */
export function argsFor(m: Machine, cfg: Cfg, h: WorldHandles, evt?: Obj): Value[] {
  let file: Obj | undefined;
  const faultFile = (): Obj => {
    if (!file) {
      file = m.world.alloc('file', 'world');
      file.fields.set('private_data', ptr(h.fault!.id));
      file.fields.set('f_pos', ZERO);
    }
    return file;
  };
  return cfg.params.map((p) => {
    if (p.pointer === 0) {
      if (/response_code|status/.test(p.type) || p.name === 'status' || p.name === 'code') return int(CONSTANTS.IOMMU_PAGE_RESP_SUCCESS);
      // A read or write of a fault object's file: room for a few records.
      if (h.fault && p.type === 'size_t') return int(256);
      return m.world.sym(p.name);
    }
    switch (p.type) {
      case 'device': return ptr(h.dev.id);
      case 'dev_iommu': return ptr(h.param.id);
      case 'iommu_fault_param': return h.fp ? ptr(h.fp.id) : ZERO;
      case 'iopf_queue': return ptr(h.queue.id);
      case 'mm_struct': return ptr(h.mm.id);
      case 'iopf_fault':
      case 'iommu_fault': return evt ? ptr(evt.id) : m.world.sym(p.name);
      case 'iopf_group': return h.group ? ptr(h.group.id) : m.world.sym(p.name);
      case 'iommufd_hw_pagetable': if (h.hwpt) return ptr(h.hwpt.id); break;
      case 'iommufd_device': if (h.idev) return ptr(h.idev.id); break;
      case 'iommufd_fault': if (h.fault) return ptr(h.fault.id); break;
      case 'iommufd_object': if (h.fault) return ptr(m.world.sub(h.fault.id, 'obj', 'iommufd_object').id); break;
    }
    // The fault object's file: private_data is the object, read or written at offset 0.
    if (h.fault && p.type === 'file') return ptr(faultFile().id);
    if (h.fault && p.type === 'loff_t') return ptr(m.world.sub(faultFile().id, 'f_pos', 'loff_t').id);
    switch (p.type) {
      default: {
        const o = m.world.alloc(p.type, 'world');
        return ptr(o.id);
      }
    }
  });
}
