// Drivers' fault paths take the reporter role from what they call (iommu_report_device_fault()),
// also as static helpers, and are checked against the core's contract of their era.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import { consequenceExpectations, expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'drivers');

describe('driver fault paths', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.c')).sort()) {
    it(`${name}: exactly the findings written in the fixture${name.startsWith('ring_') ? ', in the hardware-request role' : ''}`, async () => {
      const text = readFileSync(join(DIR, name), 'utf8');
      const r = await analyzeFiles([{ path: name, text }]);
      assert.deepEqual(r.findings.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`).sort(), expectations(name, text));
      assert.deepEqual(r.findings.flatMap((f) => (f.consequences ?? []).map((c) => `${basename(c.file)}:${c.line} ${c.rule}`)).sort(), consequenceExpectations(text));
      const reporter = r.functions.find((f) => f.name === 'ring_report');
      if (!reporter) return;
      assert.deepEqual(reporter.scenarios, ['hardware-request'], 'a static helper that reports faults runs in its role');
      assert.ok(reporter.paths > 0 && !reporter.bounded);
    });
  }
});
