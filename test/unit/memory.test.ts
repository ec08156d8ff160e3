// Trees, cursors and queries are freed: indexing, editing and simulating the same file over and
// over leaves the tree-sitter runtime's memory and the JS heap where they were. Measured in a
// fresh process (test/support/memory-probe.ts): the runtime's heap only grows, so what earlier
// tests parsed would leave room that hides a leak.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MiB = 1024 * 1024;

describe('memory', function () {
  this.timeout(300_000);
  let m: { wasm0?: number; wasm1?: number; js0: number; js1: number; keptGrowth: number };

  before(() => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'memory-probe.ts')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    m = JSON.parse(r.stdout.trim().split('\n').pop()!);
  });

  it('indexes, edits and simulates the same file 2000 times without growing', () => {
    assert.ok(m.wasm0 !== undefined && m.wasm1 !== undefined, 'the runtime heap is visible');
    assert.ok(m.wasm1! - m.wasm0! <= 1 * MiB, `tree-sitter heap grew by ${((m.wasm1! - m.wasm0!) / MiB).toFixed(1)} MiB`);
    assert.ok(m.js1 - m.js0 <= 4 * MiB, `JS heap grew by ${((m.js1 - m.js0) / MiB).toFixed(1)} MiB`);
  });

  it('would see a leak: one tree per round never deleted grows the runtime heap past the bound', () => {
    assert.ok(m.keptGrowth > 1 * MiB, `2000 kept trees grew the heap by only ${(m.keptGrowth / MiB).toFixed(2)} MiB: the check above could not see a leak`);
  });
});
