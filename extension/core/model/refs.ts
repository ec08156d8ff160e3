// This file mirrors the kernel's reference-counting getters and putters outside the IOPF core:
// pci_get_*()/pci_dev_put(), of_*()/of_node_put(), get_device()/put_device(), iommu_group_get()/
// iommu_group_put(), fwnode and kobject references, get_task_mm()/mmput(), runtime PM usage counts
// (pm_runtime_get_sync()/pm_runtime_put()), and the for_each_*()
// iterators that hold a reference on the element they stand on.

export interface RefGetter {
  /** the call that drops what this one takes */
  putter: string;
  /** the object is this argument (pci_dev_get(pdev)), not a new one the call finds */
  arg?: number;
  /** the argument whose reference the call drops as it moves on (pci_get_device(.., from)) */
  drops?: number;
  /** the struct the found object is */
  type?: string;
  /**
   * The call returns a status, not the object (runtime PM): 'always' takes the reference even when
   * it fails (pm_runtime_get_sync()), 'on-success' only when it succeeds, 'positive' only when it
   * returns a positive value. Such references are a leak only on a path that returns failure: a
   * driver keeps a device powered across calls (get in attach, put in detach) on purpose.
   */
  status?: 'always' | 'on-success' | 'positive';
}

export const REF_GETTERS: Record<string, RefGetter> = {
  pci_get_domain_bus_and_slot: { putter: 'pci_dev_put', type: 'pci_dev' },
  pci_get_slot: { putter: 'pci_dev_put', type: 'pci_dev' },
  pci_get_device: { putter: 'pci_dev_put', type: 'pci_dev', drops: 2 },
  pci_get_class: { putter: 'pci_dev_put', type: 'pci_dev', drops: 1 },
  pci_get_subsys: { putter: 'pci_dev_put', type: 'pci_dev', drops: 4 },
  pci_dev_get: { putter: 'pci_dev_put', arg: 0 },
  of_node_get: { putter: 'of_node_put', arg: 0 },
  of_find_node_by_name: { putter: 'of_node_put', type: 'device_node', drops: 0 },
  of_find_node_by_type: { putter: 'of_node_put', type: 'device_node', drops: 0 },
  of_find_compatible_node: { putter: 'of_node_put', type: 'device_node', drops: 0 },
  of_find_matching_node: { putter: 'of_node_put', type: 'device_node', drops: 0 },
  of_find_node_by_path: { putter: 'of_node_put', type: 'device_node' },
  of_find_node_by_phandle: { putter: 'of_node_put', type: 'device_node' },
  of_parse_phandle: { putter: 'of_node_put', type: 'device_node' },
  of_get_parent: { putter: 'of_node_put', type: 'device_node' },
  of_get_child_by_name: { putter: 'of_node_put', type: 'device_node' },
  of_get_next_child: { putter: 'of_node_put', type: 'device_node', drops: 1 },
  of_get_next_available_child: { putter: 'of_node_put', type: 'device_node', drops: 1 },
  get_device: { putter: 'put_device', arg: 0 },
  bus_find_device: { putter: 'put_device', type: 'device' },
  bus_find_device_by_name: { putter: 'put_device', type: 'device' },
  bus_find_device_by_fwnode: { putter: 'put_device', type: 'device' },
  bus_find_device_by_of_node: { putter: 'put_device', type: 'device' },
  device_find_child: { putter: 'put_device', type: 'device' },
  class_find_device: { putter: 'put_device', type: 'device' },
  of_find_device_by_node: { putter: 'put_device', type: 'platform_device' },
  iommu_group_get: { putter: 'iommu_group_put', type: 'iommu_group' },
  iommu_group_ref_get: { putter: 'iommu_group_put', arg: 0 },
  fwnode_handle_get: { putter: 'fwnode_handle_put', arg: 0 },
  kobject_get: { putter: 'kobject_put', arg: 0 },
  get_task_mm: { putter: 'mmput', type: 'mm_struct' },
  mmgrab: { putter: 'mmdrop', arg: 0 },
  pm_runtime_get_sync: { putter: 'pm_runtime_put', arg: 0, status: 'always' },
  pm_runtime_get: { putter: 'pm_runtime_put', arg: 0, status: 'always' },
  pm_runtime_get_noresume: { putter: 'pm_runtime_put', arg: 0, status: 'always' },
  pm_runtime_resume_and_get: { putter: 'pm_runtime_put', arg: 0, status: 'on-success' },
  pm_runtime_get_if_in_use: { putter: 'pm_runtime_put', arg: 0, status: 'positive' },
  pm_runtime_get_if_active: { putter: 'pm_runtime_put', arg: 0, status: 'positive' },
};

/** Putters that drop the same kind of reference under another name. */
export const PUTTER_OF: Record<string, string> = {
  platform_device_put: 'put_device',
  pm_runtime_put_sync: 'pm_runtime_put',
  pm_runtime_put_noidle: 'pm_runtime_put',
  pm_runtime_put_autosuspend: 'pm_runtime_put',
  pm_runtime_put_sync_autosuspend: 'pm_runtime_put',
  pm_runtime_put_sync_suspend: 'pm_runtime_put',
};

/** Putters and the getters whose references they drop. */
export const REF_PUTTERS = new Set([...Object.values(REF_GETTERS).map((g) => g.putter), ...Object.keys(PUTTER_OF)]);

/**
 * Iterators that hold a reference on the element they stand on and drop it as they move on: the
 * putter of that reference and which argument is the cursor.
 */
export const REF_ITERATORS: Record<string, { putter: string; cursor: number }> = {
  for_each_pci_dev: { putter: 'pci_dev_put', cursor: 0 },
  for_each_child_of_node: { putter: 'of_node_put', cursor: 1 },
  for_each_available_child_of_node: { putter: 'of_node_put', cursor: 1 },
  for_each_compatible_node: { putter: 'of_node_put', cursor: 0 },
  for_each_matching_node: { putter: 'of_node_put', cursor: 0 },
  for_each_node_by_name: { putter: 'of_node_put', cursor: 0 },
  for_each_node_by_type: { putter: 'of_node_put', cursor: 0 },
  for_each_node_with_property: { putter: 'of_node_put', cursor: 0 },
  device_for_each_child_node: { putter: 'fwnode_handle_put', cursor: 1 },
  fwnode_for_each_child_node: { putter: 'fwnode_handle_put', cursor: 1 },
};
