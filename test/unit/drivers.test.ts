// Drivers' fault paths take the reporter role from what they call (iommu_report_device_fault()),
// also as static helpers, and are checked against the core's contract of their era.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles, simulateFunction } from '../../extension/core/analyze';
import { consequenceExpectations, expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'drivers');

describe('driver fault paths', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.c')).sort()) {
    it(`${name}: exactly the findings written in the fixture${name.startsWith('ring_') ? ', in the hardware-request role' : ''}`, async () => {
      const text = readFileSync(join(DIR, name), 'utf8');
      const r = await analyzeFiles([{ path: name, text }]);
      assert.deepEqual(r.findings.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`).sort(), expectations(name, text));
      assert.deepEqual(r.findings.flatMap((f) => (f.consequences ?? []).map((c) => `${basename(c.file)}:${c.line} ${c.rule}`)).sort(), consequenceExpectations(text));
      // A thread that drains a hardware queue into the reporter runs to a verdict.
      const thread = r.functions.find((f) => f.name === 'evtq_thread');
      if (thread) assert.ok(thread.paths > 0 && !thread.bounded, `${thread.name}: ${thread.paths} paths${thread.bounded ? ', cut' : ''}`);
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

  it('a queue a callee empties one entry at a time is drained as the hardware may fill it: none, one of any kind, or one more pass', async () => {
    const name = 'evtq_report_answers.c';
    const s = await simulateFunction([{ path: name, text: readFileSync(join(DIR, name), 'utf8') }], name, 'evtq_thread');
    assert.equal(s.bounded, false);
    const held = s.paths.map((p) => p.steps.filter((st) => /the queue holds/.test(st.detail)).map((st) => st.detail).join(' / '));
    assert.ok(held.some((h) => /^the queue holds no entry/.test(h)), held.join('\n'));
    assert.ok(held.some((h) => /^the queue holds one ordinary entry/.test(h)));
    assert.ok(held.some((h) => /two entries: an ordinary one/.test(h)));
    assert.ok(held.some((h) => /one more batch/.test(h)));
    // Each entry the path holds is handed to the reporter.
    const handled = (p: (typeof s.paths)[number]) => p.steps.filter((st) => st.op === 'call evtq_handle()').length;
    assert.ok(s.paths.filter((p) => /^the queue holds two entries/.test(held[s.paths.indexOf(p)])).every((p) => handled(p) >= 2));
  });

  it('a page_response callback that sends no answer (a test double\'s empty body) names no group and is not reported', async () => {
    const text = `static void mock_page_response(struct device *dev, struct iopf_fault *evt, struct iommu_page_response *msg)
{
}

static const struct iommu_ops mock_ops = {
	.page_response = mock_page_response,
};
`;
    const r = await analyzeFiles([{ path: 'mock.c', text }]);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
    // The same callback sending the answer without its group is.
    const sends = text.replace('{\n}', '{\n\tmock_send(dev, msg->code);\n}');
    const s = await analyzeFiles([{ path: 'mock.c', text: sends }]);
    assert.deepEqual(s.findings.map((f) => `${f.rule}:${f.line}`), ['iopf/response-without-group:1']);
  });
});
