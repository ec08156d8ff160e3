// Titles and help text of the rule ids (DESIGN.md "Check"), as reports show them: SARIF rule metadata and text hints.
// Ids are stable and never renamed; an id the model adds later and this table lacks still reports, with a generic text.

export interface RuleInfo {
  id: string;
  title: string;
  help: string;
  level: 'error' | 'warning' | 'note';
}

const R = (id: string, level: RuleInfo['level'], title: string, help: string): RuleInfo => ({ id, level, title, help });

export const RULES: readonly RuleInfo[] = [
  R('iopf/unanswered-page-request', 'error', 'Page request never answered',
    'A PRI-capable device waits for a response to every page request group (the last fault of the group). A path that neither hands the group to a fault handler nor calls ops->page_response() leaves the device stalled. When the core cannot enqueue a fault it must answer it itself, e.g. with IOMMU_PAGE_RESP_INVALID.'),
  R('iopf/duplicate-response', 'error', 'Page request answered twice',
    'A page request group gets exactly one response. A second ops->page_response() for the same group id may answer a later request that reused the id.'),
  R('iopf/partial-fault-dispatched', 'error', 'Partial fault dispatched on its own',
    'A fault without IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE is only collected on the partial list; its group is dispatched when the last fault arrives. Dispatching it alone processes an incomplete group and answers the device early.'),
  R('iopf/partial-fault-leak', 'warning', 'Partial fault leaked',
    'Collected partial faults are freed when their group is created, on error, on discard and when the device is removed from its IOPF queue.'),
  R('iopf/use-after-free', 'error', 'Use after free',
    'An iommu_fault_param, iopf_group or iopf_fault is used after it was freed, including after iopf_queue_remove_device() and across RCU grace periods (only kfree_rcu() waits for readers).'),
  R('iopf/refcount-imbalance', 'error', 'Reference count imbalance',
    'Every reference taken (iopf_get_dev_fault_param(), a group\'s reference) is dropped exactly once; no increment from zero; nothing left held when the scenario ends.'),
  R('iopf/group-leak', 'warning', 'iopf_group leaked',
    'Every iopf_group is freed exactly once with iopf_free_group(), after its response.'),
  R('iopf/group-double-free', 'error', 'iopf_group freed twice',
    'Every iopf_group is freed exactly once with iopf_free_group(), after its response.'),
  R('lock/imbalance', 'error', 'Lock imbalance',
    'Every lock taken on a path is released on that path, once.'),
  R('lock/order', 'error', 'Inconsistent lock order',
    'Two locks taken in both orders on different paths can deadlock.'),
  R('lock/sleep-in-atomic', 'error', 'Sleeping in atomic context',
    'No sleeping allocation or mutex inside an RCU read section or while holding a spinlock.'),
  R('lock/flush-under-lock', 'error', 'Workqueue flushed under a lock its work takes',
    'Flushing a workqueue while holding a lock that its work items take deadlocks.'),
  R('sva/handle-sharing', 'error', 'SVA handle not shared',
    'Binding the same (mm, device) twice returns the same iommu_sva handle; the last unbind tears it down.'),
  R('sva/domain-lifetime', 'error', 'SVA domain freed while in use',
    'An SVA domain is freed only when its last user leaves.'),
  R('sva/flush-before-pasid-release', 'error', 'PASID released before faults were flushed',
    'Outstanding faults of a PASID are flushed before the PASID is released.'),
  R('iommufd/auto-response-pasid', 'error', 'Detach leaves PASID faults unanswered',
    'Detaching or replacing a fault-capable page table responds to every outstanding fault of the device, on every PASID, not just the RID.'),
  R('release/release-domain', 'error', 'Device released outside its release domain',
    'Device release attaches the release_domain before release_device runs.'),
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** ruleInfo - what reports say about @id; unknown ids get a generic entry rather than being dropped */
export function ruleInfo(id: string): RuleInfo {
  return BY_ID.get(id) ?? { id, title: id, help: `Rule ${id} of the iopf-lens model.`, level: 'warning' };
}
