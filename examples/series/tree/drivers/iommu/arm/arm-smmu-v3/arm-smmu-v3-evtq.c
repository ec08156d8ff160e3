// SPDX-License-Identifier: GPL-2.0
/*
 * arm-smmu-v3-evtq.c - a driver's event queue feeding the IOPF core: each
 * stall event becomes one page request for iommu_report_device_fault(), and
 * what the core could not take is logged.
 *
 * Our own fixture for iopf-lens, written to the shapes and names of the
 * kernel's ARM SMMUv3 driver; not kernel source.
 */
#include <linux/bitfield.h>
#include <linux/iommu.h>

#include "arm-smmu-v3.h"

/* Turn one stall event into a page request and hand it to the IOPF core. */
static int arm_smmu_handle_evt(struct arm_smmu_master *master, u64 *evt)
{
	struct iopf_fault fault_evt = { };
	struct iommu_fault_page_request *prm = &fault_evt.fault.prm;

	fault_evt.fault.type = IOMMU_FAULT_PAGE_REQ;
	/* A stall is a group of one: it is always the last fault. */
	prm->flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
	prm->grpid = FIELD_GET(EVTQ_1_STAG, evt[1]);
	prm->addr = FIELD_GET(EVTQ_2_ADDR, evt[2]);

	return iommu_report_device_fault(master->dev, &fault_evt);
}

/* Log events the IOPF core refused, so that they are not lost silently. */
static void arm_smmu_evtq_handle(struct arm_smmu_master *master, u64 *evt)
{
	int ret;

	ret = arm_smmu_handle_evt(master, evt);
	if (ret)
		dev_info(master->dev, "event 0x%llx not handled: %d\n", evt[0], ret);
}
