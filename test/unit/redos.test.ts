// Linear-time parsing: every parser of patches, mails and C text meets its worst case of about 1 MB
// (built by test/support/redos-cases.ts for each regex or scan that could go quadratic) far within a
// generous bound. A linear parser takes milliseconds; the quadratic ones took minutes.
import assert from 'node:assert/strict';
import { REDOS_CASES, timeCase } from '../support/redos-cases';

const SIZE = 1_000_000;
/** A shared, loaded machine may be slow; a quadratic parser is slower by orders of magnitude. */
const BOUND_MS = 5000;

describe('linear-time parsing of hostile input', function () {
  this.timeout(60_000);
  for (const c of REDOS_CASES) {
    it(`${c.name} (${c.target})`, () => {
      const r = timeCase(c, SIZE);
      assert.ok(r.chars >= SIZE * 0.9, `input of ${r.chars} characters`);
      assert.ok(r.ms < BOUND_MS, `${Math.round(r.ms)} ms on ${r.chars} characters`);
    });
  }
});
