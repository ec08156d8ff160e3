// Lifecycle: a device's I/O page faults from enable to removal, on the tree's own core. An IOMMU
// driver allocates its fault queue, enables IOPF for the device on it (and, where the core of the
// tree wants one, registers the fault handler the drivers of the tree register), reports a partial
// page request and then the last one of its group, flushes the fault work and disables IOPF again,
// then frees the queue. Every state comes from running the tree's code: the fault parameter's
// layout, where partial faults wait, who queues the group and who answers it are the tree's own.
// At the end each page request has been answered exactly once, and nothing the core allocated is
// left behind.
import type { Workspace } from '../index';
import { argumentsOf } from '../parse/args';
import type { Program, RoleProgram, Step } from './program';

/**
 * The fault handlers the tree's drivers register for their devices:
 * `iommu_register_device_fault_handler(dev, handler, data)` with a handler whose body is there.
 */
function registeredHandlers(ws: Workspace): string[] {
  const out = new Set<string>();
  for (const f of ws.files.values()) {
    for (const fn of f.functions) {
      if (!fn.calls.some((c) => !c.field && c.name === 'iommu_register_device_fault_handler')) continue;
      for (const args of argumentsOf(fn.text, 'iommu_register_device_fault_handler')) {
        const handler = args[1]?.trim();
        if (handler && /^\w+$/.test(handler) && ws.definition(handler)) out.add(handler);
      }
    }
  }
  return [...out].sort();
}

const EVENTS: Program['events'] = [
  { name: 'partial', last: false, grpid: 1 },
  { name: 'last', last: true, grpid: 1 },
];

function program(handler?: string): Program {
  // Where the tree's core has drivers register a fault handler, reports reach the core only
  // through it: the driver registers it after enabling IOPF and unregisters it before disabling.
  const ready = handler ? 'registered' : 'enabled';
  const steps: Step[] = [
    { call: 'iopf_queue_alloc', args: ['name'], as: 'queue' },
    { call: 'iopf_queue_add_device', args: ['queue', 'dev'], as: 'enabled' },
    ...(handler ? [{ call: 'iommu_register_device_fault_handler', args: ['dev', 'handler', 'dev'], as: 'registered', after: 'enabled' }] : []),
    { call: 'iommu_report_device_fault', args: ['dev', 'partial'], after: ready, report: true },
    { call: 'iommu_report_device_fault', args: ['dev', 'last'], after: ready, report: true },
    { call: 'iopf_queue_flush_dev', args: ['dev'], after: ready },
    ...(handler ? [{ call: 'iommu_unregister_device_fault_handler', args: ['dev'], after: 'registered' }] : []),
    { call: 'iopf_queue_remove_device', args: ['queue', 'dev'], after: 'enabled' },
    { call: 'iopf_queue_free', args: ['queue'] },
  ];
  return {
    name: handler ? `iopf-queue-lifecycle:${handler}` : 'iopf-queue-lifecycle',
    summary: 'a driver allocates its fault queue, enables IOPF on a device'
      + (handler ? ` (registering ${handler}() as its fault handler)` : '')
      + ', reports a partial and then the last page request of one group, flushes the fault work, disables IOPF and frees the queue',
    world: 'iopf-enable',
    domain: true,
    events: EVENTS,
    fns: handler ? { handler } : undefined,
    entries: ['iopf_queue_add_device', 'iopf_queue_remove_device', 'iommu_report_device_fault', ...(handler ? [handler] : [])],
    requires: ['iopf_queue_alloc', 'iopf_queue_add_device', 'iopf_queue_remove_device', 'iommu_report_device_fault', 'iopf_queue_free',
      ...(handler ? ['iommu_register_device_fault_handler', 'iommu_unregister_device_fault_handler', handler] : [])],
    threads: [{ name: 'driver', steps }],
    checks: [{
      kind: 'device-restored', a: '', b: '', rule: 'mem/leak',
      why: 'IOPF was disabled and its queue freed, so nothing will ever free it (a fault handler that cannot be unregistered, a fault parameter that outlives its queue)',
    }],
  };
}

export const IOPF_QUEUE: RoleProgram = {
  name: 'iopf-queue-lifecycle',
  summary: 'a device\'s page faults from enabling IOPF on a fault queue to disabling it, on the tree\'s own core',
  instances(ws: Workspace): Program[] {
    const handlers = ws.definition('iommu_register_device_fault_handler') ? registeredHandlers(ws) : [];
    return handlers.length ? handlers.map(program) : [program()];
  },
};
