// drivers/iommu/iommu-sva.c: SVA bind and unbind, one handle per (mm, device) shared by its users, and the
// SVA domain they attach.
import { CONSTANTS } from './constants';
import { ZERO, int, ptr } from './world';
import { type Contract, mayFailNoMem, obj } from './contract';
import { free } from './primitives/slab';

export const IOMMU_SVA: Record<string, Contract> = {
  *iommu_sva_domain_alloc(m, a, _as, at) {
    yield { kind: 'sched' };
    // NULL on failure in older kernels, ERR_PTR() in newer ones: the tree's callers know which.
    const failed = mayFailNoMem(m, at, 'iommu_sva_domain_alloc', false);
    if (failed) return failed;
    const d = m.world.alloc('iommu_domain', 'heap', at.startLine + 1);
    d.fields.set('mm', a[1] ?? ZERO);
    d.fields.set('type', int(CONSTANTS.IOMMU_DOMAIN_SVA));
    d.fields.set('iopf_handler', { k: 'fn', name: 'iommu_sva_iopf_handler' });
    m.step(at, 'iommu_sva_domain_alloc()', `SVA domain ${m.world.name(d.id)} for ${m.name(a[1] ?? ZERO)}`);
    return ptr(d.id);
  },
  *iommu_sva_bind_device(m, a, _as, at) {
    const dev = obj(m, a[0], at, 'device');
    const mm = obj(m, a[1], at, 'mm_struct');
    if (!dev || !mm) return m.world.sym('iommu_sva_bind_device()');
    yield { kind: 'sched' };
    const key = `${dev.id}:${mm.id}`;
    const existing = m.svaBinds.get(key);
    if (existing !== undefined && !m.world.obj(existing).freed) {
      const u = m.world.sub(existing, 'users', 'refcount_t');
      u.count = (u.count ?? 1) + 1;
      m.step(at, 'iommu_sva_bind_device()', `same (mm, device): ${m.world.name(existing)} users -> ${u.count}`);
      return ptr(existing);
    }
    if (m.oracle.choose(2) === 1) return { k: 'err', code: -CONSTANTS.ENOMEM };
    const h = m.world.alloc('iommu_sva', 'heap', at.startLine + 1);
    m.world.sub(h.id, 'users', 'refcount_t').count = 1;
    m.svaBinds.set(key, h.id);
    m.step(at, 'iommu_sva_bind_device()', `new bond ${m.world.name(h.id)}`);
    return ptr(h.id);
  },
  *iommu_sva_unbind_device(m, a, _as, at) {
    const h = obj(m, a[0], at, 'iommu_sva');
    if (!h) return ZERO;
    yield { kind: 'sched' };
    m.touch(h, at, 'unbinds');
    const u = m.world.sub(h.id, 'users', 'refcount_t');
    u.count = (u.count ?? 1) - 1;
    m.step(at, 'iommu_sva_unbind_device()', `${m.world.name(h.id)} users -> ${u.count}`);
    if (u.count === 0) {
      // The last user: the PASID is detached and the bond freed.
      const sub = m.world.sub(h.id, 'handle', 'iommu_attach_handle').id;
      for (const [k, v] of [...m.attached]) if (v === sub) m.attached.delete(k);
      for (const [k, v] of [...m.svaBinds]) if (v === h.id) m.svaBinds.delete(k);
      yield* free(m, ptr(h.id), at, 'kfree');
    }
    return ZERO;
  },
};
