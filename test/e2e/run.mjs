// The e2e runner: pure webview tests in Node, then a real VS Code (code-server 4.100.3) driven by Playwright + chromium.
//
// Phases, each counted: (1) plain-Node tests of the pure editor code; (2) mocha inside the real
// extension host (payload extensionTestsPath); (3) browser tests on the real workbench, with
// screenshots in light and dark under test-results/e2e/. Writes {"passed","failed","pending"} to
// $IOPF_TEST_COUNTS and exits non-zero when anything failed.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';
import { browserSuite } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();
const counts = { passed: 0, failed: 0, pending: 0 };
const resultsDir = join(root, 'test-results', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'iopf-e2e-'));
// Any check this suite runs caches into its own folder, never the user's (removed with the rest of the work folder).
process.env.IOPF_LENS_CACHE_DIR ??= join(work, 'cache');
let server;

const say = (s) => process.stdout.write(`${s}\n`);
const add = (c) => { counts.passed += c.passed ?? 0; counts.failed += c.failed ?? 0; counts.pending += c.pending ?? 0; };

function finish(code) {
  const wall = ((Date.now() - started) / 1000).toFixed(1);
  if (process.env.IOPF_TEST_COUNTS) writeFileSync(process.env.IOPF_TEST_COUNTS, JSON.stringify(counts));
  say(`\ne2e: ${counts.passed} passed, ${counts.failed} failed, ${counts.pending} pending in ${wall} s (screenshots: ${resultsDir})`);
  if (!process.env.IOPF_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  process.exit(code ?? (counts.failed ? 1 : 0));
}

function stopServer() {
  if (!server?.pid) return;
  // The server was started in its own session: signal the whole group, extension hosts included.
  try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
  const pid = server.pid;
  server = undefined;
  setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 2000).unref();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopServer(); finish(130); });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error(`code-server did not answer ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Phase 1: plain-Node mocha over test/e2e/pure (no editor needed). */
function pureSuite() {
  say('\n-- e2e phase 1: pure editor-side code (Node)');
  const out = join(work, 'pure-counts.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--reporter', join(root, 'scripts', 'mocha-reporter.cjs'), 'test/e2e/pure/**/*.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, IOPF_TEST_COUNTS: out } });
  if (existsSync(out)) add(JSON.parse(readFileSync(out, 'utf8')));
  else if (r.status !== 0) add({ failed: 1 });
}

async function bundleHostTests() {
  const esbuild = await import('esbuild');
  const outDir = join(root, 'out', 'e2e-host');
  rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(root, 'test', 'e2e', 'host', 'index.ts')], outfile: join(outDir, 'index.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'error', sourcemap: 'inline',
  });
  return join(outDir, 'index.js');
}

/**
 * The extension as users get it: `vsce package` (the .vscodeignore allowlist decides what ships),
 * checked for size and development files, then installed with code-server's own CLI.
 */
function packageAndInstall(codeServerEntry, extensionsDir, userData) {
  const vsix = join(work, 'iopf-lens.vsix');
  const p = spawnSync(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies',
    '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', vsix], { cwd: root, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`vsce package failed:\n${p.stdout}${p.stderr}`);
  const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  const files = list.status === 0 ? list.stdout.split('\n').filter(Boolean) : [];
  const size = statSync(vsix).size;
  const problems = [];
  if (size > 3 * 1024 * 1024) problems.push(`${(size / 1048576).toFixed(2)} MB is over 3 MB`);
  const dev = files.filter((f) => /\.(ts|map)$|node_modules\/|^extension\/(test|scripts|extension|webview|examples)\//.test(f));
  if (dev.length) problems.push(`development files: ${dev.slice(0, 5).join(', ')}`);
  for (const must of ['extension/dist/extension.js', 'extension/dist/grammars/tree-sitter-c.wasm',
    'extension/dist/grammars/web-tree-sitter.wasm', 'extension/dist/webview/simulation.js']) {
    if (list.status === 0 && !files.includes(must)) problems.push(`missing ${must}`);
  }
  if (list.status === 0 && !files.some((f) => f.startsWith('extension/dist/grammars/queries/'))) problems.push('missing the queries');
  say(`  ${problems.length ? '✗' : '✓'} npm run package: iopf-lens.vsix ${(size / 1024).toFixed(0)} KB, ${files.length} files${problems.length ? `: ${problems.join('; ')}` : ''}`);
  add(problems.length ? { failed: 1 } : { passed: 1 });
  const i = spawnSync(process.execPath, [codeServerEntry, '--extensions-dir', extensionsDir, '--user-data-dir', userData,
    '--install-extension', vsix], { encoding: 'utf8' });
  const ok = i.status === 0 && /successfully installed/i.test(i.stdout + i.stderr);
  say(`  ${ok ? '✓' : '✗'} code-server --install-extension iopf-lens.vsix`);
  add(ok ? { passed: 1 } : { failed: 1 });
  if (!ok) throw new Error(`installing the .vsix failed:\n${i.stdout}${i.stderr}`);
}

export function userSettings(theme) {
  return {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'telemetry.telemetryLevel': 'off',
    'git.enabled': false,
    'window.restoreWindows': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'editor.minimap.enabled': false,
    'files.dialog.defaultPath': root,
    'iopf.hints.debounceMs': 150,
  };
}

async function main() {
  mkdirSync(resultsDir, { recursive: true });
  pureSuite();

  say('\n-- e2e setup: code-server, chromium, build');
  let tools;
  try {
    tools = bootstrap();
  } catch (e) {
    say(`e2e setup failed: ${e.message}`);
    add({ failed: 1 });
    return;
  }
  if (!process.env.IOPF_E2E_SKIP_BUILD) {
    const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) { say('e2e: the build failed; the editor suites cannot run'); add({ failed: 1 }); return; }
  }
  const hostTests = await bundleHostTests();

  const port = await freePort();
  const userData = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(userSettings('Default Dark Modern'), null, 2));
  packageAndInstall(tools.codeServerEntry, extensionsDir, userData);
  const config = join(work, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const hostResults = join(work, 'host-results.json');
  // The extension-host phase edits and opens files; on a copy of its own, nothing it leaves open or
  // dirty is restored into the browser phase's window (workspace state is per folder).
  const hostWorkspace = join(work, 'host-workspace');
  cpSync(join(root, 'test', 'e2e', 'fixtures', 'workspace'), hostWorkspace, { recursive: true });
  const log = openSync(join(resultsDir, 'code-server.log'), 'w');
  // detached: the server gets its own session and process group (setsid), so stopServer() can
  // signal it and every extension host it spawned at once.
  server = spawn(process.execPath, [tools.codeServerEntry, '--config', config, '--user-data-dir', userData,
    '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', join(root, 'test', 'e2e', 'fixtures', 'workspace')], {
    detached: true, stdio: ['ignore', log, log],
    env: { ...process.env, IOPF_E2E_REPO: root, IOPF_E2E_HOST_RESULTS: hostResults, IOPF_E2E_FIXTURES: hostWorkspace },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/healthz`, 30_000);
  say(`code-server ${base} (pid group ${server.pid})`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: tools.chromiumPath, headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    say('\n-- e2e phase 2: mocha in the extension host');
    add(await hostSuite(browser, base, port, hostTests, hostResults, hostWorkspace));
    say('\n-- e2e phase 3: the workbench in the browser');
    add(await browserSuite({ browser, base, root, resultsDir, userData, settings: userSettings, say }));
  } finally {
    await browser.close().catch(() => {});
    stopServer();
  }
}

