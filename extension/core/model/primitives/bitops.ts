// bitops.h (asm-generic/bitops): set_bit(), clear_bit() and test_bit() on a bitmap the code names
// by address (`&idxd->flags`). A bit the path set or cleared reads back as it was left; one the path
// knows nothing of is one unknown, decided both ways where the code tests it, and then stays. Flags
// such as "user PASID enabled" guard the undoing of what was enabled, so a path must not undo what
// its own flag says never was.
import type { Ast } from '../../parse/ast';
import { int, valueKey, type Value, ZERO } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import type { Contract } from '../contract';

/** The key of bit @nr of the bitmap @addr points to, or undefined when @addr is no pointer. */
function bitKey(m: Machine, nr: Value | undefined, addr: Value | undefined): string | undefined {
  const a = addr && m.norm(addr);
  return a?.k === 'ptr' && nr ? `${m.world.root(a.obj).id}:${a.obj}:${valueKey(m.norm(nr))}` : undefined;
}

/** The bit as the path knows it: set or clear, or an unknown that the first test of it decides. */
function read(m: Machine, key: string): Value {
  const b = m.bitmapBits.get(key);
  if (b !== undefined) return int(b ? 1 : 0);
  let v = m.bitmapUnknown.get(key);
  if (!v) {
    v = m.world.sym('test_bit()');
    m.bitmapUnknown.set(key, v);
  }
  return v;
}

function setter(name: string, to: boolean, test: boolean): Contract {
  return function* (m: Machine, a: Value[], as: Ast[], at: Ast): Gen<Value> {
    const key = bitKey(m, a[0], a[1]);
    if (!key) return test ? m.world.sym(`${name}()`) : ZERO;
    const was = test ? read(m, key) : ZERO;
    m.bitmapBits.set(key, to);
    m.step(at, `${name}(${m.src(as[0])})`, to ? 'set' : 'clear');
    return was;
  };
}

function* testBit(m: Machine, a: Value[]): Gen<Value> {
  const key = bitKey(m, a[0], a[1]);
  return key ? read(m, key) : m.world.sym('test_bit()');
}

export const BITOPS: Record<string, Contract> = {
  set_bit: setter('set_bit', true, false),
  __set_bit: setter('__set_bit', true, false),
  clear_bit: setter('clear_bit', false, false),
  __clear_bit: setter('__clear_bit', false, false),
  test_and_set_bit: setter('test_and_set_bit', true, true),
  test_and_clear_bit: setter('test_and_clear_bit', false, true),
  test_bit: testBit,
};
