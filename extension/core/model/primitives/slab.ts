// slab.h: kmalloc() and friends, kfree(), kfree_rcu(). Allocation may fail; a GFP_KERNEL one may sleep.
import { rangeOf, type Ast } from '../../parse/ast';
import { type Value, ZERO, ptr } from '../world';
import { Cut } from '../../sim/cut';
import type { Gen, Machine } from '../../sim/machine';
import { type Contract, gfpSleeps, isNull } from '../contract';

export function* allocate(m: Machine, argAsts: Ast[], at: Ast, zeroed: boolean, what: string): Gen<Value> {
  if (gfpSleeps(argAsts, m)) m.mightSleep(at, `${what}(GFP_KERNEL)`);
  yield { kind: 'sched' };
  // __GFP_NOFAIL allocations do not return NULL.
  const noFail = argAsts.some((a) => /__GFP_NOFAIL/.test(m.src(a)));
  if (!noFail && m.oracle.choose(2) === 1) {
    m.step(at, `${what}() fails`, 'returns NULL');
    return { k: 'int', v: 0, why: `${what}() returned NULL at line ${at.startLine + 1}` };
  }
  const o = m.world.alloc('?', zeroed ? 'zeroed' : 'heap', at.startLine + 1);
  o.allocAt = { file: m.frame().file, range: rangeOf(at) };
  // Device-managed memory is freed with its device: never a leak of the path.
  if (what.startsWith('devm_')) {
    o.owner = 'devm';
    o.devmBy = what;
  }
  m.step(at, `${what}()`, `allocates #${o.id}`);
  return ptr(o.id);
}

export function* free(m: Machine, v: Value, at: Ast, how: 'kfree' | 'rcu', devm = false): Gen<Value> {
  if (isNull(v)) return ZERO;
  if (v.k !== 'ptr') return ZERO;
  yield { kind: 'sched' };
  // kfree(&obj->member) frees obj when the member comes first, as iopf_group's last_fault and
  // iommufd's obj do: the model frees the container and lets later uses show what that means.
  const o = m.world.root(v.obj);
  if (o.alloc === 'stack' && !o.freed) {
    m.report('iopf/use-after-free', `${how === 'rcu' ? 'kfree_rcu' : 'kfree'}() of ${m.world.name(o.id)}, which lives on the stack`, at);
    return ZERO;
  }
  if (o.owner === 'devm' && !devm && !o.freed) {
    // Device-managed memory is freed again when the device goes (or the probe fails): kfree() of
    // it is the first of two frees. devm_kfree() is how it is given back early.
    m.report('iopf/use-after-free', `${how === 'rcu' ? 'kfree_rcu' : 'kfree'}() of ${m.world.name(o.id)}, allocated with ${o.devmBy ?? 'devm_kzalloc'}(): the device frees it a second time when it is released (use devm_kfree())`, at);
    throw new Cut('stop');
  }
  if (o.freed) {
    const rule = o.type === 'iopf_group' ? 'iopf/group-double-free' : 'iopf/use-after-free';
    const first = o.freedStep !== undefined ? m.steps[o.freedStep] : undefined;
    const where = first ? `: ${first.op} at line ${first.line}${first.function !== m.frame().fn ? ` (in ${first.function}())` : ''} already freed it` : '';
    m.report(rule, `${m.world.name(o.id)} is freed a second time${where}`, at);
    throw new Cut('stop');
  }
  o.freed = how;
  o.freedStep = m.steps.length;
  if (how === 'rcu') {
    o.rcuReaders = new Set(m.world.threads.filter((t) => t.rcuDepth > 0 && t.id !== m.tid).map((t) => t.id));
    if (m.world.thread(m.tid).rcuDepth > 0) o.rcuReaders.add(m.tid);
  }
  m.step(at, `${how === 'rcu' ? 'kfree_rcu' : 'kfree'}(${m.world.name(o.id)})`, how === 'rcu' ? 'freed after the next grace period' : 'freed');
  return ZERO;
}

export const SLAB: Record<string, Contract> = {
  kzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kzalloc'),
  kvzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kvzalloc'),
  kcalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kcalloc'),
  devm_kzalloc: (m, _a, as, at) => allocate(m, as, at, true, 'devm_kzalloc'),
  kmalloc: (m, _a, as, at) => allocate(m, as, at, false, 'kmalloc'),
  kmalloc_array: (m, _a, as, at) => allocate(m, as, at, false, 'kmalloc_array'),
  // The NUMA-node, vmalloc-backed, slab-cache and bitmap forms: the same contract.
  kzalloc_node: (m, _a, as, at) => allocate(m, as, at, true, 'kzalloc_node'),
  kcalloc_node: (m, _a, as, at) => allocate(m, as, at, true, 'kcalloc_node'),
  kmalloc_node: (m, _a, as, at) => allocate(m, as, at, false, 'kmalloc_node'),
  kvzalloc_node: (m, _a, as, at) => allocate(m, as, at, true, 'kvzalloc_node'),
  kvcalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kvcalloc'),
  kvmalloc: (m, _a, as, at) => allocate(m, as, at, false, 'kvmalloc'),
  kvmalloc_array: (m, _a, as, at) => allocate(m, as, at, false, 'kvmalloc_array'),
  kmem_cache_zalloc: (m, _a, as, at) => allocate(m, as, at, true, 'kmem_cache_zalloc'),
  kmem_cache_alloc: (m, _a, as, at) => allocate(m, as, at, false, 'kmem_cache_alloc'),
  bitmap_zalloc: (m, _a, as, at) => allocate(m, as, at, true, 'bitmap_zalloc'),
  bitmap_alloc: (m, _a, as, at) => allocate(m, as, at, false, 'bitmap_alloc'),
  kstrdup: (m, _a, as, at) => allocate(m, as, at, false, 'kstrdup'),
  devm_kcalloc: (m, _a, as, at) => allocate(m, as, at, true, 'devm_kcalloc'),
  devm_kmalloc: (m, _a, as, at) => allocate(m, as, at, false, 'devm_kmalloc'),
  // vmalloc() takes no flags and always may sleep.
  *vzalloc(m, _a, as, at) { m.mightSleep(at, 'vzalloc()'); return yield* allocate(m, as, at, true, 'vzalloc'); },
  *vmalloc(m, _a, as, at) { m.mightSleep(at, 'vmalloc()'); return yield* allocate(m, as, at, false, 'vmalloc'); },
  *kmemdup(m, a, as, at) {
    const v = yield* allocate(m, as, at, false, 'kmemdup');
    const src = a[0]?.k === 'ptr' ? m.world.obj(a[0].obj) : undefined;
    if (v.k === 'ptr' && src) {
      m.copyStruct(src, m.world.obj(v.obj));
      m.world.obj(v.obj).type = src.type;
    }
    return v;
  },
  kfree: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  kvfree: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  kfree_sensitive: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  devm_kfree: (m, a, _as, at) => free(m, a[1] ?? ZERO, at, 'kfree', true),
  vfree: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  bitmap_free: (m, a, _as, at) => free(m, a[0] ?? ZERO, at, 'kfree'),
  kmem_cache_free: (m, a, _as, at) => free(m, a[1] ?? ZERO, at, 'kfree'),
  *kfree_rcu(m, _a, as, at) {
    return yield* free(m, yield* m.arg(as, 0), at, 'rcu');
  },
  *kfree_rcu_mightsleep(m, _a, as, at) {
    return yield* free(m, yield* m.arg(as, 0), at, 'rcu');
  },
};
