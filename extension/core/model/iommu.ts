// drivers/iommu/iommu.c: attach handles and PASID attachment, global PASIDs, domain lifetime, and the
// driver ops the core calls around them (release_device, attach_dev).
import { CONSTANTS } from './constants';
import { ZERO, int } from './world';
import { type Contract, type FieldContract, obj } from './contract';
import { free } from './primitives/slab';

export const IOMMU: Record<string, Contract> = {
  *dev_iommu_ops(m, a, _as, at) {
    const dev = obj(m, a[0], at, 'device');
    if (!dev) return m.world.sym('ops');
    return m.opsOf(dev);
  },
  *iommu_get_domain_for_dev_pasid(m, a, _as, at) {
    // The domain attached at @pasid of the device's group (of the requested type), else NULL.
    yield { kind: 'sched' };
    const h = m.attachHandle(a[1] ?? ZERO, at, true, m.groupOfDevice(a[0]));
    if (h.k !== 'ptr') {
      m.step(at, 'iommu_get_domain_for_dev_pasid()', `nothing attached at PASID ${m.name(a[1] ?? ZERO)}: NULL`);
      return ZERO;
    }
    const d = m.world.obj(h.obj).fields.get('domain') ?? ZERO;
    const t = a[2] ? m.norm(a[2]) : undefined;
    const dt = d.k === 'ptr' ? m.world.obj(d.obj).fields.get('type') : undefined;
    if (t?.k === 'int' && t.v !== 0 && dt?.k === 'int' && dt.v !== t.v) {
      m.step(at, 'iommu_get_domain_for_dev_pasid()', `${m.name(d)} is not of the requested type: ERR_PTR(-EBUSY)`);
      return { k: 'err', code: -CONSTANTS.EBUSY };
    }
    m.step(at, 'iommu_get_domain_for_dev_pasid()', m.name(d));
    return d;
  },
  *iommu_attach_handle_get(m, a, _as, at) {
    yield { kind: 'sched' };
    return m.attachHandle(a[1] ?? ZERO, at, false, a[0]);
  },
  *iommu_alloc_global_pasid(m, _a, _as, at) {
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommu_alloc_global_pasid() fails', 'IOMMU_PASID_INVALID');
      return int(CONSTANTS.IOMMU_PASID_INVALID);
    }
    const pasid = 1 + [...m.world.objs.values()].filter((o) => o.type === 'pasid').length;
    m.world.alloc('pasid', 'static');
    m.step(at, 'iommu_alloc_global_pasid()', `PASID ${pasid}`);
    return int(pasid);
  },
  *iommu_attach_device_pasid(m, a, _as, at) {
    yield { kind: 'sched' };
    const h = a[3] && (a[3].k === 'ptr' || a[3].k === 'sym') ? m.deref(a[3], at, 'iommu_attach_handle') : undefined;
    const group = m.groupOfDevice(a[1]);
    const taken = m.attachHandle(a[2] ?? ZERO, at, true, group);
    if (taken.k === 'ptr') {
      m.step(at, 'iommu_attach_device_pasid() fails', `-EBUSY: PASID ${m.name(a[2] ?? ZERO)} already has ${m.name(taken)} attached`);
      return int(-CONSTANTS.EBUSY);
    }
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'iommu_attach_device_pasid() fails', 'the driver refuses the domain');
      return int(-CONSTANTS.EINVAL);
    }
    // Before attach handles (the three-argument form), the core still records the PASID as taken.
    m.attach(a[2] ?? ZERO, h ?? m.world.alloc('iommu_attach_handle', 'world'), a[0] ?? ZERO, group);
    m.step(at, 'iommu_attach_device_pasid()', `${m.name(a[0] ?? ZERO)} attached at PASID ${m.name(a[2] ?? ZERO)}`);
    return ZERO;
  },
  *iommu_detach_device_pasid(m, a, _as, at) {
    yield { kind: 'sched' };
    const group = m.groupOfDevice(a[1]);
    const key = m.attachKey(a[2] ?? ZERO, group);
    const pasid = a[2] ? m.norm(a[2]) : ZERO;
    if (!m.attached.has(key) && pasid.k === 'sym') {
      // A PASID the path does not know (read from an object it did not build) that detaches the
      // domain from the device: when the domain is attached to the device's group at exactly one
      // other PASID the path does not know either, that is the one the code names.
      const prefix = key.slice(0, key.indexOf('|') + 1);
      const d = a[0] ? m.norm(a[0]) : ZERO;
      const same = [...m.attached].filter(([k, h]) => {
        const hd = m.world.obj(h).fields.get('domain');
        return k.startsWith(prefix) && k.slice(prefix.length).startsWith('s') && d.k === 'ptr' && hd?.k === 'ptr' && hd.obj === d.obj;
      });
      if (same.length === 1) m.attached.delete(same[0][0]);
    }
    m.attached.delete(key);
    m.step(at, 'iommu_detach_device_pasid()', `PASID ${m.name(a[2] ?? ZERO)} detached`);
    return ZERO;
  },
  *iommu_domain_free(m, a, _as, at) {
    const d = a[0]?.k === 'ptr' ? m.world.obj(a[0].obj) : undefined;
    if (d) {
      const users = d.fields.get('users');
      if (users?.k === 'int' && users.v > 0) m.report('sva/domain-lifetime', `${m.world.name(d.id)} is freed while ${users.v} device${users.v === 1 ? '' : 's'} still use it`, at);
      for (const h of m.attached.values()) {
        const hd = m.world.obj(h).fields.get('domain');
        if (hd?.k === 'ptr' && hd.obj === d.id && !m.world.root(h).freed) m.report('sva/domain-lifetime', `${m.world.name(d.id)} is freed while still attached`, at);
      }
    }
    return yield* free(m, a[0] ?? ZERO, at, 'kfree');
  },
};

/** Calls through struct fields: what the callee stored there promises. */
export const IOMMU_FIELDS: Record<string, FieldContract> = {
  *release_device(m, a, _as, at, base) {
    const dev = obj(m, a[0], at, 'device');
    yield { kind: 'sched' };
    if (!dev || !base) return ZERO;
    const rd = base.fields.get('release_domain');
    const cur = dev.fields.get('__domain');
    if (rd?.k === 'ptr' && !(cur?.k === 'ptr' && cur.obj === rd.obj)) {
      m.report('release/release-domain', `ops->release_device() runs while the device is still attached to ${cur?.k === 'ptr' ? m.world.name(cur.obj) : 'its domain'}: it must be put into ops->release_domain first`, at);
    }
    m.step(at, 'ops->release_device()', 'driver releases the device');
    return ZERO;
  },
  *attach_dev(m, a, _as, at) {
    const domain = a[0];
    const dev = obj(m, a[1], at, 'device');
    if (dev && domain?.k === 'ptr') dev.fields.set('__domain', domain);
    m.step(at, 'domain->ops->attach_dev()', `device attached to ${m.name(domain ?? ZERO)}`);
    return ZERO;
  },
};
