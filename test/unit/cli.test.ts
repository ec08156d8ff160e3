// The CLI contract scripts and CI bots depend on: commands, formats, exit statuses, one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SEEDS = join('test', 'fixtures', 'seeds');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('cli', () => {
  it('check --jobs N: the work spread over N threads gives the same result, byte for byte, with or without the cache', () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-jobs-'));
    try {
      const dirs = ['test/fixtures/lifecycles', 'test/fixtures/drivers', 'test/fixtures/concurrent', SEEDS];
      const one = run(['check', ...dirs, '--format', 'json', '--no-cache', '--jobs', '1']);
      assert.equal(one.status, 1, one.stderr);
      assert.ok(JSON.parse(one.stdout).findings.length > 10);
      for (const jobs of ['2', '3']) {
        const r = run(['check', ...dirs, '--format', 'json', '--no-cache', '--jobs', jobs]);
        assert.equal(r.status, one.status, r.stderr);
        assert.equal(r.stdout, one.stdout, `--jobs ${jobs}`);
      }
      // A cache the workers fill (cold), then the same check from it (warm), then one file changed.
      const cold = run(['check', ...dirs, '--format', 'json', '--cache-dir', box, '--jobs', '2']);
      assert.equal(cold.stdout, one.stdout);
      const warm = run(['check', ...dirs, '--format', 'json', '--cache-dir', box, '--jobs', '2']);
      assert.equal(warm.stdout, one.stdout);
      oneLineError(run(['check', SEEDS, '--jobs', '0']), /--jobs/);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  it('a reader that closes early (| head -1) ends the run quietly: exit 0, nothing on stderr', () => {
    // More output than a pipe holds, so the writer meets the closed pipe.
    const box = mkdtempSync(join(tmpdir(), 'iopf-pipe-'));
    try {
      writeFileSync(join(box, 'many.c'), Array.from({ length: 4000 }, (_, k) => `int function_with_a_long_name_${k}(void) { return ${k}; }`).join('\n'));
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" index "${box}" --format text | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
      assert.equal(r.stderr.trim(), 'status 0');
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  before(function () {
    if (!existsSync(CLI)) this.skip();
  });

  it('check: findings give exit 1 and the JSON contract', () => {
    const r = run(['check', join(SEEDS, 'sva_sharing_lost.c'), '--format', 'json']);
    assert.equal(r.status, 1);
    const json = JSON.parse(r.stdout);
    assert.equal(json.findings.length, 1);
    const f = json.findings[0];
    assert.equal(f.rule, 'sva/handle-sharing');
    assert.equal(f.severity, 'error');
    assert.equal(f.file, join(SEEDS, 'sva_sharing_lost.c'), 'paths as given');
    assert.equal(f.line, 44);
    assert.equal(f.function, 'iommu_sva_bind_device');
    assert.ok(Array.isArray(f.trace) && f.trace.length > 5);
  });

  it('check: a clean file gives exit 0; SARIF is 2.1.0 with rule ids', () => {
    const clean = run(['check', join(SEEDS, 'sva_sharing.c')]);
    assert.equal(clean.status, 0, clean.stderr);
    const s = run(['check', join(SEEDS, 'release_no_domain.c'), '--format', 'sarif']);
    assert.equal(s.status, 1);
    const sarif = JSON.parse(s.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs[0].results[0].ruleId, 'release/release-domain');
  });

  it('check --function limits the entry points', () => {
    const r = run(['check', join(SEEDS, 'helpers.h'), join(SEEDS, 'report_no_response.c'), '--function', 'iommu_report_device_fault', '--format', 'json']);
    assert.equal(r.status, 1);
    const rules = JSON.parse(r.stdout).findings.map((f: { rule: string }) => f.rule);
    assert.deepEqual(rules, ['iopf/unanswered-page-request', 'iopf/unanswered-page-request']);
  });

  it('simulate prints every path with its outcome, and JSON with traces', () => {
    const t = run(['simulate', join(SEEDS, 'report_no_response.c'), 'iommu_report_device_fault', '--scenario', 'no-domain', '--with', join(SEEDS, 'helpers.h')]);
    assert.equal(t.status, 1);
    assert.match(t.stdout, /path 1 \[no-domain\]: returns 0; grpid 1: no response/);
    const j = run(['simulate', join(SEEDS, 'remove_device.c'), 'iopf_queue_remove_device', '--format', 'json']);
    assert.equal(j.status, 0, j.stderr);
    const sim = JSON.parse(j.stdout);
    assert.equal(sim.function.name, 'iopf_queue_remove_device');
    const outcome = sim.paths.map((p: { outcome: string }) => p.outcome).join('\n');
    assert.match(outcome, /grpid 2: IOMMU_PAGE_RESP_INVALID/);
    assert.ok(sim.paths[0].steps.every((s: { state?: object }) => s.state), 'simulate records the state at every step');
  });

  it('index dumps every function with its file and line', () => {
    const r = run(['index', SEEDS, '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const idx = JSON.parse(r.stdout);
    const fn = idx.functions.find((f: { name: string; file: string }) => f.name === 'iopf_get_dev_fault_param');
    assert.equal(fn.file, join(SEEDS, 'helpers.h'));
    assert.equal(fn.line, 15);
    assert.ok(idx.callGraph.iommu_report_device_fault.includes('iopf_get_dev_fault_param'));
  });

  it('bad input: one clear line, exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iopf-cli-'));
    writeFileSync(join(dir, 'bin.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'empty', 'notes.txt'), 'no C here');
    writeFileSync(join(dir, 'a.txt'), 'text');
    symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
    oneLineError(run(['check', join(dir, 'missing.c')]), /missing\.c: no such file or directory/);
    oneLineError(run(['check', join(dir, 'bin.c')]), /binary file, not C source/);
    oneLineError(run(['check', join(dir, 'empty')]), /no \.c or \.h files/);
    oneLineError(run(['check', join(dir, 'a.txt')]), /not a C source file/);
    oneLineError(run(['check', join(dir, 'loop')]), /no such file|symlink/);
    oneLineError(run(['frobnicate']), /unknown command "frobnicate"/);
    oneLineError(run(['check', SEEDS, '--format', 'xml']), /unknown format "xml"/);
    oneLineError(run(['check', SEEDS, '--bogus', '1']), /unknown option --bogus/);
    oneLineError(run(['simulate', join(SEEDS, 'helpers.h'), 'no_such_fn']), /no function named no_such_fn/);
    oneLineError(run(['simulate', join(SEEDS, 'helpers.h'), 'iopf_free_group', '--scenario', 'nope']), /no scenario named nope/);
    assert.equal(readFileSync(join(dir, 'bin.c')).length, 7, 'the input is untouched');
  });

  it('an empty C file is valid C with nothing to report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iopf-cli-'));
    writeFileSync(join(dir, 'empty.c'), '');
    const r = run(['check', join(dir, 'empty.c')]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('--max-states bounds the interleavings: the verdict says bounded, never clean', () => {
    const file = join('test', 'fixtures', 'concurrent', 'mutex_era.c');
    const whole = run(['check', file, '--scenario', 'report-x-remove', '--format', 'json']);
    assert.equal(JSON.parse(whole.stdout).bounded, false, whole.stderr);
    const cut = run(['check', file, '--scenario', 'report-x-remove', '--max-states', '5']);
    assert.match(cut.stdout, /bounded/, cut.stdout);
    assert.equal(JSON.parse(run(['check', file, '--scenario', 'report-x-remove', '--max-states', '5', '--format', 'json']).stdout).bounded, true);
    oneLineError(run(['check', file, '--max-states', '0']), /--max-states must be a whole number/);
  });

  it('--help lists every command', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    for (const c of ['check', 'simulate', 'review', 'b4-check', 'index']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  });

  it('a concurrent scenario asked for by name on files without its threads\' bodies: check skips it, simulate says so (exit 2)', () => {
    const file = join('test', 'fixtures', 'concurrent', 'pending_unlocked.c');
    const c = run(['check', file, '--scenario', 'response-x-detach']);
    assert.equal(c.status, 0, c.stderr);
    assert.doesNotMatch(c.stderr, /internal error/);
    const s = run(['simulate', file, 'iopf_group_response', '--scenario', 'response-x-detach']);
    assert.equal(s.status, 2);
    assert.match(s.stderr, /^iopf-lens: scenario response-x-detach runs iommufd_fault_fops_write, iommufd_fault_domain_detach_dev, which have no body in the given files\n$/);
  });
});
