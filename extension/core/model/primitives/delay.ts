// delay.h and asm/processor.h: busy waits. They spin on the CPU, so they are allowed in atomic
// context, and they change nothing the model follows: a poll that waits with them writes nothing.
import { ZERO } from '../world';
import type { Contract } from '../contract';

export const DELAY: Record<string, Contract> = {
  *udelay() { return ZERO; },
  *ndelay() { return ZERO; },
  *mdelay() { return ZERO; },
  *cpu_relax() { return ZERO; },
};