async function hostSuite(browser, base, port, hostTests, hostResults, folder) {
  const page = await browser.newPage();
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (type, args) => say(`[host ${type}] ${Array.isArray(args) ? args.join(' ') : args}`));
  const payload = JSON.stringify([['extensionDevelopmentPath', remote(root)], ['extensionTestsPath', remote(hostTests.replace(/\.js$/, ''))]]);
  await page.goto(`${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
  const timeout = new Promise((r) => setTimeout(() => r('timeout'), 10 * 60_000));
  const code = await Promise.race([exited, timeout]);
  await page.screenshot({ path: join(resultsDir, 'host-suite-end.png') }).catch(() => {});
  await page.close().catch(() => {});
  if (!existsSync(hostResults)) {
    say(`extension-host suite did not report (exit: ${code}); see test-results/e2e/code-server.log`);
    return { failed: 1 };
  }
  const r = JSON.parse(readFileSync(hostResults, 'utf8'));
  if (typeof r.activationMs === 'number') say(`  activation of iopf-lens in the extension host: ${r.activationMs} ms (the core loads on first use)`);
  if (r.editTimings) {
    const e = r.editTimings;
    say(`  per-edit analysis of the stall fixture over ${e.edits} edits: incremental parse p95 ${e.updateP95Ms.toFixed(1)} ms, simulation p95 ${e.firstP95Ms.toFixed(1)} ms to the first publication, ${e.analyzeP95Ms.toFixed(1)} ms to the complete result`);
  }
  for (const t of r.tests) {
    say(`  ${t.state === 'passed' ? '✓' : t.state === 'pending' ? '-' : '✗'} ${t.title}${t.ms > 1000 ? ` (${t.ms} ms)` : ''}`);
    if (t.error) say(`      ${t.error.split('\n').slice(0, 6).join('\n      ')}`);
  }
  return r;
}

main().then(() => finish(), (e) => {
  say(`e2e runner error: ${e && e.stack || e}`);
  stopServer();
  add({ failed: 1 });
  finish(1);
});
