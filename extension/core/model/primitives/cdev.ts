// cdev.h (fs/char_dev.c): a character device. cdev_alloc() allocates one whose kobject's last
// reference frees it, and cdev_del() drops that reference: for an allocated cdev, cdev_del() is its
// free. A cdev initialised in place (cdev_init() on a member) is freed with its container, never by
// cdev_del(). cdev_add() and cdev_device_add() make the device live, and the kernel holds it until
// cdev_del(); when they fail, it stays the caller's to delete.
import { type Value, int, ZERO } from '../world';
import { CONSTANTS } from '../constants';
import type { Ast } from '../../parse/ast';
import type { Gen, Machine } from '../../sim/machine';
import type { Contract } from '../contract';
import { allocate, free } from './slab';

/** The cdev cdev_alloc() returned that @v points to, if it is one. */
function allocated(m: Machine, v: Value | undefined) {
  const n = v ? m.norm(v) : undefined;
  if (n?.k !== 'ptr') return undefined;
  const o = m.world.obj(n.obj);
  return o.type === 'cdev' && !o.parent && o.allocAt ? o : undefined;
}

function* add(m: Machine, a: Value[], at: Ast, what: string): Gen<Value> {
  yield { kind: 'sched' };
  if (m.oracle.choose(2) === 1) {
    m.step(at, `${what}() fails`, '-ENOMEM: the cdev is not live; it is still the caller\'s to delete');
    return int(-CONSTANTS.ENOMEM);
  }
  const c = allocated(m, a[0]);
  if (c) c.escaped = true;
  m.step(at, `${what}()`, 'the character device is live: the kernel holds it until cdev_del()');
  return ZERO;
}

function* del(m: Machine, a: Value[], at: Ast, what: string): Gen<Value> {
  const c = allocated(m, a[0]);
  if (!c) {
    m.step(at, `${what}()`, 'the character device is removed');
    return ZERO;
  }
  return yield* free(m, a[0], at, 'kfree');
}

export const CDEV: Record<string, Contract> = {
  *cdev_alloc(m, _a, _as, at) {
    m.mightSleep(at, 'cdev_alloc() (GFP_KERNEL)');
    const v = yield* allocate(m, [], at, true, 'cdev_alloc');
    if (v.k === 'ptr') m.world.obj(v.obj).type = 'cdev';
    return v;
  },
  cdev_add: (m, a, _as, at) => add(m, a, at, 'cdev_add'),
  cdev_device_add: (m, a, _as, at) => add(m, a, at, 'cdev_device_add'),
  cdev_del: (m, a, _as, at) => del(m, a, at, 'cdev_del'),
  cdev_device_del: (m, a, _as, at) => del(m, a, at, 'cdev_device_del'),
};
