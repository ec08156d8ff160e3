// Steps a scenario takes itself (a call returning between two calls of a multi-call scenario) are marked
// as the scenario's, so an editor does not pin them on a line of the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulateFunction } from '../../extension/core/analyze';

const file = join(__dirname, '..', 'e2e', 'fixtures', 'workspace', 'stall', 'io-pgfault.c');

describe('scenario steps', () => {
  it('the return between two calls of partial-then-last is the scenario\'s step, every other step is the code\'s', async () => {
    const r = await simulateFunction([{ path: file, text: readFileSync(file, 'utf8') }], file, 'iommu_report_device_fault', { scenarios: ['partial-then-last'] });
    assert.ok(r.paths.length > 0);
    for (const p of r.paths) {
      const own = p.steps.filter((s) => s.origin === 'scenario');
      // Two calls: each return is a scenario step (the last one only when the path ran to its end).
      assert.ok(own.length >= 1 && own.length <= 2, `path ${p.id}: ${own.length} scenario steps`);
      assert.ok(own.every((s) => /returns$/.test(s.op) && /call \d of 2/.test(s.detail)), own.map((s) => s.op).join());
      assert.ok(p.steps.filter((s) => s.origin !== 'scenario').every((s) => !/returns$/.test(s.op)));
    }
  });
});
