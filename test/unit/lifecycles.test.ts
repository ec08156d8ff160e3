// Lifecycle fixtures of our own C: each file carries the findings it must give (`expect:` comments),
// a buggy and a fixed variant for each invariant the lifecycle can break.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import { consequenceExpectations, expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'lifecycles');

describe('lifecycles', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.c')).sort()) {
    it(`${name}: exactly the findings written in the fixture`, async () => {
      const text = readFileSync(join(DIR, name), 'utf8');
      const r = await analyzeFiles([{ path: name, text }]);
      assert.deepEqual(r.findings.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`).sort(), expectations(name, text));
      assert.deepEqual(r.findings.flatMap((f) => (f.consequences ?? []).map((c) => `${basename(c.file)}:${c.line} ${c.rule}`)).sort(), consequenceExpectations(text));
      assert.ok(r.findings.every((f) => f.trace.length > 0));
      assert.equal(r.bounded, false);
    });
  }

  it('the fault object\'s destroy takes its role from what it does (container_of to iommufd_fault), not its name', async () => {
    const text = readFileSync(join(DIR, 'fault_destroy_forgets_responses.c'), 'utf8').replace(/iommufd_fault_destroy/g, 'fault_obj_release');
    const r = await analyzeFiles([{ path: 'renamed.c', text }]);
    assert.deepEqual(r.functions.find((f) => f.name === 'fault_obj_release')!.scenarios, ['fault-object-destroy']);
    assert.deepEqual(r.findings.map((f) => f.rule), ['iopf/unanswered-page-request']);
  });
});

describe('lifecycle programs', () => {
  it('sva-two-devices: the finding points at the bind that broke sharing, with the program\'s steps in its trace', async () => {
    const text = readFileSync(join(DIR, 'sva_two_devices_joined_not_shared.c'), 'utf8');
    const r = await analyzeFiles([{ path: 'sva.c', text }], { scenarios: ['sva-two-devices'] });
    // The bond with no reference of its own is also never freed (mem/leak at the unbind).
    assert.deepEqual(r.findings.map((x) => x.rule).sort(), ['mem/leak', 'sva/handle-sharing']);
    const f = r.findings.find((x) => x.rule === 'sva/handle-sharing')!;
    assert.equal(f.rule, 'sva/handle-sharing');
    assert.equal(f.function, 'iommu_sva_bind_device');
    assert.match(f.message, /handle_b_again is ERR_PTR\(-EBUSY\)/);
    // Three binds ran before the check: device A, device B, device B again.
    assert.equal(f.trace.filter((s) => s.op.startsWith('mutex_lock(iommu_sva_lock')).length >= 3, true);
    assert.ok(f.trace.some((s) => s.op === 'iommu_attach_device_pasid() fails' && s.detail.startsWith('-EBUSY')));
  });
});
