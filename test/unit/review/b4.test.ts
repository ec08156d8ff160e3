// b4-check: one patch mail on stdin, b4's external check JSON (tool/status/summary/url/details) or checkpatch-style lines on stdout.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { b4CheckCommand } from '../../../extension/cli/review-commands';
import { applySeries, TreeState } from '../../../extension/core/review/apply';
import { loadSeries } from '../../../extension/core/review/series';
import { markerAnalyzer } from './marker-analyzer';
import { fingerprint, PATCH_FILES, PATCHES, recordingIo, scratchTree, TREE } from './helpers';

const patch = (i: number) => readFileSync(PATCH_FILES[i], 'utf8');

describe('b4-check', () => {
  it('prints one result in b4 review\'s JSON protocol', async () => {
    const t = scratchTree();
    try {
      // the marker analyzer finds nothing here (no marks): the verdict is pass, with the contract change in the summary
      const before = fingerprint(t.dir);
      const io = recordingIo(t.dir, patch(0));
      const code = await b4CheckCommand([], io, { analyzer: markerAnalyzer() });
      assert.equal(code, 0, io.err);
      const out = JSON.parse(io.out);
      assert.ok(Array.isArray(out));
      assert.equal(out.length, 1);
      assert.deepEqual(Object.keys(out[0]).sort(), ['details', 'status', 'summary', 'tool', 'url']);
      assert.equal(out[0].tool, 'iopf-lens');
      assert.equal(out[0].status, 'pass');
      assert.equal(out[0].url, null);
      assert.match(out[0].summary, /iommu_report_device_fault\(\) now returns void/);
      assert.match(out[0].details, /\[PATCH v2 1\/4\] iommu: Make iommu_report_device_fault\(\) return void/);
      assert.deepEqual(fingerprint(t.dir), before);
    } finally {
      t.done();
    }
  });

  it('fails a patch that introduces an error finding, and says which rule', async () => {
    const t = scratchTree();
    try {
      const text = patch(1).replace(" \t\t/* A request that is not the last does not need to be ack'd */\n+\t\tmutex_unlock(&param->lock);\n+\t\treturn;\n",
        " \t\t/* A request that is not the last does not need to be ack'd */\n+\t\tmutex_unlock(&param->lock); /* FINDING: lock/imbalance */\n+\t\treturn;\n");
      assert.notEqual(text, patch(1));
      const applied = applySeries(TreeState.open(TREE), loadSeries(PATCHES).patches.slice(0, 1));
      for (const f of ['drivers/iommu/io-pgfault.c', 'include/linux/iommu.h', 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c']) writeFileSync(join(t.dir, f), applied[0].after.read(f)!);
      const io = recordingIo(t.dir, text);
      assert.equal(await b4CheckCommand(['--tree', t.dir], io, { analyzer: markerAnalyzer() }), 1);
      const [r] = JSON.parse(io.out);
      assert.equal(r.status, 'fail');
      assert.match(r.summary, /introduces 1 finding \(lock\/imbalance\)/);
      const lines = recordingIo(t.dir, text);
      assert.equal(await b4CheckCommand(['--format', 'lines'], lines, { analyzer: markerAnalyzer() }), 1);
      assert.match(lines.out, /^drivers\/iommu\/io-pgfault\.c:\d+: ERROR: lock\/imbalance: /);
    } finally {
      t.done();
    }
  });

  it('reviews a patch the tree already holds (b4 prep --check runs on the series branch)', async () => {
    const t = scratchTree();
    try {
      const applied = applySeries(TreeState.open(TREE), loadSeries(PATCHES).patches);
      for (const f of ['drivers/iommu/io-pgfault.c', 'include/linux/iommu.h', 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c']) writeFileSync(join(t.dir, f), applied[3].after.read(f)!);
      const io = recordingIo(t.dir, patch(3));
      assert.equal(await b4CheckCommand([], io, { analyzer: markerAnalyzer() }), 0, io.err);
      assert.equal(JSON.parse(io.out)[0].status, 'pass');
      assert.match(JSON.parse(io.out)[0].details, /already in the tree/);
    } finally {
      t.done();
    }
  });

  it('a cover letter has nothing to report: []', async () => {
    const io = recordingIo(TREE, readFileSync(join(PATCHES, '0000-cover-letter.patch'), 'utf8'));
    assert.equal(await b4CheckCommand([], io, { analyzer: markerAnalyzer() }), 0);
    assert.deepEqual(JSON.parse(io.out), []);
  });

  it('a patch that does not apply: a warn result for b4, exit 2 and one line on stderr', async () => {
    const io = recordingIo(TREE, patch(1)); // patch 2 without patch 1
    assert.equal(await b4CheckCommand([], io, { analyzer: markerAnalyzer() }), 2);
    const [r] = JSON.parse(io.out);
    assert.equal(r.status, 'warn');
    assert.match(r.details, /Restore lost return.*does not apply: drivers\/iommu\/io-pgfault\.c: hunk #1/);
    assert.equal(io.err.trim().split('\n').length, 1);
  });

  const bad: [string, string, string[], RegExp][] = [
    ['empty stdin', '', [], /empty input/],
    ['not a patch', 'hello\nworld\n', [], /no diff found/],
    ['a whole series', readFileSync(join(PATCHES, '..', 'series.mbox'), 'utf8'), [], /takes one patch mail/],
    ['an argument instead of stdin', 'x', ['p.patch'], /read from stdin/],
    ['an unknown format', 'x', ['--format', 'sarif'], /unknown format "sarif"/],
  ];
  for (const [what, stdin, argv, re] of bad) {
    // b4 runs the configured command for every patch: whatever goes wrong, it still reads a verdict.
    it(`${what}: exit 2, a warn verdict on stdout, one line on stderr`, async () => {
      const io = recordingIo(TREE, stdin);
      assert.equal(await b4CheckCommand(argv, io, { analyzer: markerAnalyzer() }), 2);
      const [r, more] = JSON.parse(io.out);
      assert.equal(more, undefined);
      assert.equal(r.status, 'warn');
      assert.match(r.summary, /^not reviewed/);
      assert.match(r.details, re);
      assert.match(io.err, re);
      assert.equal(io.err.trim().split('\n').length, 1);
    });
  }
});
