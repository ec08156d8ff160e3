// The behaviour diff: changed functions by range overlap, introduced and fixed findings matched without line numbers,
// changed path outcomes, and callers listed when a return type changes. Driven by a marker analyzer (see marker-analyzer.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { applyPatchToTree, TreeState } from '../../../extension/core/review/apply';
import { changedFunctions, entryPoints, findingKey, reviewSeries, type ContractChange, type OutcomeChange } from '../../../extension/core/review/review';
import { parseSeriesText } from '../../../extension/core/review/series';
import { loadSeries } from '../../../extension/core/review/series';
import { markerAnalyzer } from './marker-analyzer';
import { CORE, PATCH_FILES, TREE } from './helpers';

const BASE = `// demo core
#include <linux/iommu.h>

int demo_report(struct device *dev)
{
	int ret;

	ret = demo_prepare(dev);
	if (ret)
		return ret;
	respond(dev);
	return 0;
}

static void demo_log(struct device *dev)
{
	if (demo_report(dev))
		pr_info("not handled\\n");
}

static void demo_other(void)
{
	demo_idle();
}
`;

function mail(subject: string, before: string, after: string, path = 'drivers/demo/core.c'): string {
  const diff = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 });
  return `From: T <t@x>\nSubject: ${subject}\n\nmsg\n\nSigned-off-by: T <t@x>\n---\n${diff.replace(/^=+\n/m, '').replace(/^Index: .*\n/m, '')}`;
}

