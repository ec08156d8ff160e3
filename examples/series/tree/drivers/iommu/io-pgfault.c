// SPDX-License-Identifier: GPL-2.0
/*
 * io-pgfault.c - mini I/O page fault core: collects partial page requests,
 * hands complete groups to the domain's fault handler and answers the device
 * when nothing else will.
 *
 * Our own fixture for iopf-lens, written to the shapes and names of the
 * kernel's drivers/iommu/io-pgfault.c; not kernel source. In this version the
 * per-device fault data is protected by dev->iommu->lock.
 */
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>

/**
 * iopf_free_group - free a group and the partial faults it collected
 * @group: the group, already answered or never handed to a handler
 *
 * The last fault is embedded in @group and goes with it.
 */
void iopf_free_group(struct iopf_group *group)
{
	struct iopf_fault *iopf, *next;

	list_for_each_entry_safe(iopf, next, &group->faults, list) {
		if (!(iopf->fault.prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE))
			kfree(iopf);
	}

	kfree(group);
}

/*
 * Find where faults on @evt's PASID (or on the RID) are handled: an attach
 * handle whose domain has a fault handler, or NULL.
 */
static struct iommu_attach_handle *find_fault_handler(struct device *dev,
						      struct iopf_fault *evt)
{
	struct iommu_fault *fault = &evt->fault;
	struct iommu_attach_handle *attach_handle;
	u32 pasid = IOMMU_NO_PASID;

	if (fault->prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID)
		pasid = fault->prm.pasid;

	attach_handle = iommu_attach_handle_get(dev->iommu_group, pasid, 0);
	if (IS_ERR(attach_handle))
		return NULL;

	if (!attach_handle->domain->iopf_handler)
		return NULL;

	return attach_handle;
}

/*
 * Keep a fault that is not the last of its group until the last one arrives.
 * Partial faults are answered together with their group, never on their own.
 */
static int report_partial_fault(struct iommu_fault_param *fault_param,
				struct iommu_fault *fault)
{
	struct iopf_fault *iopf;

	iopf = kzalloc(sizeof(*iopf), GFP_KERNEL);
	if (!iopf)
		return -ENOMEM;

	iopf->fault = *fault;

	mutex_lock(&fault_param->lock);
	list_add(&iopf->list, &fault_param->partial);
	mutex_unlock(&fault_param->lock);

	return 0;
}

/*
 * Build the group that @evt completes: its partial faults, then @evt itself.
 * When the group cannot be allocated its partial faults are dropped too, as
 * the whole group is answered at once. Called with dev->iommu->lock held.
 */
static struct iopf_group *iopf_group_alloc(struct iommu_fault_param *fault_param,
					   struct iopf_fault *evt)
{
	struct iopf_fault *iopf, *next;
	struct iopf_group *group;

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group) {
		mutex_lock(&fault_param->lock);
		list_for_each_entry_safe(iopf, next, &fault_param->partial, list) {
			if (iopf->fault.prm.grpid == evt->fault.prm.grpid) {
				list_del(&iopf->list);
				kfree(iopf);
			}
		}
		mutex_unlock(&fault_param->lock);
		return NULL;
	}

	group->dev = fault_param->dev;
	group->last_fault.fault = evt->fault;
	INIT_LIST_HEAD(&group->faults);

	mutex_lock(&fault_param->lock);
	list_for_each_entry_safe(iopf, next, &fault_param->partial, list) {
		if (iopf->fault.prm.grpid == evt->fault.prm.grpid)
			list_move(&iopf->list, &group->faults);
	}
	list_add(&group->last_fault.list, &group->faults);
	mutex_unlock(&fault_param->lock);

	return group;
}

/* Answer @evt with IOMMU_PAGE_RESP_INVALID: the device must not retry it. */
static void iopf_error_response(struct device *dev, struct iopf_fault *evt)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_fault *fault = &evt->fault;
	struct iommu_page_response resp = {
		.pasid = fault->prm.pasid,
		.grpid = fault->prm.grpid,
		.code = IOMMU_PAGE_RESP_INVALID,
	};

	ops->page_response(dev, evt, &resp);
}

/**
 * iommu_report_device_fault() - report a page request to the IOPF core
 * @dev: the device that raised the fault
 * @evt: the fault, copied by the core when it has to keep it
 *
 * Called by IOMMU drivers from their page request handlers. A fault without
 * IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE is only collected. The last fault of a
 * group hands the whole group to the fault handler of the domain attached to
 * the fault's PASID. When the core cannot hand a page request on, it answers
 * the device itself with IOMMU_PAGE_RESP_INVALID, so the device never stalls.
 *
 * Return: 0 when the fault was collected or handed to a handler, else a
 * negative errno; the page request has been answered in both cases.
 */
