# Edits of patch 4 of the fixture series (see make-series.sh).
from edit import sub
h = 'include/linux/iommu.h'
sub(h, """#include <linux/mutex.h>
#include <linux/workqueue.h>""", """#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>""")
sub(h, """ * @faults: the partial faults of the group, then @last_fault
 * @dev: the device that raised the faults
 * @attach_handle: where the faults are handled
 * @work: the handler's work item
 */
struct iopf_group {
	struct iopf_fault last_fault;
	struct list_head faults;
	struct device *dev;
""", """ * @faults: the partial faults of the group, then @last_fault
 * @fault_param: the device's fault data; the group holds a reference to it
 *		 until iopf_free_group()
 * @attach_handle: where the faults are handled
 * @work: the handler's work item
 */
struct iopf_group {
	struct iopf_fault last_fault;
	struct list_head faults;
	struct iommu_fault_param *fault_param;
""")
sub(h, """ * @partial: faults waiting for the last fault of their group
 */
struct iommu_fault_param {
	struct mutex lock;
	struct device *dev;
""", """ * @partial: faults waiting for the last fault of their group
 * @users: references; the data is freed after an RCU grace period when the
 *	   last one is dropped
 * @rcu: for kfree_rcu()
 */
struct iommu_fault_param {
	struct mutex lock;
	refcount_t users;
	struct rcu_head rcu;
	struct device *dev;
""")
sub(h, """ * @lock: protects @fault_param: it is only used, set or cleared with @lock held
 * @fault_param: the device's fault data, NULL while IOPF is disabled
 */
struct dev_iommu {
	struct mutex lock;
	struct iommu_fault_param *fault_param;
};""", """ * @lock: serialises setting and clearing @fault_param
 * @fault_param: the device's fault data, NULL while IOPF is disabled; readers
 *		 take a reference under rcu_read_lock()
 */
struct dev_iommu {
	struct mutex lock;
	struct iommu_fault_param __rcu *fault_param;
};""")

c = 'drivers/iommu/io-pgfault.c'
sub(c, """ * kernel's drivers/iommu/io-pgfault.c; not kernel source. In this version the
 * per-device fault data is protected by dev->iommu->lock.
 */""", """ * kernel's drivers/iommu/io-pgfault.c; not kernel source. In this version the
 * per-device fault data is reference counted and freed with kfree_rcu().
 */""")
sub(c, """#include <linux/mutex.h>
#include <linux/slab.h>

/**""", """#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>

/*
 * Get the fault data of @dev with a reference, or NULL when IOPF is not (or
 * no longer) enabled. The RCU read section keeps the data from being freed
 * between reading the pointer and taking the reference.
 */
static struct iommu_fault_param *iopf_get_dev_fault_param(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;
	struct iommu_fault_param *fault_param;

	rcu_read_lock();
	fault_param = rcu_dereference(param->fault_param);
	if (fault_param && !refcount_inc_not_zero(&fault_param->users))
		fault_param = NULL;
	rcu_read_unlock();

	return fault_param;
}

/* Drop a reference; readers may still see the data until a grace period ends. */
static void iopf_put_dev_fault_param(struct iommu_fault_param *fault_param)
{
	if (refcount_dec_and_test(&fault_param->users))
		kfree_rcu(fault_param, rcu);
}

/**""")
sub(c, """ * The last fault is embedded in @group and goes with it.
 */
void iopf_free_group(struct iopf_group *group)
{
	struct iopf_fault *iopf, *next;

	list_for_each_entry_safe(iopf, next, &group->faults, list) {
		if (!(iopf->fault.prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE))
			kfree(iopf);
	}

	kfree(group);
}""", """ * The last fault is embedded in @group and goes with it, and so does the
 * group's reference to the device's fault data.
 */
void iopf_free_group(struct iopf_group *group)
{
	struct iopf_fault *iopf, *next;

	list_for_each_entry_safe(iopf, next, &group->faults, list) {
		if (!(iopf->fault.prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE))
			kfree(iopf);
	}

	/* Pairs with the reference taken in iommu_report_device_fault() */
	iopf_put_dev_fault_param(group->fault_param);
	kfree(group);
}""")
sub(c, """ * When the group cannot be allocated its partial faults are dropped too, as
 * the whole group is answered at once. Called with dev->iommu->lock held.
 */""", """ * When the group cannot be allocated its partial faults are dropped too, as
 * the whole group is answered at once. The caller holds a reference to
 * @fault_param, which the group takes over.
 */""")
