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

  it('a page_response callback runs in its role, found from the ops table that installs it, and not as a reporter', async () => {
    const text = `struct demo_iommu { spinlock_t lock; int busy; };
struct demo_info { struct demo_iommu *iommu; u16 sid; };

static void demo_page_response(struct device *dev, struct iopf_fault *evt, struct iommu_page_response *msg)
{
	struct demo_info *info = dev_iommu_priv_get(dev);
	struct demo_iommu *iommu = info->iommu;

	spin_lock(&iommu->lock);
	if (iommu->busy)
		return;
	demo_queue_response(iommu, info->sid, evt->fault.prm.grpid, msg->code);
	spin_unlock(&iommu->lock);
}

static const struct iommu_ops demo_ops = {
	.page_response = demo_page_response,
};
`;
    const r = await analyzeFiles([{ path: 'resp.c', text }]);
    const fn = r.functions.find((f) => f.name === 'demo_page_response')!;
    assert.deepEqual(fn.scenarios, ['page-response']);
    assert.ok(fn.paths > 0 && !fn.bounded);
    assert.deepEqual(r.findings.map((f) => `${f.line} ${f.rule}`), ['11 lock/imbalance']);
    // Installed nowhere, it runs for its lock alone, as any function: given a response message, it is no reporter.
    const alone = await analyzeFiles([{ path: 'resp.c', text: text.replace(/static const struct iommu_ops[^;]*;/, '').replace('static void demo_page_response', 'void demo_page_response') }]);
    assert.deepEqual(alone.functions.find((f) => f.name === 'demo_page_response')!.scenarios, ['default']);
  });
});
