/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu.h - the declarations the iopf-lens fixture core needs: fault events,
 * page responses, the per-device fault parameter and the iopf group.
 *
 * Our own minimal header for the examples/series fixture tree, written to the
 * shapes and names of the kernel's include/linux/iommu.h; not kernel source.
 */
#ifndef __LINUX_IOMMU_H
#define __LINUX_IOMMU_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#define IOMMU_NO_PASID	0

struct device;
struct iommu_domain;
struct iopf_group;

enum iommu_fault_type {
	IOMMU_FAULT_PAGE_REQ = 1,	/* page request fault */
};

#define IOMMU_FAULT_PAGE_REQUEST_PASID_VALID	(1 << 0)
#define IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE	(1 << 1)

/**
 * struct iommu_fault_page_request - page request data
 * @flags: IOMMU_FAULT_PAGE_REQUEST_* values
 * @pasid: process address space ID, valid with PASID_VALID
 * @grpid: page request group index
 * @perm: requested page permissions
 * @addr: page address
 */
struct iommu_fault_page_request {
	u32	flags;
	u32	pasid;
	u32	grpid;
	u32	perm;
	u64	addr;
};

struct iommu_fault {
	u32	type;
	struct iommu_fault_page_request prm;
};

enum iommu_page_response_code {
	IOMMU_PAGE_RESP_SUCCESS = 0,
	IOMMU_PAGE_RESP_INVALID,
	IOMMU_PAGE_RESP_FAILURE,
};

struct iommu_page_response {
	u32	pasid;
	u32	grpid;
	u32	code;
};

/* One fault as reported by a driver; partial faults wait on a list. */
struct iopf_fault {
	struct iommu_fault fault;
	struct list_head list;
};

/**
 * struct iopf_group - a group of page faults answered with one response
 * @last_fault: the fault that carried IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE
 * @faults: the partial faults of the group, then @last_fault
 * @dev: the device that raised the faults
 * @attach_handle: where the faults are handled
 * @work: the handler's work item
 */
struct iopf_group {
	struct iopf_fault last_fault;
	struct list_head faults;
	struct device *dev;
	struct iommu_attach_handle *attach_handle;
	struct work_struct work;
};

/**
 * struct iommu_fault_param - per-device IOMMU fault data
 * @lock: protects @partial
 * @dev: the device this data belongs to
 * @queue: the IOPF queue the device is on
 * @queue_list: entry in the queue's device list
 * @partial: faults waiting for the last fault of their group
 */
struct iommu_fault_param {
	struct mutex lock;
	struct device *dev;
	struct iopf_queue *queue;
	struct list_head queue_list;
	struct list_head partial;
};

/**
 * struct dev_iommu - per-device IOMMU data
 * @lock: protects @fault_param: it is only used, set or cleared with @lock held
 * @fault_param: the device's fault data, NULL while IOPF is disabled
 */
struct dev_iommu {
	struct mutex lock;
	struct iommu_fault_param *fault_param;
};

struct iopf_queue {
	struct workqueue_struct *wq;
	struct list_head devices;
	struct mutex lock;
};

struct iommu_domain {
	int (*iopf_handler)(struct iopf_group *group);
};

struct iommu_attach_handle {
	struct iommu_domain *domain;
};

struct iommu_ops {
	void (*page_response)(struct device *dev, struct iopf_fault *evt,
			      struct iommu_page_response *msg);
};

int iopf_queue_add_device(struct iopf_queue *queue, struct device *dev);
void iopf_queue_remove_device(struct iopf_queue *queue, struct device *dev);
void iopf_free_group(struct iopf_group *group);
void iopf_group_response(struct iopf_group *group,
			 enum iommu_page_response_code status);
int iommu_report_device_fault(struct device *dev, struct iopf_fault *evt);
struct iommu_attach_handle *iommu_attach_handle_get(struct iommu_group *group,
						    ioasid_t pasid,
						    unsigned int type);

#endif /* __LINUX_IOMMU_H */
