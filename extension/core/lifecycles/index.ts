// The lifecycle programs, one file per lifecycle.
import type { Program, RoleProgram } from './program';
import { SVA_TWO_DEVICES } from './sva-two-devices';
import { SVA_USER } from './sva-user';
import { IOPF_QUEUE } from './iopf-queue';

/** Programs over the core's own entry points, by their kernel names. */
export const PROGRAMS: Program[] = [...SVA_TWO_DEVICES];

/** Programs whose roles are found in the tree (a driver's file operations, the fault handler drivers register). */
export const ROLE_PROGRAMS: RoleProgram[] = [SVA_USER, IOPF_QUEUE];
