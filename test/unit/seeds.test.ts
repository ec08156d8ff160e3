// The seed history as fixtures: each file's expected findings are written in it, and `check`
// must report exactly those (rule, file, line) and nothing else.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import type { SourceFile } from '../../extension/core/types';
import { consequenceExpectations, expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'seeds');

function load(name: string): SourceFile {
  return { path: name, text: readFileSync(join(DIR, name), 'utf8') };
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.c')).sort();

describe('seed scenarios', () => {
  it('has a fixture for every seed of the history', () => {
    for (const f of ['report_lost_return.c', 'report_no_response.c', 'report_fixed.c', 'refcount_put_without_get.c',
      'refcount_group_drops_early.c', 'remove_device.c', 'remove_device_no_response.c', 'group_double_free.c',
      'sva_sharing_lost.c', 'sva_sharing.c', 'iommufd_detach_rid_only.c', 'iommufd_detach.c', 'release_no_domain.c',
      'release_domain.c']) assert.ok(fixtures.includes(f), f);
  });

  for (const name of fixtures) {
    it(`${name}: exactly the findings written in the fixture`, async () => {
      // The report_* fixtures share the core's helpers, as io-pgfault.c does.
      const files = name.startsWith('report_') ? [load('helpers.h'), load(name)] : [load(name)];
      const expected = files.flatMap((f) => expectations(f.path, f.text)).sort();
      const result = await analyzeFiles(files);
      const got = result.findings.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`).sort();
      assert.deepEqual(got, expected);
      // What followed from each finding on its path, listed under it.
      const then = result.findings.flatMap((f) => (f.consequences ?? []).map((c) => `${basename(c.file)}:${c.line} ${c.rule}`)).sort();
      assert.deepEqual(then, consequenceExpectations(files.map((f) => f.text).join('\n')));
      for (const f of result.findings) {
        assert.ok(f.trace.length > 0, 'every finding carries its trace');
        assert.ok(f.trace.every((s) => s.line >= 1 && s.range.start.line + 1 === s.line), 'trace lines are 1-based');
      }
      assert.equal(result.bounded, false);
    });
  }

  it('the fixed report answers with INVALID when no domain is attached, and the broken one does not', async () => {
    const { simulateFunction } = await import('../../extension/core/analyze');
    const fixed = await simulateFunction([load('helpers.h'), load('report_fixed.c')], 'report_fixed.c', 'iommu_report_device_fault', { scenarios: ['no-domain'] });
    assert.deepEqual(fixed.paths.map((p) => p.outcome), ['returns -EINVAL; grpid 1: IOMMU_PAGE_RESP_INVALID']);
    const broken = await simulateFunction([load('helpers.h'), load('report_no_response.c')], 'report_no_response.c', 'iommu_report_device_fault', { scenarios: ['no-domain'] });
    assert.deepEqual(broken.paths.map((p) => p.outcome), ['returns 0; grpid 1: no response']);
  });
});
