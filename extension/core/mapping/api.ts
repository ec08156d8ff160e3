// This file mirrors the IOPF/SVA/iommufd API of include/linux/iommu.h and the kernel primitives
// it is built on: one table from a call's name to the model operation it is bound to.

export interface ApiEntry {
  /** dotted operation name, as used in traces, queries and caret tests */
  op: string;
  /** what the call does to the model, in the kernel's words (hover text) */
  doc: string;
  /** calls through a struct field (`ops->page_response`) rather than by name */
  field?: boolean;
}

import { REF_GETTERS, REF_PUTTERS } from '../model/refs';
import { SCHED } from '../model/primitives/sched';

const e = (op: string, doc: string, field = false): ApiEntry => (field ? { op, doc, field } : { op, doc });

/** Calls by name. */
export const API: Record<string, ApiEntry> = {
  // The IOPF core (drivers/iommu/io-pgfault.c)
  iommu_report_device_fault: e('iopf.report', 'Reports a fault from the device. A non-last page request is collected as a partial fault; the last one of a group builds an iopf_group (holding a reference on iommu_fault_param) and hands it to the domain\'s iopf_handler. Whether the caller or the core answers a request that cannot be handled depends on the era of the API in this tree.'),
  report_partial_fault: e('iopf.partial', 'Collects a non-last page request on iommu_fault_param->partial; it needs no response of its own and is moved into its group when the last request arrives.'),
  iopf_group_alloc: e('iopf.group.alloc', 'Allocates an iopf_group for the last request (or falls back to the caller\'s abort group), moves the matching partial faults into it and queues it on iommu_fault_param->faults.'),
  iopf_group_response: e('iopf.respond', 'Answers the page request group with a response code through ops->page_response() and removes the group from the pending list. Every group must be answered exactly once.'),
  iopf_free_group: e('iopf.group.free', 'Frees the partial faults of an iopf_group, drops the group\'s reference on iommu_fault_param and frees the group. Only after the group has been answered.'),
  __iopf_free_group: e('iopf.group.free', 'Frees the partial faults of an iopf_group and drops its reference on iommu_fault_param, leaving the group itself (an on-stack abort group) alone.'),
  iopf_group_dequeue: e('iopf.dequeue', 'Removes the group from the pending list without answering it; its new owner (iommufd) must answer it.'),
  iopf_get_dev_fault_param: e('iopf.param.get', 'Reads dev->iommu->fault_param under rcu_read_lock() and takes a reference with refcount_inc_not_zero(); returns NULL when IOPF is not enabled or the parameter is going away. The caller must drop the reference with iopf_put_dev_fault_param().'),
  iopf_put_dev_fault_param: e('iopf.param.put', 'Drops a reference on iommu_fault_param; the last one frees it with kfree_rcu() so RCU readers that already saw the pointer stay safe.'),
  iopf_queue_add_device: e('iopf.queue.add', 'Enables IOPF for the device: allocates iommu_fault_param with users = 1 (the queue\'s reference) and publishes it in dev->iommu->fault_param.'),
  iopf_queue_remove_device: e('iopf.queue.remove', 'Disables IOPF for the device: frees the partial faults, answers every pending group with IOMMU_PAGE_RESP_INVALID, unpublishes dev->iommu->fault_param and drops the queue\'s reference.'),
  iopf_queue_flush_dev: e('iopf.queue.flush', 'Waits for all fault work queued for the device; called before a PASID is released so no handler still runs for it.'),
  iopf_queue_discard_partial: e('iopf.queue.discard', 'Frees the partial faults of every device on the queue (after a PRI queue overflow).'),
  iopf_queue_alloc: e('iopf.queue.alloc', 'Allocates an iopf_queue and its unbound workqueue; may fail.'),
  iopf_queue_free: e('iopf.queue.free', 'Removes every device still on the queue and destroys its workqueue.'),
  iopf_error_response: e('iopf.respond', 'Answers a page request that cannot be handled with IOMMU_PAGE_RESP_INVALID through ops->page_response().'),
  iommu_page_response: e('iopf.respond', 'Answers a page request through ops->page_response() (older API).'),
  find_fault_handler: e('attach.handle.get', 'Finds the attach handle of the fault\'s PASID (or the RID) whose domain has an iopf_handler; NULL when no fault-capable domain is attached.'),
  iommu_attach_handle_get: e('attach.handle.get', 'Looks up the iommu_attach_handle of a group and PASID; ERR_PTR(-ENOENT) when nothing (or a domain of another type) is attached.'),
  iommu_get_domain_for_dev_pasid: e('attach.domain.get', 'The domain attached at a PASID of the device (of the requested type), NULL when none is; before attach handles.'),
  iommu_attach_device_pasid: e('attach.pasid', 'Attaches a domain to a PASID of the device, recording an iommu_attach_handle.'),
  iommu_detach_device_pasid: e('detach.pasid', 'Detaches the domain from the PASID; outstanding faults for it must be flushed or answered first.'),
  iommu_attach_group_handle: e('attach.group', 'Attaches a domain to a group with an attach handle (iommufd fault-capable page tables).'),
  iommu_detach_group_handle: e('detach.group', 'Detaches the group\'s domain attached with a handle.'),
  iommu_replace_group_handle: e('attach.replace', 'Replaces the group\'s domain, with a new attach handle.'),
  // SVA (drivers/iommu/iommu-sva.c)
  iommu_sva_bind_device: e('sva.bind', 'Binds the device to an mm. The same (mm, device) bound twice returns the same iommu_sva handle with its users count raised; the SVA domain is shared by devices of the same mm.'),
  iommu_sva_unbind_device: e('sva.unbind', 'Drops one bind of the handle; the last unbind detaches the PASID, frees the handle and, when its last device leaves, the SVA domain.'),
  iommu_sva_get_pasid: e('sva.pasid', 'Returns the PASID of the bond.'),
  iommu_sva_alloc_pasid: e('sva.pasid.alloc', 'Allocates (or reuses) the mm\'s global PASID.'),
  iommu_alloc_global_pasid: e('sva.pasid.alloc', 'Allocates a global PASID.'),
  iommu_free_global_pasid: e('sva.pasid.free', 'Releases a global PASID; faults for it must have been flushed first.'),
  iommu_sva_domain_alloc: e('sva.domain.alloc', 'Allocates an SVA domain for the mm.'),
  iommu_domain_free: e('domain.free', 'Frees an iommu_domain; only when no device uses it any more.'),
  iommu_sva_iopf_handler: e('iopf.handler', 'The SVA domain\'s iopf_handler: queues the group\'s work on the iopf queue; the work handles the fault, answers the group and frees it.'),
  // iommufd fault object (drivers/iommu/iommufd/fault.c)
  iommufd_fault_iopf_handler: e('iommufd.deliver', 'The iommufd domain\'s iopf_handler: queues the group on the fault object for user space to read.'),
  iommufd_fault_fops_read: e('iommufd.read', 'User space reads fault messages; each group read moves to the response xarray of the device.'),
  iommufd_fault_fops_write: e('iommufd.respond', 'User space writes responses; each one answers and frees its group.'),
  iommufd_auto_response_faults: e('iommufd.auto_respond', 'Answers every outstanding fault of the device that was delivered through this fault object with IOMMU_PAGE_RESP_INVALID.'),
  iommufd_fault_domain_detach_dev: e('iommufd.detach', 'Detaches a fault-capable page table; every outstanding fault of the device, on every PASID, must be answered.'),
  iommufd_fault_domain_replace_dev: e('iommufd.replace', 'Replaces a fault-capable page table; outstanding faults of the old one must be answered.'),
  // Device release (drivers/iommu/iommu.c)
  iommu_deinit_device: e('release.deinit', 'Tears the device down: puts it into ops->release_domain (when the driver has one) before ops->release_device().'),
  // Kernel primitives: locks
  mutex_lock: e('lock.acquire', 'Takes a sleeping lock.'),
  mutex_lock_interruptible: e('lock.acquire', 'Takes a sleeping lock, or fails on a signal.'),
  mutex_lock_killable: e('lock.acquire', 'Takes a sleeping lock, or fails on a fatal signal.'),
  mutex_trylock: e('lock.try', 'Takes the lock if it is free.'),
  mutex_unlock: e('lock.release', 'Releases a sleeping lock.'),
  spin_lock: e('lock.acquire', 'Takes a spinlock: atomic context until released.'),
  spin_lock_irq: e('lock.acquire', 'Takes a spinlock with interrupts off.'),
  spin_lock_irqsave: e('lock.acquire', 'Takes a spinlock with interrupts off.'),
  spin_lock_bh: e('lock.acquire', 'Takes a spinlock with bottom halves off.'),
  spin_unlock: e('lock.release', 'Releases a spinlock.'),
  spin_unlock_irq: e('lock.release', 'Releases a spinlock.'),
  spin_unlock_irqrestore: e('lock.release', 'Releases a spinlock.'),
  spin_unlock_bh: e('lock.release', 'Releases a spinlock.'),
  raw_spin_lock_irqsave: e('lock.acquire', 'Takes a raw spinlock with interrupts off.'),
  raw_spin_unlock_irqrestore: e('lock.release', 'Releases a raw spinlock.'),
  guard: e('lock.scope', 'Takes the lock for the rest of the enclosing scope; every way out of the scope releases it.'),
  scoped_guard: e('lock.scope', 'Takes the lock for the statement or block that follows.'),
  mutex_init: e('lock.init', 'Initialises a mutex.'),
  spin_lock_init: e('lock.init', 'Initialises a spinlock.'),
  lockdep_assert_held: e('lock.assert', 'Asserts the lock is held.'),
  // RCU
  rcu_read_lock: e('rcu.read_lock', 'Enters an RCU read-side critical section: objects freed with kfree_rcu() stay valid until it ends. No sleeping inside.'),
  rcu_read_unlock: e('rcu.read_unlock', 'Leaves the RCU read-side critical section.'),
  rcu_dereference: e('rcu.deref', 'Reads an RCU-protected pointer; valid only inside the read section or with a reference taken in it.'),
  rcu_dereference_check: e('rcu.deref', 'Reads an RCU-protected pointer under the stated lock condition.'),
  rcu_dereference_protected: e('rcu.deref', 'Reads an RCU-protected pointer with the update-side lock held.'),
  rcu_access_pointer: e('rcu.deref', 'Reads an RCU-protected pointer\'s value without dereferencing it.'),
  rcu_assign_pointer: e('rcu.assign', 'Publishes a pointer to RCU readers.'),
  RCU_INIT_POINTER: e('rcu.assign', 'Initialises an RCU-protected pointer (NULL or not yet visible).'),
  synchronize_rcu: e('rcu.sync', 'Waits for a grace period: every reader that started before has left. Sleeps.'),
  kfree_rcu: e('rcu.free', 'Frees the object after a grace period: readers that saw it stay safe, later readers must not find it.'),
  kfree_rcu_mightsleep: e('rcu.free', 'Frees the object after a grace period.'),
  call_rcu: e('rcu.free', 'Runs a callback (usually a free) after a grace period.'),
  // refcount_t
  refcount_set: e('ref.set', 'Sets a refcount_t.'),
  refcount_inc: e('ref.inc', 'Takes a reference; incrementing from zero is a use-after-free.'),
  refcount_inc_not_zero: e('ref.inc_not_zero', 'Takes a reference unless the count already reached zero (the object is being freed).'),
  refcount_dec: e('ref.dec', 'Drops a reference that is not the last.'),
  refcount_dec_and_test: e('ref.dec_and_test', 'Drops a reference; true when it was the last one and the caller must free the object.'),
  refcount_read: e('ref.read', 'Reads the count.'),
  iommufd_object_alloc: e('mem.alloc', 'iommufd: allocates an object (zeroed) whose embedded obj.users holds one reference; ERR_PTR on failure.'),
  // files: a file's last reference runs its file_operations' .release
  anon_inode_getfile: e('ref.file.new', 'Makes a file with one reference whose .release (of the given file_operations) runs when the last reference goes; may fail (ERR_PTR).'),
  fput: e('ref.file.put', 'Drops a file reference; the last one runs the file\'s .release, which drops what the file held.'),
  get_file: e('ref.file.get', 'Takes another reference on a file.'),
  fd_install: e('ref.file.install', 'Hands the file reference to the process\'s fd table: from here it is the table\'s to drop.'),
  // lists
  INIT_LIST_HEAD: e('list.init', 'Initialises an empty list (or an unlinked node).'),
  list_add: e('list.add', 'Adds a node at the head of a list.'),
  list_add_tail: e('list.add', 'Adds a node at the tail of a list.'),
  list_del: e('list.del', 'Unlinks a node and poisons it: list_empty() on it afterwards is meaningless.'),
  list_del_init: e('list.del', 'Unlinks a node and reinitialises it, so list_empty() on it is true.'),
  list_move: e('list.move', 'Moves a node to the head of another list.'),
  list_move_tail: e('list.move', 'Moves a node to the tail of another list.'),
  list_empty: e('list.empty', 'True when the list (or node) links to nothing.'),
  list_count_nodes: e('list.count', 'Counts the nodes of a list.'),
  list_first_entry: e('list.first', 'The first entry of a non-empty list.'),
  list_first_entry_or_null: e('list.first', 'The first entry of a list, or NULL.'),
  list_entry: e('list.entry', 'The structure containing a list node.'),
  list_splice_init: e('list.move', 'Moves every node of a list to another.'),
  // xarray
  xa_load: e('xa.load', 'Reads an xarray entry.'),
  xa_store: e('xa.store', 'Stores an xarray entry.'),
  xa_erase: e('xa.erase', 'Removes an xarray entry.'),
  xa_alloc: e('xa.alloc', 'Stores an entry at a free index.'),
  xa_init_flags: e('xa.init', 'Initialises an xarray.'),
  xa_init: e('xa.init', 'Initialises an xarray.'),
  xa_destroy: e('xa.destroy', 'Frees the xarray\'s internal nodes.'),
  xa_empty: e('xa.empty', 'True when the xarray has no entries.'),
  // memory
  kzalloc: e('mem.alloc', 'Allocates zeroed memory; may fail (returns NULL). GFP_KERNEL may sleep.'),
  kmalloc: e('mem.alloc', 'Allocates memory; may fail. GFP_KERNEL may sleep.'),
  kcalloc: e('mem.alloc', 'Allocates an array; may fail.'),
  kmalloc_array: e('mem.alloc', 'Allocates an array; may fail.'),
  kvzalloc: e('mem.alloc', 'Allocates zeroed memory; may fail.'),
  kmemdup: e('mem.alloc', 'Duplicates memory; may fail.'),
  devm_kzalloc: e('mem.alloc', 'Allocates device-managed memory; may fail.'),
  kzalloc_node: e('mem.alloc', 'Allocates zeroed memory on a NUMA node; may fail (returns NULL).'),
  kcalloc_node: e('mem.alloc', 'Allocates a zeroed array on a NUMA node; may fail.'),
  kmalloc_node: e('mem.alloc', 'Allocates memory on a NUMA node; may fail.'),
  kvzalloc_node: e('mem.alloc', 'Allocates zeroed memory on a NUMA node; may fail.'),
  kvcalloc: e('mem.alloc', 'Allocates a zeroed array, vmalloc-backed if large; may fail.'),
  kvmalloc: e('mem.alloc', 'Allocates memory, vmalloc-backed if large; may fail.'),
  kvmalloc_array: e('mem.alloc', 'Allocates an array, vmalloc-backed if large; may fail.'),
  vzalloc: e('mem.alloc', 'Allocates zeroed virtually contiguous memory; may fail; sleeps.'),
  vmalloc: e('mem.alloc', 'Allocates virtually contiguous memory; may fail; sleeps.'),
  kmem_cache_zalloc: e('mem.alloc', 'Allocates a zeroed object from a slab cache; may fail.'),
  kmem_cache_alloc: e('mem.alloc', 'Allocates an object from a slab cache; may fail.'),
  bitmap_zalloc: e('mem.alloc', 'Allocates a zeroed bitmap; may fail.'),
  bitmap_alloc: e('mem.alloc', 'Allocates a bitmap; may fail.'),
  kstrdup: e('mem.alloc', 'Duplicates a string; may fail.'),
  devm_kcalloc: e('mem.alloc', 'Allocates a device-managed zeroed array; may fail.'),
  devm_kmalloc: e('mem.alloc', 'Allocates device-managed memory; may fail.'),
  kfree: e('mem.free', 'Frees memory now: any later use, by this thread or another that still holds the pointer, is a use-after-free.'),
  kvfree: e('mem.free', 'Frees memory now.'),
  kfree_sensitive: e('mem.free', 'Clears and frees memory now.'),
  cdev_alloc: e('mem.alloc', 'Allocates a character device (GFP_KERNEL); may fail. cdev_del() frees it, live or not.'),
  cdev_del: e('mem.free', 'Removes a character device and drops its reference: frees one cdev_alloc() allocated.'),
  cdev_device_del: e('mem.free', 'Removes a character device and its struct device: frees a cdev cdev_alloc() allocated.'),
  vfree: e('mem.free', 'Frees vmalloc() memory now.'),
  bitmap_free: e('mem.free', 'Frees a bitmap now.'),
  kmem_cache_free: e('mem.free', 'Returns an object to its slab cache now.'),
  // kref
  kref_init: e('ref.init', 'Sets a kref to one reference.'),
  kref_get: e('ref.get', 'Takes one more reference.'),
  kref_put: e('ref.put', 'Drops a reference; the last one runs the release given, which usually frees the object.'),
  // workqueues
  INIT_WORK: e('wq.init_work', 'Sets the function a work item runs.'),
  queue_work: e('wq.queue', 'Queues work; it runs later on the workqueue\'s thread.'),
  flush_workqueue: e('wq.flush', 'Waits for every queued work item to finish. Sleeps; must not hold a lock that the work takes.'),
  flush_work: e('wq.flush', 'Waits for one work item to finish.'),
  flush_delayed_work: e('wq.flush', 'Queues a delayed work item now and waits for it to finish. Sleeps.'),
  drain_workqueue: e('wq.flush', 'Waits until the workqueue is empty, work queued meanwhile by its own items included. Sleeps; must not hold a lock that the work takes.'),
  cancel_work_sync: e('wq.flush', 'Cancels a work item and waits for it to finish if it is running; true when it was pending. Sleeps.'),
  cancel_delayed_work_sync: e('wq.flush', 'Cancels a delayed work item and waits for it to finish if it is running; true when it was pending. Sleeps.'),
  alloc_workqueue: e('wq.alloc', 'Allocates a workqueue; may fail.'),
  destroy_workqueue: e('wq.destroy', 'Drains and frees a workqueue.'),
  // pointers, errors, warnings
  IS_ERR: e('err.test', 'True for an ERR_PTR() value.'),
  IS_ERR_OR_NULL: e('err.test', 'True for NULL or an ERR_PTR() value.'),
  PTR_ERR: e('err.value', 'The error code of an ERR_PTR() value.'),
  ERR_PTR: e('err.make', 'Encodes an error code as a pointer.'),
  ERR_CAST: e('err.make', 'Passes an ERR_PTR() on as another pointer type.'),
  PTR_ERR_OR_ZERO: e('err.value', 'The error code of an ERR_PTR() value, or 0.'),
  WARN_ON: e('warn', 'Warns (with a backtrace) when the condition holds, and returns it.'),
  WARN_ON_ONCE: e('warn', 'Warns once when the condition holds, and returns it.'),
  WARN: e('warn', 'Warns when the condition holds.'),
  likely: e('hint', 'Branch hint.'),
  unlikely: e('hint', 'Branch hint.'),
  container_of: e('ptr.container', 'The structure that contains a member.'),
  dev_iommu_ops: e('iommu.ops', 'The iommu_ops of the device\'s IOMMU driver (page_response, release_domain, release_device, ...).'),
  // device release and domains
};