describe('review/review: behaviour diff with a marker analyzer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iopf-review-demo-'));
    mkdirSync(join(dir, 'drivers', 'demo'), { recursive: true });
    writeFileSync(join(dir, 'drivers', 'demo', 'core.c'), BASE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps hunks to the functions they touch, and only those', () => {
    const after = BASE.replace('\trespond(dev);\n', '');
    const s = parseSeriesText(mail('[PATCH] drop', BASE, after), 'p');
    const applied = applyPatchToTree(TreeState.open(dir), s.patches[0]);
    assert.deepEqual(changedFunctions(applied).map((c) => c.name), ['demo_report']);
  });

  it('a patch that adds a marked line introduces it; its caller is simulated too', async () => {
    const calls = { analyze: [] as string[][] };
    const after = BASE.replace('\trespond(dev);\n', '\trespond(dev); /* FINDING: iopf/duplicate-response */\n');
    const r = await reviewSeries(parseSeriesText(mail('[PATCH] add', BASE, after), 'p'), dir, { analyzer: markerAnalyzer(calls) });
    const p = r.patches[0];
    assert.deepEqual(p.introduced.map((f) => [f.rule, f.function, f.line]), [['iopf/duplicate-response', 'demo_report', 11]]);
    assert.deepEqual(p.fixed, []);
    assert.deepEqual(p.functions.sort(), ['demo_log', 'demo_report']);
    assert.ok(calls.analyze.every((fns) => !fns.includes('demo_other')), 'an untouched function is not an entry point');
    assert.equal(r.findings.length, 1);
    assert.equal(r.remaining.length, 1);
  });

  it('a finding that only moved (lines added above it) is neither introduced nor fixed', async () => {
    const marked = BASE.replace('\trespond(dev);\n', '\trespond(dev); /* FINDING: iopf/duplicate-response */\n');
    writeFileSync(join(dir, 'drivers', 'demo', 'core.c'), marked);
    const after = marked.replace('\tint ret;\n', '\tint ret;\n\n\t/* three\n\t   more lines */\n');
    const r = await reviewSeries(parseSeriesText(mail('[PATCH] comment', marked, after), 'p'), dir, { analyzer: markerAnalyzer() });
    assert.deepEqual(r.patches[0].introduced, []);
    assert.deepEqual(r.patches[0].fixed, []);
  });

  it('a patch that removes a marked line fixes it; a series that breaks then repairs reports both, and nothing remains', async () => {
    const marked = BASE.replace('\trespond(dev);\n', '\trespond(dev); /* FINDING: iopf/duplicate-response */\n');
    const text = [mail('[PATCH 1/2] break', BASE, marked), mail('[PATCH 2/2] repair', marked, BASE)]
      .map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m}`).join('\n');
    const r = await reviewSeries(parseSeriesText(text, 's.mbox'), dir, { analyzer: markerAnalyzer() });
    assert.deepEqual(r.patches.map((p) => [p.introduced.length, p.fixed.length]), [[1, 0], [0, 1]]);
    assert.equal(findingKey(r.patches[0].introduced[0]), findingKey(r.patches[1].fixed[0]));
    assert.equal(r.findings.length, 1);
    assert.deepEqual(r.remaining, []);
  });

  describe('with the core analyzer: a finding is known by the statement it points at', () => {
    const LEAKY = `// demo core
#include <linux/slab.h>

struct demo_ctx { void *a; void *b; };

int demo_setup(struct demo_ctx *ctx, int bad)
{
	void *a;

	a = kzalloc(64, GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	if (bad)
		return -EINVAL;
	ctx->a = a;
	return 0;
}
`;
    const leaks = (fs: { rule: string; line: number }[]) => fs.filter((f) => f.rule === 'mem/leak').map((f) => f.line);
    beforeEach(() => writeFileSync(join(dir, 'drivers', 'demo', 'core.c'), LEAKY));

    it('a second leak of the same kind in a function that already leaks is introduced', async () => {
      const after = LEAKY.replace('\tvoid *a;\n', '\tvoid *a, *b;\n')
        .replace('\tctx->a = a;\n', '\tctx->a = a;\n\tb = kzalloc(32, GFP_KERNEL);\n\tif (!b)\n\t\treturn -ENOMEM;\n\tif (demo_check(ctx))\n\t\treturn -EIO;\n\tctx->b = b;\n');
      const r = await reviewSeries(parseSeriesText(mail('[PATCH] second buffer', LEAKY, after), 'p'), dir);
      const line = after.split('\n').findIndex((l) => l.includes('kzalloc(32')) + 1;
      assert.deepEqual(leaks(r.patches[0].introduced), [line]);
      assert.deepEqual(r.patches[0].fixed, []);
    });

    it('a patch that rewrites the statement of an old leak without fixing it neither introduces nor fixes it', async () => {
      const after = LEAKY.replace('kzalloc(64, GFP_KERNEL)', 'kzalloc(128, GFP_KERNEL)');
      const r = await reviewSeries(parseSeriesText(mail('[PATCH] bigger', LEAKY, after), 'p'), dir);
      assert.deepEqual(r.patches[0].introduced, []);
      assert.deepEqual(r.patches[0].fixed, []);
    });
  });

  it('reports a changed path outcome in plain words', async () => {
    const after = BASE.replace('\trespond(dev);\n', '');
    const r = await reviewSeries(parseSeriesText(mail('[PATCH] drop', BASE, after), 'p'), dir, { analyzer: markerAnalyzer() });
    const outcomes = r.patches[0].changed.filter((c): c is OutcomeChange => c.kind === 'outcome');
    assert.deepEqual(outcomes.map((c) => [c.function, c.scenario, c.before, c.after]),
      [['demo_report', 'no fault parameter', 'IOMMU_PAGE_RESP_INVALID', 'no response']]);
  });

  it('lists the callers that relied on a return type the patch changes', async () => {
    const after = BASE.replace('int demo_report(struct device *dev)', 'void demo_report(struct device *dev)')
      .replace('\t\treturn ret;\n', '\t\treturn;\n').replace('\treturn 0;\n}\n\nstatic void demo_log', '}\n\nstatic void demo_log');
    const r = await reviewSeries(parseSeriesText(mail('[PATCH] void', BASE, after), 'p'), dir, { analyzer: markerAnalyzer() });
    const contracts = r.patches[0].changed.filter((c): c is ContractChange => c.kind === 'contract');
    assert.equal(contracts.length, 1);
    assert.deepEqual([contracts[0].function, contracts[0].before, contracts[0].after], ['demo_report', 'int', 'void']);
    assert.deepEqual(contracts[0].callers.map((c) => [c.function, c.file, c.usedBefore, c.usesAfter]), [['demo_log', 'drivers/demo/core.c', true, true]]);
  });

  it('runs a changed static helper through its callers, as check does, and a lone static function itself', () => {
    const text = [
      'static struct iommu_fault_param *get(struct device *dev)', '{', '\treturn dev->iommu->fault_param;', '}', '',
      'static int middle(struct device *dev)', '{', '\treturn get(dev) ? 0 : -ENODEV;', '}', '',
      'int exported(struct device *dev)', '{', '\treturn middle(dev);', '}', '',
      'static void lone(void)', '{', '}', '',
    ].join('\n');
    assert.deepEqual(entryPoints([{ path: 'a.c', text }], ['get', 'lone']).sort(), ['exported', 'lone']);
    assert.deepEqual(entryPoints([{ path: 'a.c', text }], ['exported', 'missing']), ['exported']);
  });

  it('on the fixture, patch 1 lists the SMMUv3 caller that used the int return and was updated', async () => {
    const r = await reviewSeries(loadSeries(PATCH_FILES[0]), TREE, { analyzer: markerAnalyzer() });
    const c = r.patches[0].changed.find((x): x is ContractChange => x.kind === 'contract');
    assert.ok(c);
    assert.equal(c.function, 'iommu_report_device_fault');
    assert.equal(c.file, CORE);
    assert.deepEqual([c.before, c.after], ['int', 'void']);
    assert.deepEqual(c.callers.map((k) => [k.function, k.file, k.usedBefore, k.usesAfter]),
      [['arm_smmu_handle_evt', 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c', true, false]]);
  });
});
