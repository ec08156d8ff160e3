// Extension-host entry of the e2e suite: runs the mocha suites inside the real VS Code extension host and writes a result file for run.mjs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type MochaType from 'mocha';

interface TestRecord { title: string; state: string; ms: number; error?: string }

/** Called by the workbench (payload extensionTestsPath); the returned promise decides the exit code. */
export async function run(): Promise<void> {
  const repo = process.env.IOPF_E2E_REPO;
  const out = process.env.IOPF_E2E_HOST_RESULTS;
  if (!repo || !out) throw new Error('IOPF_E2E_REPO and IOPF_E2E_HOST_RESULTS must be set by test/e2e/run.mjs');
  // mocha is loaded from the repository at run time (its ESM entry cannot be required on every Node 20).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require(join(repo, 'node_modules', 'mocha', 'lib', 'mocha.cjs')) as typeof MochaType;
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'dot' });
  // Define describe/it as globals, then evaluate the suites (bundled; their bodies run now).
  mocha.suite.emit('pre-require', globalThis, 'host-suites', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./suites');
  const records: TestRecord[] = [];
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => records.push({ title: t.fullTitle(), state: 'passed', ms: t.duration ?? 0 }));
    runner.on('fail', (t, err: Error) => records.push({ title: t.fullTitle(), state: 'failed', ms: t.duration ?? 0,
      error: String(err && (err.stack || err.message) || err).slice(0, 4000) }));
    runner.on('pending', (t) => records.push({ title: t.fullTitle(), state: 'pending', ms: 0 }));
  });
  const count = (s: string) => records.filter((r) => r.state === s).length;
  const activationMs = (globalThis as Record<string, unknown>).iopfActivationMs;
  writeFileSync(out, JSON.stringify({ passed: count('passed'), failed: count('failed'), pending: count('pending'),
    activationMs, editTimings: (globalThis as Record<string, unknown>).iopfEditTimings, tests: records }, null, 2));
  if (count('failed')) throw new Error(`${count('failed')} extension-host test(s) failed`);
}
