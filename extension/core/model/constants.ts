// This file mirrors the constants of include/linux/iommu.h and include/uapi/asm-generic/errno-base.h
// that IOPF/SVA code tests and returns.

export const CONSTANTS: Record<string, number> = {
  NULL: 0,
  true: 1,
  false: 0,
  // enum iommu_fault_type
  IOMMU_FAULT_PAGE_REQ: 1,
  IOMMU_FAULT_DMA_UNRECOV: 2,
  // struct iommu_fault_page_request flags
  IOMMU_FAULT_PAGE_REQUEST_PASID_VALID: 1 << 0,
  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE: 1 << 1,
  IOMMU_FAULT_PAGE_REQUEST_PRIV_DATA: 1 << 2,
  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID: 1 << 3,
  // enum iommu_page_response_code
  IOMMU_PAGE_RESP_SUCCESS: 0,
  IOMMU_PAGE_RESP_INVALID: 1,
  IOMMU_PAGE_RESP_FAILURE: 2,
  IOMMU_NO_PASID: 0,
  IOMMU_PASID_INVALID: -1,
  // iommufd uapi response codes
  IOMMUFD_PAGE_RESP_SUCCESS: 0,
  IOMMUFD_PAGE_RESP_INVALID: 1,
  // domain types used by attach handle lookups
  IOMMU_DOMAIN_SVA: 0x10,
  IOMMU_DOMAIN_NESTED: 0x40,
  // errno
  EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, EAGAIN: 11, ENOMEM: 12, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, EOPNOTSUPP: 95, ETIMEDOUT: 110, EOVERFLOW: 75,
};

const RESPONSE_NAMES = ['IOMMU_PAGE_RESP_SUCCESS', 'IOMMU_PAGE_RESP_INVALID', 'IOMMU_PAGE_RESP_FAILURE'];

export function responseName(code: number | undefined): string {
  return code === undefined ? 'an unknown code' : RESPONSE_NAMES[code] ?? `code ${code}`;
}

const ERRNO = Object.entries(CONSTANTS).filter(([k]) => /^E[A-Z0-9]+$/.test(k));

export function errnoName(v: number): string {
  const hit = ERRNO.find(([, n]) => n === -v);
  return hit ? `-${hit[0]}` : String(v);
}