sub(c, """	group->dev = fault_param->dev;
	group->last_fault.fault""", """	group->fault_param = fault_param;
	group->last_fault.fault""")
sub(c, """	struct iommu_fault *fault = &evt->fault;
	struct dev_iommu *param = dev->iommu;
	struct iommu_attach_handle *attach_handle;
	struct iommu_fault_param *fault_param;
	struct iopf_group *group;

	mutex_lock(&param->lock);
	fault_param = param->fault_param;
	if (!fault_param) {
		mutex_unlock(&param->lock);
		goto err_bad_iopf;
	}

	if (!(fault->prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
		report_partial_fault(fault_param, fault);
		/* A request that is not the last does not need to be ack'd */
		mutex_unlock(&param->lock);
		return 0;
	}

	group = iopf_group_alloc(fault_param, evt);
	mutex_unlock(&param->lock);
	if (!group)
		goto err_respond;
""", """	struct iommu_fault *fault = &evt->fault;
	struct iommu_attach_handle *attach_handle;
	struct iommu_fault_param *fault_param;
	struct iopf_group *group;

	fault_param = iopf_get_dev_fault_param(dev);
	if (!fault_param)
		goto err_bad_iopf;

	if (!(fault->prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
		report_partial_fault(fault_param, fault);
		iopf_put_dev_fault_param(fault_param);
		/* A request that is not the last does not need to be ack'd */
		return 0;
	}

	/* On success the group holds the reference until iopf_free_group(). */
	group = iopf_group_alloc(fault_param, evt);
	if (!group) {
		iopf_put_dev_fault_param(fault_param);
		goto err_respond;
	}
""")
sub(c, """	struct iopf_fault *iopf = &group->last_fault;
	struct device *dev = group->dev;""", """	struct iopf_fault *iopf = &group->last_fault;
	struct device *dev = group->fault_param->dev;""")
sub(c, """	INIT_LIST_HEAD(&fault_param->partial);
	fault_param->dev = dev;
	fault_param->queue = queue;
	list_add(&fault_param->queue_list, &queue->devices);
	param->fault_param = fault_param;
""", """	INIT_LIST_HEAD(&fault_param->partial);
	refcount_set(&fault_param->users, 1);
	fault_param->dev = dev;
	fault_param->queue = queue;
	list_add(&fault_param->queue_list, &queue->devices);
	rcu_assign_pointer(param->fault_param, fault_param);
""")
sub(c, """ * The caller has stopped the device from issuing page requests; the partial
 * faults still collected will never complete and are dropped.
 */""", """ * The caller has stopped the device from issuing page requests; the partial
 * faults still collected will never complete and are dropped. Groups still
 * being handled keep the fault data alive through their references.
 */""")
sub(c, """	fault_param = param->fault_param;
	if (WARN_ON(!fault_param || fault_param->queue != queue))""", """	fault_param = rcu_dereference_protected(param->fault_param,
						lockdep_is_held(&param->lock));
	if (WARN_ON(!fault_param || fault_param->queue != queue))""")
sub(c, """	list_del(&fault_param->queue_list);
	param->fault_param = NULL;
	kfree(fault_param);
unlock:""", """	list_del(&fault_param->queue_list);
	/* New readers see NULL; the last reference frees the data after them. */
	rcu_assign_pointer(param->fault_param, NULL);
	iopf_put_dev_fault_param(fault_param);
unlock:""")
# sparse: an __rcu pointer is only tested, never dereferenced, under the mutex
sub(c, """	mutex_lock(&param->lock);
	if (param->fault_param)
		ops->page_response(dev, iopf, &resp);""", """	mutex_lock(&param->lock);
	if (rcu_access_pointer(param->fault_param))
		ops->page_response(dev, iopf, &resp);""")
sub(c, """	mutex_lock(&param->lock);
	if (param->fault_param) {
		ret = -EBUSY;""", """	mutex_lock(&param->lock);
	if (rcu_access_pointer(param->fault_param)) {
		ret = -EBUSY;""")
