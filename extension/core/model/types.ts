// This file mirrors the pointer fields of the IOMMU structs in include/linux/iommu.h and
// drivers/iommu/iommu-priv.h that the model follows: struct.field -> the struct it points to.

const FIELDS: Record<string, string> = {
  'device.iommu': 'dev_iommu',
  'device.iommu_group': 'iommu_group',
  'dev_iommu.fault_param': 'iommu_fault_param',
  'dev_iommu.iommu_dev': 'iommu_device',
  'iommu_fault_param.queue': 'iopf_queue',
  'iommu_fault_param.dev': 'device',
  'iommu_fault_param.lock': 'mutex',
  'iommu_fault_param.users': 'refcount_t',
  'iommu_fault_param.faults': 'list_head',
  'iommu_fault_param.partial': 'list_head',
  'iopf_queue.devices': 'list_head',
  'iopf_queue.lock': 'mutex',
  'iopf_queue.wq': 'workqueue_struct',
  'iopf_group.fault_param': 'iommu_fault_param',
  'iopf_group.attach_handle': 'iommu_attach_handle',
  'iopf_group.domain': 'iommu_domain',
  'iopf_group.last_fault': 'iopf_fault',
  'iopf_group.faults': 'list_head',
  'iopf_group.pending_node': 'list_head',
  'iopf_group.work': 'work_struct',
  'iopf_fault.fault': 'iommu_fault',
  'iopf_fault.list': 'list_head',
  'iommu_fault.prm': 'iommu_fault_page_request',
  'iommu_attach_handle.domain': 'iommu_domain',
  'iommu_sva.handle': 'iommu_attach_handle',
  'iommu_sva.dev': 'device',
  'iommu_domain.mm': 'mm_struct',
  'mm_struct.iommu_mm': 'iommu_mm_data',
  'iommufd_hw_pagetable.fault': 'iommufd_fault',
  'iommufd_device.igroup': 'iommufd_group',
  'iommufd_group.group': 'iommu_group',
  'iommufd_device.dev': 'device',
  'iommufd_fault.mutex': 'mutex',
};

/** fieldType - the struct a pointer (or embedded) field refers to, when the model knows it. */
export function fieldType(struct: string, field: string): string | undefined {
  return FIELDS[`${struct}.${field}`];
}
