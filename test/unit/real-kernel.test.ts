// Real code: check over drivers/iommu, drivers/misc/uacce and drivers/dma/idxd of Debian's
// linux-source-6.1 and linux-source-6.12 (extracted at test time). Every error finding must be one
// that docs/real-code.md (its verdicts file) lists as TRUE or DEBATABLE after reading the code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import { KERNEL_VERSIONS, kernelTree } from '../support/kernel';
import { loadVerdicts, runTree, verdictKey } from '../support/real-code';

for (const version of KERNEL_VERSIONS) {
  describe(`real kernel: linux-source-${version}`, function () {
    this.timeout(15 * 60 * 1000);
    let root: string | undefined;

    before(function () {
      const k = kernelTree(version);
      if (!k.root) {
        console.log(`      (skipped: ${k.reason})`);
        this.skip();
      }
      root = k.root;
    });

    if (version === '6.12') {
      it('check drivers/iommu --jobs 2 reports what --jobs 1 does, byte for byte', () => {
        const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
        const run = (jobs: string) => spawnSync(process.execPath, [cli, 'check', 'drivers/iommu', '--format', 'json', '--no-cache', '--jobs', jobs],
          { cwd: root!, encoding: 'utf8', maxBuffer: 1 << 28 });
        const one = run('1');
        const two = run('2');
        assert.equal(one.status, 1, one.stderr);
        assert.equal(two.status, one.status, two.stderr);
        assert.ok(JSON.parse(one.stdout).findings.length > 0);
        assert.ok(two.stdout === one.stdout, 'the reports differ');
      });
    }

    it('io-pgfault.c and iommu-sva.c simulate with no findings', async () => {
      const files = ['drivers/iommu/io-pgfault.c', version === '6.1' ? 'drivers/iommu/iommu-sva-lib.c' : 'drivers/iommu/iommu-sva.c']
        .map((p) => ({ path: p, text: readFileSync(join(root!, p), 'utf8') }));
      const r = await analyzeFiles(files);
      assert.deepEqual(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`), []);
      if (version === '6.12') {
        const report = r.functions.find((f) => f.name === 'iommu_report_device_fault')!;
        assert.deepEqual(report.scenarios, ['last-only', 'partial-then-last', 'partial-only', 'handler-fails', 'no-fault-param', 'no-domain']);
        assert.ok(report.paths >= 6);
      }
    });

    it('check over the tree: every error finding is judged TRUE or DEBATABLE in docs/real-code.md; driver fault paths run', async () => {
      const verdicts = loadVerdicts();
      const run = await runTree(version, root!, verdicts);
      console.log(`      ${run.files} files, ${run.result.functions.length} functions, ${run.judged.length} error/warning findings, ${run.reporters.length} driver fault paths, ${(run.ms / 1000).toFixed(1)} s`);
      for (const { finding: f, verdict } of run.judged) {
        if (f.severity !== 'error') continue;
        assert.ok(verdict, `unjudged finding ${f.file}:${f.line} ${f.rule} in ${f.function}: ${f.message} (npm run real-code, then judge it in docs/real-code.verdicts.json)`);
        assert.notEqual(verdict!.verdict, 'FALSE', `FALSE finding still reported: ${verdictKey(verdict!)}: ${verdict!.reason}`);
      }
      // Every function that reports faults to the core gets a verdict: paths run, in its role.
      assert.ok(run.reporters.length >= 2, 'the vendors\' fault paths take the reporter role');
      for (const f of run.reporters) assert.ok(f.paths > 0, `${f.name} ran no path`);
      // So does each thread that drains the hardware's queue into them: run to its end, not cut.
      assert.ok(run.drainers.length >= 2, 'the vendors\' queue threads are found as callers of the reporters');
      for (const { summary: f } of run.drainers) assert.ok(f.paths > 0 && !f.bounded, `${f.name}: ${f.paths} paths${f.bounded ? ', cut by a bound' : ''}`);
      assert.ok(run.result.functions.length > 2000);
    });
  });
}