// Calls that may sleep and change nothing else the model follows (model/primitives/sched.ts).
for (const name of Object.keys(SCHED)) API[name] ??= e('sched.sleep', 'May sleep (waits, delays or polls); must not be called in atomic context: under a spinlock, inside rcu_read_lock(), from a hard interrupt handler.');

// Reference getters and putters outside the IOPF core (model/refs.ts): a reference a path takes
// must be dropped, returned or kept somewhere live.
for (const [name, g] of Object.entries(REF_GETTERS)) {
  API[name] ??= e('ref.get', `Takes a reference on ${g.arg !== undefined ? 'the object it is given' : 'the object it finds (NULL when none)'}${g.drops !== undefined ? ', dropping the one on the object it moves on from' : ''}; the caller drops it with ${g.putter}().`);
}
for (const name of REF_PUTTERS) API[name] ??= e('ref.put', 'Drops a reference taken by a getter of its kind (NULL is allowed).');

/** Calls through a struct field, by field name. */
export const FIELD_API: Record<string, ApiEntry> = {
  page_response: e('iopf.hw.page_response', 'The IOMMU driver sends the page response to the device: the device\'s outstanding page request group is answered with the given code. The device stalls until this happens.', true),
  iopf_handler: e('iopf.handler', 'Hands the iopf_group to the domain\'s fault handler. On success (0) the handler owns the group and must answer it with iopf_group_response() and free it with iopf_free_group(); on failure the caller still owns both duties.', true),
  release_device: e('release.device', 'The IOMMU driver releases the device\'s resources; the device must already be in ops->release_domain (blocking or identity) so no DMA is translated through a freed table.', true),
  attach_dev: e('attach.dev', 'The driver attaches a domain to the device.', true),
  set_dev_pasid: e('attach.pasid', 'The driver attaches a domain to a PASID of the device.', true),
  remove_dev_pasid: e('detach.pasid', 'The driver detaches the PASID\'s domain; its faults must be flushed.', true),
  free: e('domain.free', 'Frees an iommu_domain.', true),
};

/** Calls that are known and have no effect on the model: logging, tracing, hints. */
export function isLogging(name: string): boolean {
  return /^(dev_(err|warn|info|dbg|notice|crit|emerg|alert)(_ratelimited|_once)?|pr_(err|warn|info|debug|notice|crit|devel)(_ratelimited|_once)?|printk|trace_\w+|dev_name|might_sleep|lockdep_\w+|BUILD_BUG_ON\w*|BUG_ON|static_assert|memset|memcpy|sizeof|ARRAY_SIZE|min|max|min_t|max_t|READ_ONCE|WRITE_ONCE|smp_\w+|barrier)$/.test(name);
}

/** lookupOperation - the table entry for a direct call @name, or a field call `x->@name(...)`. */
export function lookupOperation(name: string, field = false): ApiEntry | undefined {
  return field ? FIELD_API[name] : API[name];
}

/** describeOperation - hover text for a mapped call, or undefined when the model does not know it. */
export function describeOperation(name: string, field = false): string | undefined {
  const entry = lookupOperation(name, field) ?? (field ? undefined : FIELD_API[name]);
  return entry ? `${entry.op}: ${entry.doc}` : undefined;
}
