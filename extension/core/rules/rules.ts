// The rules: stable ids, one-line titles, why each matters and the kernel history behind it.
import type { Severity } from '../types';

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  why: string;
  history: string;
}

const r = (id: string, severity: Severity, title: string, why: string, history: string): [string, Rule] =>
  [id, { id, title, severity, why, history }];

export const RULES: Record<string, Rule> = Object.fromEntries([
  r('iopf/unanswered-page-request', 'error', 'A page request is never answered',
    'A PRI-capable device keeps a page request group outstanding until the IOMMU driver sends a page response. A path that neither answers it nor hands it to a handler that will stalls the device (and, for a PASID, every user of it).',
    '"iommu: Handle iommu faults for a bad iopf setup" (2024): after iommu_report_device_fault() became void, a fault with no fault-capable domain or no iopf_param was dropped without ops->page_response(), stalling the device.'),
  r('iopf/duplicate-response', 'error', 'A page request is answered twice',
    'The device matches a response to its outstanding group by group index; a second response can complete a later, unrelated request with the wrong code.',
    '"iommu: Track iopf group instead of last fault" (2024): the pending list is protected by iommu_fault_param::lock and groups are removed with list_del_init() so removal and response cannot both answer a group.'),
  r('iopf/partial-fault-dispatched', 'error', 'A partial (non-last) fault is dispatched on its own',
    'Only the last request of a group carries the duty to answer; earlier ones must be collected on the partial list and joined to their group. Dispatching one builds a group from a partial fault, which is then freed while still on the partial list.',
    '"iommu: Restore lost return in iommu_report_device_fault()" (2024): the return after report_partial_fault() was deleted by accident, so partial faults were processed as complete groups and the kernel crashed.'),
  r('iopf/partial-fault-leak', 'warning', 'A partial fault is leaked',
    'Partial faults are freed when their group is freed, on error paths, by iopf_queue_discard_partial() and by iopf_queue_remove_device(); one that is on no list and not freed is lost memory.',
    'iopf_queue_remove_device() and iopf_queue_discard_partial() free the partial list; iopf_free_group() frees the partial faults of its group.'),
  r('iopf/use-after-free', 'error', 'Use of a freed IOPF object',
    'iommu_fault_param, iopf_group and iopf_fault are freed by the response, removal and teardown paths; a later use, including a use after kfree_rcu() by a thread that did not see the object under RCU, reads freed memory.',
    '"iommu: Use refcount for fault data access" (2024): the fault parameter is read under rcu_read_lock() with refcount_inc_not_zero() and freed with kfree_rcu(), so a reader racing removal never touches freed memory.'),
  r('iopf/refcount-imbalance', 'error', 'References unbalanced (iommu_fault_param, iommu_sva, refcount_t users and kernel getters)',
    'Every reference taken with iopf_get_dev_fault_param() is dropped once; an iopf_group holds one until iopf_free_group(). A leaked reference keeps the parameter alive forever; an early drop frees it under its holders. The same holds for any refcount_t the model follows (an iommu_sva bond\'s users): refcount_inc() at zero revives an object already being freed, a drop below zero is an underflow. And for the references kernel getters hand out: pci_get_*() and pci_dev_put(), of_find_*()/of_parse_phandle() and of_node_put(), get_device()/of_find_device_by_node() and put_device(), iommu_group_get() and iommu_group_put(), the element a for_each_pci_dev() or for_each_child_of_node() loop is left on, a file\'s reference dropped through its .release: a path must drop what it took (or return or store it), and never drop it twice. A struct device the path found initialised (the devices a driver\'s remove reaches) has one reference its holder owns: dropping a second one the path never took releases it early. Example: `pdev = pci_get_domain_bus_and_slot(seg, bus, devfn);` then `if (!ok) return -EINVAL;` leaks pdev.',
    '"iommu: Use refcount for fault data access" (2024): the group holds a reference on the fault parameter until it is freed. "iommu/amd: Fix pci device refcount leak in ppr_notifier()" and "iommu/vt-d: Fix PCI device refcount leak in has_external_pci()" (2022); "iommufd: Fix out_fput in iommufd_fault_alloc()" (2024); "dmaengine: idxd: Fix refcount underflow on module unload" (2025).'),
  r('iopf/group-leak', 'warning', 'An iopf_group is leaked',
    'An iopf_group is freed exactly once, after its response, by its owner: the handler that accepted it, or the reporting path when the handler failed.',
    '"iommu: Make iopf_group_response() return void" (2024): the core answers and frees the group itself when it cannot be queued.'),
  r('iopf/disable-order', 'warning', 'PRI disabled before the device leaves its fault queue',
    'iopf_queue_remove_device() documents the order for taking IOPF down on a device: stop new page requests (in the IOMMU and its hardware queue), remove the device from the fault queue, which answers every request still outstanding with IOMMU_PAGE_RESP_INVALID, and only then disable PRI on the device. A path that calls pci_disable_pri() on the device before iopf_queue_remove_device() sends those answers to a function whose Page Request Interface is already off.',
    '"iommu: Improve iopf_queue_remove_device()" (2024) wrote the order down; "iommu/vt-d: Refactor PCI PRI enabling/disabling callbacks" (2024) moved pci_disable_pri() after iopf_queue_remove_device() to follow it.'),
  r('iopf/response-without-group', 'error', 'A page_response callback does not tell the hardware which group it answers',
    'The function a driver installs as iommu_ops.page_response turns the core\'s answer into a hardware command, and the hardware matches that command to the requests it stalled by their page request group index. A callback that reads the answer (the response\'s code) but never the group index (the response\'s grpid, or the event\'s fault.prm.grpid), in its body or in what it calls, cannot name the group: the device keeps waiting for the group it stalled, or another group is resumed in its place. (Whether the PASID goes with it depends on the protocol: a PRI response carries it, an SMMUv3 stall is resumed by its tag alone, so it is not checked.)',
    'Each vendor\'s callback builds its command from the group index: VT-d\'s page group response descriptor (QI_PGRP_IDX()), SMMUv3\'s CMD_RESUME stall tag, AMD\'s PPR completion tag.'),
  r('iopf/group-double-free', 'error', 'An iopf_group is freed twice',
    'A group freed by removal and again by its handler (or twice on an error path) corrupts the allocator.',
    '"iommu: Improve iopf_queue_remove_device()" (2024): removal answers and frees the pending groups; their handlers must not free them again.'),
  r('lock/imbalance', 'error', 'Lock not released, released twice, or taken twice',
    'A path that returns with a lock held, unlocks a lock it does not hold, or takes a lock it already holds, deadlocks or corrupts the lock.',
    'goto err_unlock ladders in iopf_queue_add_device() and iopf_queue_remove_device() must release queue->lock and param->lock on every path.'),
  r('lock/order', 'warning', 'Inconsistent lock order',
    'Two paths that take the same two locks in opposite orders can deadlock against each other.',
    'iopf_queue_add_device() and iopf_queue_remove_device() take queue->lock before dev->iommu->lock.'),
  r('lock/sleep-in-atomic', 'error', 'Sleeping in atomic context',
    'A GFP_KERNEL allocation, a mutex, a flush, synchronize_rcu(), a copy to or from user space, a delay (msleep()), a wait for a completion, a semaphore or a polling read (readl_poll_timeout()) may sleep, and so may any function of the tree whose body reaches one, however deep (past the call-depth bound the finding names the chain of calls), or a callback through an ops pointer that one of the tree\'s ops tables of that struct type fills with such a function; inside rcu_read_lock(), under a spinlock, or in a hard interrupt handler (the handler the tree gives request_irq(), or the primary one of request_threaded_irq()) that is a bug. So is a mutex the fault path takes (a driver reporting page requests, a domain\'s iopf_handler) while another path holds it across a user copy: the IOMMU\'s fault thread then waits for user space to fault its pages in.',
    'iopf_get_dev_fault_param() only dereferences and takes a reference inside its RCU read section.'),
  r('lock/flush-under-lock', 'error', 'Flushing fault work while holding a lock that work takes',
    'flush_workqueue() waits for the work; if the work needs a lock the flusher holds, neither proceeds.',
    'iopf_queue_flush_dev() is called from PASID teardown paths, outside the locks the SVA fault handler takes.'),
  r('sva/handle-sharing', 'error', 'SVA handle not shared for the same (mm, device)',
    'uacce and idxd bind the same mm to the same device more than once and rely on the core returning the same iommu_sva handle, refcounted; the last unbind tears it down.',
    '"iommu/sva: Restore SVA handle sharing" (2024): the handle de-duplication lost in "iommu: Support mm PASID 1:n with sva domains" was restored.'),
  r('sva/domain-lifetime', 'error', 'SVA domain freed while in use',
    'The SVA domain of an mm is shared by its devices; it is freed only when the last device leaves.',
    '"iommu/sva: Restore SVA handle sharing" (2024): domain->users counts the devices sharing the domain.'),
  r('sva/flush-before-pasid-release', 'error', 'PASID released before its faults are flushed',
    'Faults queued for a PASID must be flushed (iopf_queue_flush_dev()) before the PASID is detached and released, or a handler runs for a PASID that belongs to someone else.',
    '"iommu: SVA and IOPF refactoring" (2022): the domain detach path flushes outstanding faults before the detach completes.'),
  r('iommufd/auto-response-pasid', 'error', 'iommufd detach leaves PASID faults unanswered',
    'Detaching or replacing a fault-capable page table must answer every outstanding fault of the device delivered through it, on every PASID, not just the RID; otherwise the device waits forever for faults user space can no longer answer.',
    'Review of "iommufd: Add iommufd fault object" (2024): "But is this right? Couldn\'t there be PASID\'s doing PRI?"'),
  r('release/release-domain', 'error', 'Device released before it is put into the release domain',
    'When the driver has ops->release_domain, the core attaches it (blocking or identity) before ops->release_device() so no DMA is translated through tables being freed.',
    '"iommu: Add static iommu_ops->release_domain" (2024).'),
  r('api/err-ptr-check', 'error', 'ERR_PTR() result tested against NULL, or NULL result tested with IS_ERR()',
    'A function that reports failure with ERR_PTR() and never returns NULL (iommu_sva_bind_device(), memdup_user(), a helper of the tree whose every failure return is ERR_PTR()) must be tested with IS_ERR(): `!p` lets the error through as a valid pointer. One that returns NULL and never ERR_PTR() (kzalloc() and the other allocators, a helper whose failures all return NULL) must be tested for NULL: IS_ERR(NULL) is false. Which kind a function is comes from its body in the workspace, else from the documented contract of a few kernel APIs; functions that may return both are never flagged. Example: `handle = iommu_sva_bind_device(dev, mm);` then `if (!handle) return -ENODEV;` keeps ERR_PTR(-ENODEV) as the handle.',
    'Smatch warns "\'p\' is an error pointer or valid" and "\'p\' isn\'t an ERR_PTR"; the "Fix NULL vs IS_ERR() check" patches it produces land in nearly every release, IOMMU drivers included.'),
  r('api/user-copy-result', 'error', 'Bytes-not-copied count of a user copy used as an error code',
    'copy_from_user(), copy_to_user() and clear_user() return the number of bytes they could not copy: 0 on success, a positive count on failure, never -EFAULT. Returning that count from a function that otherwise returns 0 or -errno hands callers (and user space, through an ioctl) a positive value; testing it for a negative value never sees the failure; and failing with -EFAULT where it returned 0 inverts the test. Example: `if (copy_to_user(arg, &info, sizeof(info)))` then `return -EFAULT;` is right; `return copy_to_user(arg, &info, sizeof(info));` is not.',
    'Smatch warns "maybe return -EFAULT instead of the bytes remaining?"; "return -EFAULT if copy_to_user() fails" fixes are a steady stream in drivers with ioctls (uacce and idxd take their descriptors from user space this way).'),
  r('mem/null-deref', 'error', 'Dereference of a NULL or error pointer a call returned',
    'An allocation that failed (kzalloc() and friends return NULL), or a call that returned ERR_PTR() on this path, is dereferenced without a test (!p, IS_ERR()): the kernel oopses when the call fails. So is a pointer a WARN_ON(!p) or WARN_ON_ONCE(!p) fired for, when the path goes on to dereference it: the code said it can be NULL there, and the warning becomes a crash. Other NULLs that reach a dereference are taken for paths the code rules out.',
    '"Add missing NULL check after kzalloc()" fixes are a steady stream in drivers; idxd and uacce allocate their contexts this way. "iommu/vt-d: Avoid use of NULL after WARN_ON_ONCE" (2024): intel_iommu_remove_dev_pasid() warned when its search found no dev_pasid and then tore down the entry it had not found.'),
  r('api/missing-error-code', 'warning', 'A failure returned as success',
    'A function that reports its failures as a negative errno returns 0 on a path where a call of its own failed (an allocation, an id, adding a device): the caller takes the failure for success and goes on with what was never set up. Smatch reports the same as a missing error code.',
    'idxd_cdev_open() jumps to its error path when ida_alloc() fails with rc still 0 from an earlier call, frees the context and returns 0: the file is open on freed memory.'),
  r('lock/data-race', 'error', 'A list changed by two threads without a lock in common',
    'A list (its head, or a node\'s membership) that one thread changes while another reads or changes it, found in an interleaving of the scenario\'s threads, where the two accesses hold no lock in common: list_add()/list_del() corrupt the list, and a list_empty() check decides on a state that is already gone. Reads inside rcu_read_lock() of an RCU list are not races. Example: a response checking `list_empty(&group->pending_node)` without fault_param->lock while removal does `list_del_init()` under it.',
    'Eraser\'s lockset algorithm; "iommufd/fault: Use a separate spinlock to protect fault->deliver list" (2025) and the pending-state check of iopf_group_response() taken under fault_param->lock.'),
  r('mem/leak', 'warning', 'Allocation leaked at the end of a path',
    'An object from kzalloc(), kmalloc(), kcalloc(), kmemdup() and the other allocators that, when the path ends, is neither freed nor reachable from anything still live (a global, a list, an xarray, a field of a live object, the workqueue, the return value, an out-parameter) nor handed to a function the model cannot see into. An error when the path returns failure: error paths are where leaks hide. Example: `buf = kzalloc(len, GFP_KERNEL);` then `if (copy_from_user(buf, ubuf, len)) return -EFAULT;` leaks buf.',
    'kmemleak reports and "Fix memory leak in ... error path" patches; in this domain "Fix potential memory leak in iopf_queue_remove_device()" (2024).'),
  r('api/undo-not-set-up', 'warning', 'A path undoes a set-up that failed on it',
    'A path tries a set-up on a device or object (the ops->set_dev_pasid() of a PASID attach, iopf_queue_add_device(), a domain attach, an IOMMU registration), the set-up fails, and the same path then calls the undo on the same objects: it takes down what was never set up, or what another user had set up there (a PASID entry of another domain, a queue entry of an earlier enable). Unwinding must stop at the last set-up that succeeded. Example: a loop calls `ops->set_dev_pasid(domain, dev, pasid)` for each device and breaks on the first failure, then the caller calls `ops->remove_dev_pasid(dev, pasid)` for every device, the failed one included.',
    '"iommu: Undo pasid attachment only for the devices that have succeeded" (2024): a failed PASID attach removed the PASID from devices it was never set on.'),
  r('api/error-unwind', 'warning', 'A failing path leaves set up what it set up',
    'A function that returns failure must undo what it set up on that path: IOPF enabled on a fault queue (iopf_queue_add_device() without iopf_queue_remove_device()), a fault handler registered, a device feature enabled, a domain attached, PASID/PRI/ATS enabled, an IOMMU or its sysfs entry registered, an interrupt requested. And a mutex initialised in an object the failing path frees without mutex_destroy(), where the tree destroys that member when it tears the object down (the pairing the rest of the tree keeps; mutex_destroy() is how lock debugging marks a mutex dead). Its caller takes the failure to mean nothing happened and never undoes it. Not reported when something does: a later step of the same path, a caller in the tree that undoes it on the failure, a teardown of the object that undoes it only when the object shows it was made (`if (iommu->iommu.dev) iommu_device_sysfs_remove(&iommu->iommu);`), or the release of an object a callee returned with it made (the attach inside iommu_sva_bind_device() is undone by the unbind). Flags that record whether a set-up was made (`flags | UACCE_DEV_SVA`, then `if (!(flags & UACCE_DEV_SVA)) return;` before the undo) are followed. Example: `ret = iopf_queue_add_device(q, dev); if (!ret) ret = iommu_register_device_fault_handler(dev, h, dev); return ret;` leaves the device on the queue when the registration fails.',
    '"iommu/vt-d: Fix error handling in sva enable/disable paths" (2022): a failed fault-handler registration left the device on the IOPF queue. Smatch\'s unwind check finds the same kind of bug across the kernel.'),
]);

/** Markdown documentation of every rule, for the README and the diagnostics' links. */
export function rulesMarkdown(): string {
  const out = ['# Rules', ''];
  for (const rule of Object.values(RULES)) {
    out.push(`## ${rule.id}`, '', `**${rule.title}** (${rule.severity})`, '', rule.why, '', `History: ${rule.history}`, '');
  }
  return out.join('\n');
}
