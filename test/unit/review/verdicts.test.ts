// The fixture series' verdicts with the real analyzer, from every input form: what DESIGN.md and the seed history say each patch does.
// These are the product's acceptance tests for patch review: they fail until the simulator and its rules find these bugs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { reviewCommand } from '../../../extension/cli/review-commands';
import { loadSeries } from '../../../extension/core/review/series';
import { reviewSeries, type ReviewResult } from '../../../extension/core/review/review';
import { PATCHES, recordingIo, SERIES, TREE } from './helpers';

const rules = (fs: { rule: string }[]) => [...new Set(fs.map((f) => f.rule))].sort();

const EXPECTED = [
  { introduced: ['iopf/partial-fault-dispatched', 'iopf/unanswered-page-request'], fixed: [] as string[] },
  { introduced: [], fixed: ['iopf/partial-fault-dispatched'] },
  { introduced: [], fixed: ['iopf/unanswered-page-request'] },
  { introduced: [], fixed: undefined }, // the refcount conversion: whatever it changes, it must not introduce anything
];

describe('review verdicts on the fixture series (real analyzer)', function () {
  this.timeout(300000);
  const results = new Map<string, ReviewResult>();
  const forms: Record<string, string> = {
    'patch folder': PATCHES,
    'git mbox': join(SERIES, 'series.mbox'),
    'lore mboxrd': join(SERIES, 'series.mboxrd'),
  };

  for (const [form, path] of Object.entries(forms)) {
    describe(form, () => {
      before(async () => {
        results.set(form, await reviewSeries(loadSeries(path), TREE));
      });
      EXPECTED.forEach((want, i) => {
        it(`patch ${i + 1}/4: introduces ${want.introduced.join(', ') || 'nothing'}${want.fixed?.length ? `; fixes ${want.fixed.join(', ')}` : ''}`, () => {
          const p = results.get(form)!.patches[i];
          assert.deepEqual(rules(p.introduced), want.introduced, `introduced by patch ${i + 1}`);
          if (want.fixed) assert.deepEqual(rules(p.fixed), want.fixed, `fixed by patch ${i + 1}`);
        });
      });
      it('nothing introduced by the series remains after patch 4', () => {
        assert.deepEqual(results.get(form)!.remaining, []);
      });
    });
  }

  it('the plain diff of patch 1 gives patch 1\'s verdict', async () => {
    const r = await reviewSeries(loadSeries(join(SERIES, 'patch1.diff')), TREE);
    assert.deepEqual(rules(r.patches[0].introduced), EXPECTED[0].introduced);
  });

  it('the CLI exits 1 on the series (patch 1 breaks bisection) and its reply names both rules under patch 1', async () => {
    const io = recordingIo(SERIES);
    const code = await reviewCommand(['series.mbox', '--tree', 'tree'], io);
    assert.equal(io.err, '');
    assert.equal(code, 1);
    const p1 = io.out.slice(io.out.indexOf('[PATCH v2 1/4]'), io.out.indexOf('[PATCH v2 2/4]'));
    assert.match(p1, /iopf\/partial-fault-dispatched in iommu_report_device_fault\(\)/);
    assert.match(p1, /iopf\/unanswered-page-request in /);
  });
});
