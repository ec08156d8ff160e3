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

describe('lifecycle program: a device\'s page faults from enabling IOPF to disabling it', () => {
  /** @name's text with @from replaced by @to (the replaced text must be there). */
  const variant = (name: string, from: string, to: string): string => {
    const text = readFileSync(join(DIR, name), 'utf8');
    assert.ok(text.includes(from), `${name} has the text the variant changes`);
    return text.replace(from, to);
  };
  /** The findings of the program alone, as `rule` lines. */
  const programFindings = async (text: string, scenario: string) => {
    const r = await analyzeFiles([{ path: 'core.c', text }], { scenarios: [scenario] });
    return r.findings.map((f) => f.rule).sort();
  };

  it('runs on the reworked core\'s own code: enable, a partial and a last report, flush, disable, free', async () => {
    const text = readFileSync(join(DIR, 'iopf_queue.c'), 'utf8');
    const r = await analyzeFiles([{ path: 'core.c', text }], { scenarios: ['iopf-queue-lifecycle'] });
    assert.deepEqual(r.findings, []);
    assert.equal(r.bounded, false);
  });

  const reworked: [string, string, string, string[]][] = [
    ['the removal keeps the queue\'s reference on the fault parameter', '\t/* The reference iopf_queue_add_device() took. */\n\tiopf_put_dev_fault_param(fault_param);\n', '', ['iopf/refcount-imbalance']],
    ['a partial report keeps its reference', '\t\tiopf_put_dev_fault_param(fault_param);\n\t\treturn;\n\t}\n\n\tgroup = kzalloc', '\t\treturn;\n\t}\n\n\tgroup = kzalloc', ['iopf/refcount-imbalance']],
    ['freeing the queue forgets its workqueue', '\tdestroy_workqueue(queue->wq);\n', '', ['mem/leak']],
    ['a group the handler refused is freed unanswered', '\tif (attach_handle->domain->iopf_handler(group)) {\n\t\tiopf_answer(dev, evt, IOMMU_PAGE_RESP_INVALID);\n', '\tif (attach_handle->domain->iopf_handler(group)) {\n', ['iopf/unanswered-page-request']],
    ['the core also answers a group the handler took', '\t\tiopf_free_group(group);\n\t}\n}', '\t\tiopf_free_group(group);\n\t}\n\tiopf_answer(dev, evt, IOMMU_PAGE_RESP_SUCCESS);\n}', ['iopf/duplicate-response']],
  ];
  for (const [what, from, to, rules] of reworked) {
    it(`reworked core, ${what}: ${rules.join(', ')}`, async () => {
      assert.deepEqual([...new Set(await programFindings(variant('iopf_queue.c', from, to), 'iopf-queue-lifecycle'))], rules);
    });
  }

  it('runs on the handler-era core through the fault handler the driver in the tree registers, its work on the workqueue', async () => {
    const text = readFileSync(join(DIR, 'iopf_queue_handler.c'), 'utf8');
    const r = await analyzeFiles([{ path: 'core.c', text }], { scenarios: ['iopf-queue-lifecycle:iommu_queue_iopf'] });
    assert.deepEqual(r.findings, []);
    assert.equal(r.bounded, false);
    // Renamed, the handler is still found by what the driver registers: the work that forgets its
    // group is caught through it.
    const leaky = variant('iopf_queue_handler.c', '\tiommu_page_response(group->dev, &resp);\n\tkfree(group);\n', '\tiommu_page_response(group->dev, &resp);\n');
    assert.deepEqual(await programFindings(leaky.replace(/iommu_queue_iopf/g, 'core_fault_entry'), 'iopf-queue-lifecycle:core_fault_entry'), ['iopf/group-leak']);
  });

  const handlerEra: [string, string, string, string[]][] = [
    ['the work forgets the group', '\tiommu_page_response(group->dev, &resp);\n\tkfree(group);\n', '\tiommu_page_response(group->dev, &resp);\n', ['iopf/group-leak']],
    ['the work forgets the partial faults', '\t\t\tkfree(iopf);\n\t}\n\tiommu_page_response', '\t\t\tcontinue;\n\t}\n\tiommu_page_response', ['iopf/partial-fault-leak']],
    // The copy the report kept for the answer stays on the fault parameter too, which then
    // outlives the queue (the handler cannot be unregistered with a fault pending): a consequence.
    ['the work never answers', '\tiommu_page_response(group->dev, &resp);\n\tkfree(group);\n', '\tkfree(group);\n', ['iopf/unanswered-page-request']],
    ['a refused report keeps its copy, so the handler can never be unregistered', '\tif (ret && pending) {\n\t\t/* The caller answers a fault the handler refused. */\n\t\tmutex_lock(&fparam->lock);\n\t\tlist_del(&pending->list);\n\t\tmutex_unlock(&fparam->lock);\n\t\tkfree(pending);\n\t}\n', '', ['mem/leak']],
  ];
  for (const [what, from, to, rules] of handlerEra) {
    it(`handler-era core, ${what}: ${rules.join(', ')}`, async () => {
      assert.deepEqual([...new Set(await programFindings(variant('iopf_queue_handler.c', from, to), 'iopf-queue-lifecycle:iommu_queue_iopf'))], rules);
    });
  }

  it('an unlocked check after the flush is ordered after the work it waited for: no data race', async () => {
    const text = variant('iopf_queue_handler.c', '\tmutex_lock(&param->fault_param->lock);\n\tif (!list_empty(&param->fault_param->faults))\n\t\tret = -EBUSY;\n\tmutex_unlock(&param->fault_param->lock);\n', '\tif (!list_empty(&param->fault_param->faults))\n\t\tret = -EBUSY;\n');
    assert.deepEqual(await programFindings(text, 'iopf-queue-lifecycle:iommu_queue_iopf'), []);
  });
});
