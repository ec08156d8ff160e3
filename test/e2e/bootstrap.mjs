// Makes a real VS Code (code-server 4.100.3) and Debian's chromium available for the e2e suite, offline-friendly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
// code-server 4.100.3 pins @vscode/ripgrep 1.15.11, whose postinstall downloads from GitHub.
const RIPGREP_PKG_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export const cacheDir = process.env.IOPF_E2E_CACHE
  ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'iopf-lens', `code-server-${CODE_SERVER_VERSION}`);
export const codeServerEntry = join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const chromiumPath = process.env.IOPF_E2E_CHROMIUM ?? '/usr/bin/chromium';

const log = (msg) => process.stdout.write(`[e2e setup] ${msg}\n`);

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** What the code-server native builds and the browser side need, as apt package -> present? */
function prerequisites() {
  return {
    chromium: existsSync(chromiumPath),
    ripgrep: have('rg'),
    // kerberos (a code-server dependency) compiles against gssapi headers.
    'libkrb5-dev': existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/gssapi.h'),
    'build-essential': have('make') && have('g++'),
    python3: have('python3'),
  };
}

function ensureApt() {
  const missing = Object.entries(prerequisites()).filter(([, ok]) => !ok).map(([p]) => p);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the e2e suite needs these Debian packages: ${missing.join(' ')}\n` +
      `  install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
      `  (as root, npm run test:e2e installs them itself)`);
  }
  log(`installing apt packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error('apt-get update failed');
  r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
}

function seedRipgrepCache() {
  const dir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  const asset = join(dir, RIPGREP_ASSET);
  if (existsSync(asset)) return;
  mkdirSync(dir, { recursive: true });
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  const r = spawnSync('tar', ['czf', asset, '-C', rg.replace(/\/rg$/, ''), 'rg'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not seed the ripgrep cache from the system rg');
}

function ensureCodeServer() {
  const marker = join(cacheDir, '.installed');
  if (existsSync(codeServerEntry) && existsSync(marker)) return;
  seedRipgrepCache();
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(join(cacheDir, 'package.json'))) {
    writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ name: 'iopf-lens-code-server-cache', private: true }, null, 2));
  }
  log(`installing code-server ${CODE_SERVER_VERSION} into ${cacheDir} (about a minute)`);
  const t0 = Date.now();
  const env = {
    ...process.env,
    // Root installs refuse without this; npm 11 kept only the environment form.
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall runs `npx node-gyp`.
    npm_config_yes: 'true',
    // node-gyp must use the local headers; nothing is downloaded.
    npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
    // code-server's own postinstall fetches VS Code's node_modules; this install lives in a private cache.
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
    { cwd: cacheDir, stdio: 'inherit', env });
  if (r.status !== 0 || !existsSync(codeServerEntry)) {
    throw new Error(`installing code-server ${CODE_SERVER_VERSION} failed (see npm output above)`);
  }
  writeFileSync(marker, new Date().toISOString());
  log(`code-server installed in ${Math.round((Date.now() - t0) / 1000)} s`);
}

/** Everything the suite needs; throws an Error whose message says what is missing and how to get it. */
export function bootstrap() {
  ensureApt();
  ensureCodeServer();
  return { codeServerEntry, chromiumPath };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    bootstrap();
    log('ready');
  } catch (e) {
    process.stderr.write(`[e2e setup] ${e.message}\n`);
    process.exit(2);
  }
}
