// Runs the CLI from source during development (`npm run -s cli -- <args>`), building it first if stale.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(bundle) ||
  statSync(bundle).mtimeMs < Math.max(newestSource(join(root, 'extension')), newestSource(join(root, 'grammars')));
if (stale) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only', '--quiet'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(2);
}
const r = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 2);
