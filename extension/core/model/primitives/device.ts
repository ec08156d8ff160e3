// drivers/base/core.c: a struct device's lifetime. device_initialize() gives it one reference, which
// get_device() and put_device() move; the put that drops the last one runs the device's release
// (dev->release, else its type's .release, else its class's .dev_release), and that release usually
// frees the struct the device is embedded in. So after the last put_device() the container is gone,
// and a kfree() of it as well is a double free: an initialised device is freed with put_device() only.
import type { Ast } from '../../parse/ast';
import { CONSTANTS } from '../constants';
import { type Obj, type Value, ZERO, int, ptr } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import { type Contract, obj } from '../contract';

const KREF = '__kref';

/** The name of the file-scope table @o is (a `static struct device_type foo_type = {...}`), if any. */
function tableName(m: Machine, v: Value | undefined): string | undefined {
  if (v?.k !== 'ptr') return undefined;
  for (const [name, g] of m.world.globals) if (g.k === 'ptr' && g.obj === v.obj) return name;
  return undefined;
}

/** The release the driver core runs when @dev's last reference goes. */
function releaseOf(m: Machine, dev: Obj): string | undefined {
  const own = dev.fields.get('release');
  if (own?.k === 'fn') return own.name;
  const type = tableName(m, dev.fields.get('type'));
  const viaType = type ? m.opsMember(type, 'release') : undefined;
  if (viaType) return viaType;
  const cls = tableName(m, dev.fields.get('class'));
  return cls ? m.opsMember(cls, 'dev_release') : undefined;
}

/** The device @v already is on this path (a get or put never makes one up). */
function known(m: Machine, v: Value | undefined): Obj | undefined {
  const n = v ? m.norm(v) : undefined;
  return n?.k === 'ptr' ? m.world.obj(n.obj) : undefined;
}

export function initDevice(m: Machine, v: Value | undefined, at: Ast): void {
  const dev = v ? obj(m, v, at, 'device') : undefined;
  if (!dev) return;
  m.world.sub(dev.id, KREF, 'refcount_t').count = 1;
  m.step(at, 'device_initialize()', `${m.world.name(dev.id)} holds one reference: from now on put_device() frees it`);
}

/**
 * References the path took (+) and dropped (-) on a device whose count it does not know (one the
 * code it runs did not initialise): by device id.
 */
const moved = new WeakMap<Machine, Map<number, number>>();

function move(m: Machine, dev: Obj, by: number): number {
  let t = moved.get(m);
  if (!t) moved.set(m, (t = new Map()));
  const n = (t.get(dev.id) ?? 0) + by;
  t.set(dev.id, n);
  return n;
}

/** get_device(): one more reference, when the path knows the count. */
export function getDevice(m: Machine, v: Value | undefined): void {
  const dev = known(m, v);
  const k = dev && dev.fields.has(KREF) ? m.world.sub(dev.id, KREF, 'refcount_t') : undefined;
  if (k?.count !== undefined) k.count++;
  else if (dev) move(m, dev, 1);
}

/** put_device(): one reference less; the last one runs the device's release. */
export function* putDevice(m: Machine, v: Value | undefined, at: Ast): Gen<void> {
  const dev = known(m, v);
  if (!dev) return;
  const k = dev.fields.has(KREF) ? m.world.sub(dev.id, KREF, 'refcount_t') : undefined;
  if (k?.count === undefined) {
    // A device the path found initialised: whoever holds it (the driver, for the device it
    // registered) owns one reference to drop; a second one the path never took is not its to drop.
    if (move(m, dev, -1) === -2) {
      m.report('iopf/refcount-imbalance', `put_device() on ${m.world.name(dev.id)} drops a second reference this path never took: the one reference its holder owns is already gone, and its release runs early`, at);
    }
    return;
  }
  if (k.count <= 0) {
    m.report('iopf/refcount-imbalance', `put_device() on ${m.world.name(dev.id)}, whose last reference is already gone: its release already ran`, at);
    return;
  }
  k.count--;
  if (k.count > 0) return;
  const release = releaseOf(m, dev);
  m.step(at, `put_device(${m.world.name(dev.id)})`, release ? `last reference: ${release}() runs` : 'last reference: the device is released');
  if (release && m.ws.cfg(release)) yield* m.runFunction(release, [ptr(dev.id)], at);
}

export const DEVICE: Record<string, Contract> = {
  *device_initialize(m, a, _as, at) { initDevice(m, a[0], at); return ZERO; },
  *device_add(m, _a, _as, at) {
    yield { kind: 'sched' };
    if (m.oracle.choose(2) === 1) {
      m.step(at, 'device_add() fails', '-ENOMEM: the device keeps its reference, for put_device() to drop');
      return int(-CONSTANTS.ENOMEM);
    }
    return ZERO;
  },
  *device_register(m, a, as, at) {
    initDevice(m, a[0], at);
    return yield* DEVICE.device_add(m, a, as, at);
  },
};
