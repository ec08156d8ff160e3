// Calls that set something up for a device or an object and the calls that undo them, as the
// kernel pairs them (iommu.h, io-pgfault.c, pci-ats.c, interrupt.h). A function that returns
// failure must undo what it set up on that path: its caller takes the failure to mean nothing
// happened, and never undoes it.

export interface SetupPair {
  /** the call that undoes the set-up */
  undo: string;
  /** arguments of the set-up, by position, that the undo names at @undoArgs (the same objects) */
  args: number[];
  undoArgs: number[];
  /**
   * state inside an object (a mutex): owed only when the object is freed on the failing path and the
   * tree undoes the same member of the same struct elsewhere (it pairs mutex_init()/mutex_destroy()).
   */
  member?: true;
}

const pair = (undo: string, args: number[], undoArgs = args): SetupPair => ({ undo, args, undoArgs });

export const SETUP_PAIRS: Readonly<Record<string, SetupPair>> = {
  // io-pgfault.c: IOPF for a device on a fault queue, and the fault handler before the 2024 rework
  iopf_queue_add_device: pair('iopf_queue_remove_device', [0, 1]),
  iommu_register_device_fault_handler: pair('iommu_unregister_device_fault_handler', [0]),
  // iommu.c: device features, attaching domains, the IOMMU instance
  iommu_dev_enable_feature: pair('iommu_dev_disable_feature', [0, 1]),
  iommu_attach_device: pair('iommu_detach_device', [0, 1]),
  iommu_attach_group: pair('iommu_detach_group', [0, 1]),
  iommu_attach_device_pasid: pair('iommu_detach_device_pasid', [0, 1, 2]),
  iommu_device_register: pair('iommu_device_unregister', [0]),
  iommu_device_sysfs_add: pair('iommu_device_sysfs_remove', [0]),
  // pci-ats.c: the PCIe capabilities SVA needs
  pci_enable_pasid: pair('pci_disable_pasid', [0]),
  pci_enable_pri: pair('pci_disable_pri', [0]),
  pci_enable_ats: pair('pci_disable_ats', [0]),
  // interrupt.h: an interrupt line, freed by its number and the cookie it was requested with
  request_irq: pair('free_irq', [0, 4], [0, 1]),
  request_threaded_irq: pair('free_irq', [0, 5], [0, 1]),
  // mutex.h: a mutex that lock debugging tracks until mutex_destroy()
  mutex_init: { ...pair('mutex_destroy', [0]), member: true },
};

/**
 * Callbacks of the IOMMU ops tables that set up and undo, by member name (`->set_dev_pasid`, called
 * through `domain->ops`, undone through the device's `iommu_ops`): the core calls them for each
 * device of a group.
 */
export const FIELD_SETUP_PAIRS: Readonly<Record<string, SetupPair>> = {
  // iommu.h: set_dev_pasid(domain, dev, pasid[, old]) and remove_dev_pasid(dev, pasid[, domain])
  '->set_dev_pasid': pair('->remove_dev_pasid', [1, 2], [0, 1]),
};

/** The pairing of a set-up call, by function name or `->member`. */
export function setupPair(name: string): SetupPair | undefined {
  return Object.hasOwn(SETUP_PAIRS, name) ? SETUP_PAIRS[name] : Object.hasOwn(FIELD_SETUP_PAIRS, name) ? FIELD_SETUP_PAIRS[name] : undefined;
}

/** How a call is named to a reader: `ops->set_dev_pasid` for a callback. */
export function shownCall(name: string): string {
  return name.startsWith('->') ? `ops${name}` : name;
}

/** The set-up calls each undo call undoes. */
export const UNDOES: ReadonlyMap<string, string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [setup, p] of [...Object.entries(SETUP_PAIRS), ...Object.entries(FIELD_SETUP_PAIRS)]) m.set(p.undo, [...(m.get(p.undo) ?? []), setup]);
  return m;
})();
