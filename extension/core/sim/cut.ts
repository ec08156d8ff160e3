/** A path ends early: its bound was reached, it cannot happen, or a violation stops it. */
export class Cut extends Error {
  constructor(readonly reason: 'bounded' | 'infeasible' | 'stop') {
    super(reason);
  }
}
