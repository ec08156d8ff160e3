# Edits of patch 1 of the fixture series (see make-series.sh).
from edit import sub
c = 'drivers/iommu/io-pgfault.c'
sub(c, """ * group hands the whole group to the fault handler of the domain attached to
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
""", """ * group hands the whole group to the fault handler of the domain attached to
 * the fault's PASID. When the core fails to enqueue a page request, it answers
 * the device itself with IOMMU_PAGE_RESP_INVALID; the driver has nothing left
 * to do with the outcome.
 */
void iommu_report_device_fault(struct device *dev, struct iopf_fault *evt)
{
	struct iommu_fault *fault = &evt->fault;
	struct dev_iommu *param = dev->iommu;
	struct iommu_attach_handle *attach_handle;
	struct iommu_fault_param *fault_param;
	struct iopf_group *group;

	mutex_lock(&param->lock);
	fault_param = param->fault_param;
	if (!fault_param) {
		mutex_unlock(&param->lock);
		return;
	}

	if (!(fault->prm.flags & IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE)) {
		report_partial_fault(fault_param, fault);
		/* A request that is not the last does not need to be ack'd */
	}

	group = iopf_group_alloc(fault_param, evt);
	mutex_unlock(&param->lock);
	if (!group)
		goto err_respond;

	attach_handle = find_fault_handler(dev, evt);
	if (!attach_handle) {
		iopf_free_group(group);
		return;
	}

	group->attach_handle = attach_handle;
	if (attach_handle->domain->iopf_handler(group))
		goto err_free_group;

	return;

err_free_group:
	iopf_free_group(group);
err_respond:
	if (fault->type == IOMMU_FAULT_PAGE_REQ)
		iopf_error_response(dev, evt);
}
""")
sub('include/linux/iommu.h', "int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);",
    "void iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);")
d = 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c'
sub(d, """	return iommu_report_device_fault(master->dev, &fault_evt);
}""", """	iommu_report_device_fault(master->dev, &fault_evt);
	return 0;
}""")
