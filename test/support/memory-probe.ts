// Measured in a fresh process, so what other tests parsed before (the tree-sitter runtime's heap
// grows and never shrinks) cannot hide growth: prints the figures memory.test.ts asserts on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Workspace } from '../../extension/core/index';
import { cParser, loadLanguage } from '../../extension/core/parse/parser';
import { cfgOf } from '../../extension/core/parse/source';
import { runtimeHeapBytes } from '../../extension/core/parse/walker';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const file = join(__dirname, '..', 'fixtures', 'seeds', 'remove_device.c');
const text = readFileSync(file, 'utf8');

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** One round: index the file, build every CFG, edit it twice incrementally, drop it. */
function round(ws: Workspace, i: number): void {
  ws.add('f.c', text, true);
  for (const f of ws.files.get('f.c')!.functions) cfgOf(f, ws.files.get('f.c')!);
  const at = text.indexOf('{') + 1;
  ws.update('f.c', text.slice(0, at) + `\n\t/* ${i} */` + text.slice(at));
  ws.update('f.c', text);
  ws.forget('f.c');
}

async function main(): Promise<void> {
  await loadLanguage();
  const ws = await Workspace.create([]);
  for (let i = 0; i < 100; i++) round(ws, i); // warm up: the runtime's heap reaches its working size
  const wasm0 = runtimeHeapBytes();
  const js0 = heapAfterGc();
  for (let i = 0; i < 2000; i++) round(ws, i);
  const wasm1 = runtimeHeapBytes();
  const js1 = heapAfterGc();
  ws.dispose();
  // The control: the same number of trees kept instead of deleted must show.
  const before = runtimeHeapBytes()!;
  const kept = [];
  for (let i = 0; i < 2000; i++) kept.push(cParser().parse(text)!);
  const keptGrowth = runtimeHeapBytes()! - before;
  for (const t of kept) t.delete();
  console.log(JSON.stringify({ wasm0, wasm1, js0, js1, keptGrowth }));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});
