// Bundles the extension, the CLI and the webviews with esbuild and copies the WASM and queries beside them.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const dist = join(root, 'dist');
const quiet = args.has('--quiet');

mkdirSync(join(dist, 'grammars'), { recursive: true });
// The grammar and runtime WASM travel with the bundle; parser.ts locates them next to dist/.
cpSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), join(dist, 'grammars', 'web-tree-sitter.wasm'));
cpSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), join(dist, 'grammars', 'tree-sitter-c.wasm'));
cpSync(join(root, 'grammars', 'queries'), join(dist, 'grammars', 'queries'), { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: quiet ? 'error' : 'info',
  external: ['vscode'],
  // The ESM build of web-tree-sitter finds its WASM through import.meta.url, which a CJS bundle
  // does not have; the CJS build takes locateFile as given.
  alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
};

const builds = [
  esbuild.build({ ...common, entryPoints: [join(root, 'extension', 'cli.ts')], outfile: join(dist, 'cli.js'),
    banner: { js: '#!/usr/bin/env node' } }),
];
if (!args.has('--cli-only')) {
  if (existsSync(join(root, 'extension', 'extension.ts'))) {
    builds.push(esbuild.build({ ...common, entryPoints: [join(root, 'extension', 'extension.ts')], outfile: join(dist, 'extension.js') }));
  }
  for (const name of ['simulation', 'faultflow', 'review']) {
    const entry = join(root, 'webview', `${name}.ts`);
    if (existsSync(entry)) {
      builds.push(esbuild.build({ ...common, platform: 'browser', format: 'iife', target: 'es2022',
        entryPoints: [entry], outfile: join(dist, 'webview', `${name}.js`), external: [] }));
    }
  }
}
await Promise.all(builds);
chmodSync(join(dist, 'cli.js'), 0o755);

// ---- webview assets (editor side): stylesheets and icons beside the webview bundles ----
{
  const { readdirSync } = await import('node:fs');
  const webviewDir = join(root, 'webview');
  if (!args.has('--cli-only') && existsSync(webviewDir)) {
    mkdirSync(join(dist, 'webview'), { recursive: true });
    for (const f of readdirSync(webviewDir)) {
      if (/\.(css|svg)$/.test(f)) cpSync(join(webviewDir, f), join(dist, 'webview', f));
    }
  }
}
