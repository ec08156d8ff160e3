# Edits of patch 3 of the fixture series (see make-series.sh).
from edit import sub
c = 'drivers/iommu/io-pgfault.c'
sub(c, """ * the fault's PASID. When the core fails to enqueue a page request, it answers
 * the device itself with IOMMU_PAGE_RESP_INVALID; the driver has nothing left
 * to do with the outcome.
 */
void iommu_report_device_fault(struct device *dev, struct iopf_fault *evt)
{""", """ * the fault's PASID. When the core fails to enqueue a page request, it answers
 * the device itself with IOMMU_PAGE_RESP_INVALID.
 *
 * Return: 0 when the fault was collected, handed to a handler or answered
 * after a failure to enqueue it; -EINVAL when IOPF is not set up for the
 * fault (no fault parameter, or no fault-capable domain attached). A page
 * request has been answered in every case; drivers may log the error.
 */
int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt)
{""")
sub(c, """	if (!fault_param) {
		mutex_unlock(&param->lock);
		return;
	}
""", """	if (!fault_param) {
		mutex_unlock(&param->lock);
		goto err_bad_iopf;
	}
""")
sub(c, """		mutex_unlock(&param->lock);
		return;
	}

	group = iopf_group_alloc""", """		mutex_unlock(&param->lock);
		return 0;
	}

	group = iopf_group_alloc""")
sub(c, """	if (!attach_handle) {
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
""", """	if (!attach_handle) {
		iopf_free_group(group);
		goto err_bad_iopf;
	}

	group->attach_handle = attach_handle;
	if (attach_handle->domain->iopf_handler(group))
		goto err_free_group;

	return 0;

err_free_group:
	iopf_free_group(group);
err_respond:
	if (fault->type == IOMMU_FAULT_PAGE_REQ)
		iopf_error_response(dev, evt);
	return 0;

err_bad_iopf:
	/* Nobody else will answer: without a response the device stalls. */
	if (fault->type == IOMMU_FAULT_PAGE_REQ)
		iopf_error_response(dev, evt);
	return -EINVAL;
}
""")
sub('include/linux/iommu.h', "void iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);",
    "int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);")
d = 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c'
sub(d, """	iommu_report_device_fault(master->dev, &fault_evt);
	return 0;
}""", """	return iommu_report_device_fault(master->dev, &fault_evt);
}""")
