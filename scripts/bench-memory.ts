// Peak memory of one job in a fresh process: `index DIR` (the workspace index) or `check DIR`
// (index and simulate every function). Prints `maxRSS <MiB>`; run by scripts/bench.ts.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { analyzeWorkspace } from '../extension/core/analyze';
import { Workspace } from '../extension/core/index';
import { cFiles } from '../test/support/kernel';

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  const files = cFiles(dir).map((p) => ({ path: relative(dir, p), text: readFileSync(p, 'utf8') }));
  const ws = await Workspace.create(files);
  if (mode === 'check') await analyzeWorkspace(ws, {});
  console.log(`files ${files.length} functions ${ws.functions().length} maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
}

main().catch((e) => {
  console.error(`bench-memory: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
