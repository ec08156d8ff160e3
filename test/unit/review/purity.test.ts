// The review and report core stays free of the editor: no `vscode` import, so the CLI and these tests run in plain Node.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', 'extension');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('review/report core purity', () => {
  for (const dir of ['core/review', 'core/report', 'cli']) {
    it(`extension/${dir} imports nothing from vscode`, () => {
      const files = tsFiles(join(ROOT, dir));
      assert.ok(files.length > 0);
      for (const f of files) {
        assert.doesNotMatch(readFileSync(f, 'utf8'), /(from\s+|require\()\s*['"]vscode['"]/, f);
      }
    });
  }
});
