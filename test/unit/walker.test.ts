// The direct tree walk and bodies on demand: the same definitions, prototypes, calls and bodies
// as the public tree-sitter API gives, before and after incremental edits.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../extension/core/index';
import { loadLanguage } from '../../extension/core/parse/parser';
import { astOf } from '../../extension/core/parse/source';
import { directWalking, setDirectWalking } from '../../extension/core/parse/walker';

function cFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? cFilesUnder(p) : /\.[ch]$/.test(n) ? [p] : [];
  });
}

const root = join(__dirname, '..', '..');
const corpus = [...cFilesUnder(join(root, 'test', 'fixtures')), ...cFilesUnder(join(root, 'examples'))]
  .map((p) => ({ path: p.slice(root.length + 1), text: readFileSync(p, 'utf8') }));

/** Everything the index knows about a workspace, bodies included, as plain data. */
function snapshot(ws: Workspace): unknown {
  return [...ws.files.values()].map((f) => ({
    path: f.path,
    errors: f.errors,
    prototypes: [...f.prototypes],
    functions: f.functions.map((fn) => ({ name: fn.name, range: fn.range, isStatic: fn.isStatic, calls: fn.calls, ast: astOf(fn, f) })),
  }));
}

describe('direct tree walk', () => {
  before(() => loadLanguage());
  after(() => setDirectWalking(true));

  it('is in use, and gives what the public cursor API gives on every fixture', async () => {
    assert.ok(corpus.length > 20, 'the fixture corpus is there');
    assert.equal(directWalking(), true, 'the runtime exposes the cursor functions');
    setDirectWalking(false);
    const slow = snapshot(await Workspace.create(corpus));
    setDirectWalking(true);
    const fast = snapshot(await Workspace.create(corpus));
    assert.deepEqual(fast, slow);
    const fns = (fast as { functions: unknown[] }[]).reduce((n, f) => n + f.functions.length, 0);
    assert.ok(fns > 50, `only ${fns} functions compared`);
  });

  it('builds a body on demand only for the file asked about', async () => {
    const ws = await Workspace.create(corpus.slice(0, 4));
    const [a, b] = [...ws.files.values()].filter((f) => f.functions.length);
    assert.ok(a && b);
    assert.ok(a.functions.every((f) => !f.ast) && b.functions.every((f) => !f.ast), 'nothing is copied at index time');
    astOf(a.functions[0], a);
    assert.ok(a.functions.every((f) => f.ast), 'the whole file is copied in one walk');
    assert.ok(b.functions.every((f) => !f.ast), 'other files are left alone');
  });

  it('after incremental edits, bodies read from the kept tree match a fresh index of the same text', async () => {
    const file = corpus.find((f) => f.path.endsWith('remove_device.c'))!;
    const edited = await Workspace.create([]);
    edited.add(file.path, file.text, true);
    let text = file.text;
    snapshot(edited); // bodies built before the edits are shifted, the rest read from the new tree
    const opens = [...text.matchAll(/\{\n/g)].map((m) => m.index! + 2);
    for (let i = 0; i < 12; i++) {
      const at = opens[(i * 5) % opens.length] + i * 3;
      text = i % 3 === 2 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + `\t/* ${i} */\n` + text.slice(at);
      edited.update(file.path, text);
    }
    const fresh = await Workspace.create([{ path: file.path, text }]);
    assert.deepEqual(snapshot(edited), snapshot(fresh));
    edited.dispose();
  });
});
