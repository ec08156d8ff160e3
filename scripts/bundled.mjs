// Runs a TypeScript script the way the extension and the CLI ship: bundled by esbuild into dist/
// and run by plain node (timings under a TypeScript loader would include its own overhead).
// Usage: node scripts/bundled.mjs scripts/bench.ts [args...]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/bundled.mjs SCRIPT.ts [args...]');
  process.exit(2);
}
const out = join(root, 'dist', `${basename(entry).replace(/\.ts$/, '')}.cjs`);
await esbuild.build({
  entryPoints: [join(root, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out,
  logLevel: 'error', external: ['esbuild'], alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
});
const r = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
