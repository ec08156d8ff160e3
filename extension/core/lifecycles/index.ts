// The lifecycle programs, one file per lifecycle.
import type { Program } from './program';
import { SVA_TWO_DEVICES } from './sva-two-devices';

export const PROGRAMS: Program[] = [...SVA_TWO_DEVICES];
