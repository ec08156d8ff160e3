// mutex.h and spinlock.h: the locks a path takes and releases (the machine keeps the lock state).
import { ZERO, int } from '../world';
import type { Contract } from '../contract';

export const LOCKING: Record<string, Contract> = {
  *mutex_lock(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_lock_interruptible(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_lock_killable(m, a, _as, at) { yield* m.lockAcquire(a[0], 'mutex', at); return ZERO; },
  *mutex_unlock(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_lock(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_irq(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_irqsave(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_lock_bh(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *raw_spin_lock_irqsave(m, a, _as, at) { yield* m.lockAcquire(a[0], 'spin', at); return ZERO; },
  *spin_unlock(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_irq(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_irqrestore(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *spin_unlock_bh(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *raw_spin_unlock_irqrestore(m, a, _as, at) { yield* m.lockRelease(a[0], at); return ZERO; },
  *mutex_trylock(m, a, _as, at) {
    const id = m.lockOf(a[0], 'mutex', at);
    if (id === undefined) return ZERO;
    const l = m.world.locks.get(id)!;
    if (l.owner !== undefined) return ZERO;
    yield* m.lockAcquire(a[0], 'mutex', at);
    return int(1);
  },
};
