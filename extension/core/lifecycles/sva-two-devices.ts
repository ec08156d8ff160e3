// Lifecycle: two devices bound to the same process address space (uacce, idxd), one of them twice,
// then every bond let go in either order. The core shares one handle per (mm, device), one SVA
// domain per mm where the IOMMU allows it, and tears down when the last user of each leaves.
import type { Program } from './program';

const binds = [
  { call: 'iommu_sva_bind_device', args: ['dev', 'mm'], as: 'handle_a' },
  { call: 'iommu_sva_bind_device', args: ['dev2', 'mm'], as: 'handle_b' },
  { call: 'iommu_sva_bind_device', args: ['dev2', 'mm'], as: 'handle_b_again' },
];

const checks: Program['checks'] = [
  { kind: 'same', a: 'handle_b', b: 'handle_b_again', rule: 'sva/handle-sharing', why: 'binding the same (mm, device) again must return the same handle' },
  { kind: 'distinct', a: 'handle_a', b: 'handle_b', rule: 'sva/handle-sharing', why: 'two devices bound to one mm must each get a handle of their own' },
];

export const SVA_TWO_DEVICES: Program[] = [
  {
    name: 'sva-two-devices',
    summary: 'two devices bind the same mm (the second one twice), then unbind in the order they bound',
    entries: ['iommu_sva_bind_device', 'iommu_sva_unbind_device'],
    requires: ['iommu_sva_bind_device'],
    threads: [{
      name: 'process',
      steps: [...binds,
        { call: 'iommu_sva_unbind_device', args: ['handle_a'] },
        { call: 'iommu_sva_unbind_device', args: ['handle_b_again'] },
        { call: 'iommu_sva_unbind_device', args: ['handle_b'] }],
    }],
    checks,
  },
  {
    name: 'sva-two-devices-reverse',
    summary: 'two devices bind the same mm (the second one twice), then unbind the second device first',
    entries: ['iommu_sva_bind_device', 'iommu_sva_unbind_device'],
    requires: ['iommu_sva_bind_device'],
    threads: [{
      name: 'process',
      steps: [...binds,
        { call: 'iommu_sva_unbind_device', args: ['handle_b_again'] },
        { call: 'iommu_sva_unbind_device', args: ['handle_b'] },
        { call: 'iommu_sva_unbind_device', args: ['handle_a'] }],
    }],
    checks,
  },
];
