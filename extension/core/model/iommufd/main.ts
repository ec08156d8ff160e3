// drivers/iommu/iommufd/main.c: iommufd objects and the reference their creator holds.
import { ptr } from '../world';
import { type Contract, mayFailNoMem } from '../contract';

export const IOMMUFD_MAIN: Record<string, Contract> = {
  *iommufd_object_alloc(m, _a, _as, at) {
    // A macro around _iommufd_object_alloc(): a zeroed object of the pointer's type, its
    // embedded struct iommufd_object holding the creator's reference.
    yield { kind: 'sched' };
    const failed = mayFailNoMem(m, at, 'iommufd_object_alloc');
    if (failed) return failed;
    const o = m.world.alloc('?', 'zeroed', at.startLine + 1);
    const obj = m.world.sub(o.id, 'obj', 'iommufd_object');
    m.world.sub(obj.id, 'users', 'refcount_t').count = 1;
    m.step(at, 'iommufd_object_alloc()', `allocates #${o.id}, obj.users = 1`);
    return ptr(o.id);
  },
};
