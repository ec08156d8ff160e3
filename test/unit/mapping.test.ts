// Mapping: every caret comment in the fixture names the operation the call above it is bound to.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../extension/core/index';
import { describeOperation } from '../../extension/core/mapping/api';

const FIXTURE = join(__dirname, '..', 'fixtures', 'mapping', 'calls.c');

interface Caret { line: number; column: number; op: string }

/** Caret comments: `//   ^ op` under a code line; the caret's column is the call's first column. */
function carets(text: string): Caret[] {
  const out: Caret[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (!/^\s*\/\/.*\^/.test(l)) return;
    let code = i - 1;
    while (code >= 0 && /^\s*\/\/.*\^/.test(lines[code])) code--;
    for (const m of l.matchAll(/\^ ([\w.]+)/g)) {
      // Tabs count as one column, as tree-sitter counts them.
      out.push({ line: code, column: m.index!, op: m[1] });
    }
  });
  return out;
}

describe('mapping', () => {
  it('binds every call marked in the fixture to the expected operation', async () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const ws = await Workspace.create([{ path: 'calls.c', text }]);
    const calls = ws.files.get('calls.c')!.functions.flatMap((f) => f.calls);
    const expected = carets(text);
    assert.ok(expected.length >= 14, `the fixture holds ${expected.length} carets`);
    for (const c of expected) {
      const hit = calls.find((k) => k.range.start.line === c.line && k.range.start.column === c.column);
      assert.ok(hit, `no call at ${c.line + 1}:${c.column + 1} (expected ${c.op})`);
      assert.equal(hit.op, c.op, `call ${hit.name} at ${c.line + 1}:${c.column + 1}`);
    }
    ws.dispose();
  });

  it('finds __init functions and lists unknown calls instead of dropping them', async () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const ws = await Workspace.create([{ path: 'calls.c', text }]);
    const names = ws.functions().map((f) => f.name);
    assert.deepEqual(names, ['demo_report', 'demo_helper']);
    const unknown = ws.functions().flatMap((f) => f.calls.filter((c) => c.op === 'unknown').map((c) => c.name));
    assert.deepEqual(unknown, ['some_driver_helper']);
    ws.dispose();
  });

  it('describes mapped calls in the kernel\'s words for hovers', () => {
    assert.match(describeOperation('iopf_get_dev_fault_param')!, /refcount_inc_not_zero/);
    assert.match(describeOperation('page_response', true)!, /stalls/);
    assert.equal(describeOperation('printk'), undefined);
  });
});