int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt)
{
	struct iommu_fault *fault = &evt->fault;
	struct dev_iommu *param = dev->iommu;
	struct iommu_attach_handle *attach_handle;
	struct iommu_fault_param *fault_param;
	struct iopf_group *group;
	int ret;

	mutex_lock(&param->lock);
	fault_param = param->fault_param;
	if (!fault_param) {
		mutex_unlock(&param->lock);
		ret = -ENODEV;
		goto err_respond;
	}

	if (!(fault->prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
		ret = report_partial_fault(fault_param, fault);
		mutex_unlock(&param->lock);
		return ret;
	}

	group = iopf_group_alloc(fault_param, evt);
	mutex_unlock(&param->lock);
	if (!group) {
		ret = -ENOMEM;
		goto err_respond;
	}

	attach_handle = find_fault_handler(dev, evt);
	if (!attach_handle) {
		ret = -EINVAL;
		goto err_free_group;
	}

	group->attach_handle = attach_handle;
	ret = attach_handle->domain->iopf_handler(group);
	if (ret)
		goto err_free_group;

	return 0;

err_free_group:
	iopf_free_group(group);
err_respond:
	if (fault->type == IOMMU_FAULT_PAGE_REQ)
		iopf_error_response(dev, evt);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_report_device_fault);

/**
 * iopf_group_response - answer a group handed to a fault handler
 * @group: the group, freed by the caller afterwards with iopf_free_group()
 * @status: the response code for the device
 */
void iopf_group_response(struct iopf_group *group,
			 enum iommu_page_response_code status)
{
	struct iopf_fault *iopf = &group->last_fault;
	struct device *dev = group->dev;
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct dev_iommu *param = dev->iommu;
	struct iommu_page_response resp = {
		.pasid = iopf->fault.prm.pasid,
		.grpid = iopf->fault.prm.grpid,
		.code = status,
	};

	/* A device that left its IOPF queue had its requests answered then. */
	mutex_lock(&param->lock);
	if (param->fault_param)
		ops->page_response(dev, iopf, &resp);
	mutex_unlock(&param->lock);
}
EXPORT_SYMBOL_GPL(iopf_group_response);

/**
 * iopf_queue_add_device - enable IOPF for @dev on @queue
 * @queue: the IOPF queue
 * @dev: the device
 *
 * Return: 0 on success, -EBUSY when IOPF is already enabled, -ENOMEM.
 */
int iopf_queue_add_device(struct iopf_queue *queue, struct device *dev)
{
	struct dev_iommu *param = dev->iommu;
	struct iommu_fault_param *fault_param;
	int ret = 0;

	mutex_lock(&queue->lock);
	mutex_lock(&param->lock);
	if (param->fault_param) {
		ret = -EBUSY;
		goto err_unlock;
	}

	fault_param = kzalloc(sizeof(*fault_param), GFP_KERNEL);
	if (!fault_param) {
		ret = -ENOMEM;
		goto err_unlock;
	}

	mutex_init(&fault_param->lock);
	INIT_LIST_HEAD(&fault_param->partial);
	fault_param->dev = dev;
	fault_param->queue = queue;
	list_add(&fault_param->queue_list, &queue->devices);
	param->fault_param = fault_param;

err_unlock:
	mutex_unlock(&param->lock);
	mutex_unlock(&queue->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iopf_queue_add_device);

/**
 * iopf_queue_remove_device - disable IOPF for @dev
 * @queue: the IOPF queue @dev was added to
 * @dev: the device
 *
 * The caller has stopped the device from issuing page requests; the partial
 * faults still collected will never complete and are dropped.
 */
void iopf_queue_remove_device(struct iopf_queue *queue, struct device *dev)
{
	struct dev_iommu *param = dev->iommu;
	struct iommu_fault_param *fault_param;
	struct iopf_fault *iopf, *next;

	mutex_lock(&queue->lock);
	mutex_lock(&param->lock);
	fault_param = param->fault_param;
	if (WARN_ON(!fault_param || fault_param->queue != queue))
		goto unlock;

	mutex_lock(&fault_param->lock);
	list_for_each_entry_safe(iopf, next, &fault_param->partial, list) {
		list_del(&iopf->list);
		kfree(iopf);
	}
	mutex_unlock(&fault_param->lock);

	list_del(&fault_param->queue_list);
	param->fault_param = NULL;
	kfree(fault_param);
unlock:
	mutex_unlock(&param->lock);
	mutex_unlock(&queue->lock);
}
EXPORT_SYMBOL_GPL(iopf_queue_remove_device);
