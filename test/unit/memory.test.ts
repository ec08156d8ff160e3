// Trees, cursors and queries are freed: indexing, editing and simulating the same file over and
// over leaves the tree-sitter runtime's memory and the JS heap where they were.
import { strict as assert } from 'node:assert';
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

const MiB = 1024 * 1024;
const file = join(__dirname, '..', 'fixtures', 'seeds', 'remove_device.c');

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('memory', function () {
  this.timeout(300_000);
  const text = readFileSync(file, 'utf8');

  before(async () => {
    await loadLanguage();
  });

  /** One round: index the file, build every CFG, edit it twice incrementally, drop it. */
  function round(ws: Workspace, i: number): void {
    ws.add('f.c', text, true);
    for (const f of ws.files.get('f.c')!.functions) cfgOf(f, ws.files.get('f.c')!);
    const at = text.indexOf('{') + 1;
    ws.update('f.c', text.slice(0, at) + `\n\t/* ${i} */` + text.slice(at));
    ws.update('f.c', text);
    ws.forget('f.c');
  }

  it('indexes, edits and simulates the same file 2000 times without growing', async () => {
    const ws = await Workspace.create([]);
    for (let i = 0; i < 100; i++) round(ws, i); // warm up: the runtime's heap reaches its working size
    const wasm0 = runtimeHeapBytes();
    const js0 = heapAfterGc();
    for (let i = 0; i < 2000; i++) round(ws, i);
    const wasm1 = runtimeHeapBytes();
    const js1 = heapAfterGc();
    ws.dispose();
    assert.ok(wasm0 !== undefined && wasm1 !== undefined, 'the runtime heap is visible');
    assert.ok(wasm1 - wasm0 <= 1 * MiB, `tree-sitter heap grew by ${((wasm1 - wasm0) / MiB).toFixed(1)} MiB`);
    assert.ok(js1 - js0 <= 4 * MiB, `JS heap grew by ${((js1 - js0) / MiB).toFixed(1)} MiB`);
  });

  it('would see a leak: one tree per round never deleted grows the runtime heap past the bound', () => {
    const before = runtimeHeapBytes()!;
    const kept = [];
    for (let i = 0; i < 2000; i++) kept.push(cParser().parse(text)!);
    const grown = runtimeHeapBytes()! - before;
    for (const t of kept) t.delete();
    assert.ok(grown > 1 * MiB, `2000 kept trees grew the heap by only ${(grown / MiB).toFixed(2)} MiB: the check above could not see a leak`);
  });
});
