// The one test command: type-check, build, unit tests (mocha), then the editor end-to-end suite.
// Prints a closing line "tests: N passed, N failed" summed over every suite that ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
// The cache of every check under test is a folder of this run's own, never the user's: no result
// depends on a run before this one.
const cache = mkdtempSync(join(tmpdir(), 'iopf-test-cache-'));
process.env.IOPF_LENS_CACHE_DIR = cache;
const unitOnly = args.has('--unit');
let passed = 0;
let failed = 0;

function step(name, cmd, cmdArgs, env = {}) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function suite(name, cmd, cmdArgs) {
  const counts = join(mkdtempSync(join(tmpdir(), 'iopf-test-')), 'counts.json');
  const status = step(name, cmd, cmdArgs, { IOPF_TEST_COUNTS: counts });
  if (existsSync(counts)) {
    const c = JSON.parse(readFileSync(counts, 'utf8'));
    passed += c.passed;
    failed += c.failed;
    if (status !== 0 && c.failed === 0) failed += 1; // the runner itself failed after its tests
    rmSync(dirname(counts), { recursive: true, force: true });
  } else if (status !== 0) {
    failed += 1; // the suite could not start: count it, never hide it
  }
}

// Type errors are failures of their own.
if (step('typecheck', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.']) === 0) passed += 1;
else failed += 1;

if (step('build', process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet']) === 0) passed += 1;
else failed += 1;

suite('unit', process.execPath, ['--import', 'tsx', join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
  '--reporter', join(root, 'scripts', 'mocha-reporter.cjs'), '--timeout', '60000',
  'test/unit/**/*.test.ts']);

if (!unitOnly && existsSync(join(root, 'test', 'e2e', 'run.mjs'))) {
  suite('e2e (real VS Code)', process.execPath, [join(root, 'test', 'e2e', 'run.mjs')]);
}

rmSync(cache, { recursive: true, force: true });
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
