// The SARIF that CI systems ingest, checked by Microsoft's reference validator (the SARIF
// multitool): the schema and its rules, for `check` and for `review`, with findings in both.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { validate } from '../support/sarif-multitool';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function sarifOf(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--format', 'sarif'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const log = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
  assert.ok(log.runs[0].results.length > 0, 'the log carries results to validate');
  return r.stdout;
}

describe('SARIF against the reference validator', function () {
  this.timeout(300_000);

  it('the validator reports what is wrong in a broken log (so a clean verdict means something)', () => {
    const log = JSON.parse(sarifOf(['check', 'test/fixtures/lifecycles'])) as { runs: { results: { ruleIndex?: number; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    log.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    log.runs[0].results[0].ruleIndex = 9999;
    const problems = validate(JSON.stringify(log)).filter((p) => p.level === 'error');
    assert.ok(problems.some((p) => p.where.includes('startLine')), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.where.includes('ruleIndex')), JSON.stringify(problems));
  });

  it('check: no error and no warning, with findings, consequences and traces in the log', () => {
    assert.deepEqual(validate(sarifOf(['check', 'test/fixtures/lifecycles', 'test/fixtures/seeds'])), []);
  });

  it('review of the example series: no error and no warning', () => {
    assert.deepEqual(validate(sarifOf(['review', 'examples/series/patches', '--tree', 'examples/series/tree'])), []);
  });
});
