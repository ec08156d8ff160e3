// delay.h, completion.h, semaphore.h, rwsem.h, sched.h, kernel.h, iopoll.h: calls that put the caller to sleep
// and change nothing the model follows. Each may sleep, so none may run in atomic context (a
// spinlock held, an RCU read section, a hard interrupt handler).
import type { Ast } from '../../parse/ast';
import { type Value, ZERO } from '../world';
import type { Gen, Machine } from '../../sim/machine';
import type { Contract } from '../contract';

/**
 * iopoll.h: the argument that says how long a polling loop sleeps between reads; a loop told to sleep
 * 0 µs busy-waits and does not sleep.
 */
export const POLL_SLEEP_ARG: Readonly<Record<string, number>> = {
  read_poll_timeout: 3, readx_poll_timeout: 4, readl_poll_timeout: 3, readl_relaxed_poll_timeout: 3,
  readq_poll_timeout: 3, readq_relaxed_poll_timeout: 3,
};

/** Whether the call @name with argument texts @args may sleep (every sleeper but a polling loop told not to). */
export function sleepsWith(name: string, args: readonly string[]): boolean {
  const i = POLL_SLEEP_ARG[name];
  return i === undefined || !/^\(?\s*0[uUlL]*\s*\)?$/.test((args[i] ?? '').trim());
}

/** A call that may sleep and returns nothing the path depends on (0), or an unknown (@result). */
function sleeper(name: string, result: 'zero' | 'unknown' = 'zero'): Contract {
  return function* (m: Machine, _a: Value[], as: Ast[], at: Ast): Gen<Value> {
    if (sleepsWith(name, as.map((x) => m.src(x)))) m.mightSleep(at, `${name}()`);
    yield { kind: 'sched' };
    m.step(at, `${name}()`, 'may sleep');
    return result === 'zero' ? ZERO : m.world.sym(`${name}()`);
  };
}

const zero = ['msleep', 'ssleep', 'usleep_range', 'fsleep', 'might_sleep', 'cond_resched', 'schedule', 'wait_for_completion',
  'down', 'down_read', 'down_write', 'synchronize_srcu', 'rcu_barrier', 'flush_scheduled_work'];
const unknown = ['msleep_interruptible', 'schedule_timeout', 'schedule_timeout_interruptible', 'schedule_timeout_uninterruptible',
  'wait_for_completion_timeout', 'wait_for_completion_interruptible', 'wait_for_completion_interruptible_timeout',
  'wait_for_completion_killable', 'wait_for_completion_killable_timeout', 'down_interruptible', 'down_killable',
  'down_timeout', 'down_read_killable', 'down_write_killable', 'down_read_interruptible',
  // iopoll.h: the polling loops that sleep between reads (their _atomic forms spin)
  ...Object.keys(POLL_SLEEP_ARG)];

export const SCHED: Record<string, Contract> = Object.fromEntries([
  ...zero.map((n) => [n, sleeper(n)] as const),
  ...unknown.map((n) => [n, sleeper(n, 'unknown')] as const),
]);
