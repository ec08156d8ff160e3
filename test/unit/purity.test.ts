// The pure core runs in plain Node: nothing under extension/core may import vscode.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('core purity', () => {
  it('no file under extension/core imports vscode', () => {
    const core = join(__dirname, '..', '..', 'extension', 'core');
    const all = files(core);
    assert.ok(all.length > 10);
    const offenders = all.filter((f) => /from ['"]vscode['"]|require\(['"]vscode['"]\)|import\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the workspace and its parser sit below the simulator and the memo: neither imports them', () => {
    const core = join(__dirname, '..', '..', 'extension', 'core');
    const below = [join(core, 'index.ts'), ...files(join(core, 'parse'))];
    const above = /from ['"](\.\.?\/)+(memo|analyze|sim\/[\w-]+|review\/[\w-]+|report\/[\w-]+)['"]/;
    const offenders = below.filter((f) => readFileSync(f, 'utf8').split('\n').some((l) => /^import\s(?!type\b)/.test(l) && above.test(l)));
    assert.deepEqual(offenders, []);
  });
});
