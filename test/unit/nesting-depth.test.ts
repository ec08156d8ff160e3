// No recursion on input depth: a function nested 100,000 levels deep (parentheses, braces, `if`s,
// `else if` chains, operators, calls) is reported once as too deeply nested and not analysed, and
// the functions around it in the same file still get their findings, in check (in process and
// through the CLI) and in review. A function just under the limit is still analysed.
// (Named to run after memory.test.ts: parsing 100,000 levels grows the tree-sitter runtime's heap,
// which never shrinks, and that test must see kept trees grow it.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import { loadLanguage } from '../../extension/core/parse/parser';
import { MAX_NESTING } from '../../extension/core/parse/source';
import { formatCheck } from '../../extension/core/report/index';
import { parseSeriesText } from '../../extension/core/review/series';
import { reviewSeries } from '../../extension/core/review/review';
import { scratchTree } from './review/helpers';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const LEVELS = 100_000;

/** Statements nesting @n levels of one kind. */
const KINDS: Record<string, (n: number) => string> = {
  parentheses: (n) => `x = ${'('.repeat(n)}x${')'.repeat(n)};`,
  braces: (n) => `${'{'.repeat(n)}x = 1;${'}'.repeat(n)}`,
  'nested ifs': (n) => `${'if (x) '.repeat(n)}x = 1;`,
  'nested ifs with braces': (n) => `${'if (x) {'.repeat(n)}x = 1;${'}'.repeat(n)}`,
  'else-if chain': (n) => `if (x == 0) x = 1;${' else if (x) x = 2;'.repeat(n)}`,
  'binary operators': (n) => `x = ${'x + '.repeat(n)}1;`,
  'nested calls': (n) => `x = ${'g('.repeat(n)}x${')'.repeat(n)};`,
};

/** A lock leaked on the error path: the finding the functions around the deep one must keep. */
const leak = (name: string) => `int ${name}(struct mutex *m)\n{\n\tmutex_lock(m);\n\tif (m)\n\t\treturn -1;\n\tmutex_unlock(m);\n\treturn 0;\n}\n`;

function source(body: string): string {
  return `#include <linux/mutex.h>\n\n${leak('leak_before')}\nint deep(struct mutex *m)\n{\n\tint x = 0;\n\n\tmutex_lock(m);\n\t${body}\n\tmutex_unlock(m);\n\treturn x;\n}\n\n${leak('leak_after')}`;
}

const DEEP_LINE = 12;

describe('deeply nested input', function () {
  this.timeout(120_000);
  before(async () => {
    await loadLanguage();
  });

  for (const [kind, make] of Object.entries(KINDS)) {
    it(`check: ${LEVELS} levels of ${kind} give one note, and the other functions their findings`, async () => {
      const r = await analyzeFiles([{ path: 'drivers/iommu/deep.c', text: source(make(LEVELS)) }]);
      assert.equal(r.notes?.length, 1, JSON.stringify(r.notes));
      const note = r.notes![0];
      assert.equal(note.file, 'drivers/iommu/deep.c');
      assert.equal(note.line, DEEP_LINE);
      assert.equal(note.function, 'deep');
      assert.match(note.message, /^deep\(\) is too deeply nested \(\d+ levels\), not analysed$/);
      assert.ok(Number(/\((\d+) levels/.exec(note.message)![1]) > LEVELS / 2);
      assert.ok(!r.functions.some((f) => f.name === 'deep'), 'the deep function is not simulated');
      for (const fn of ['leak_before', 'leak_after']) {
        assert.ok(r.findings.some((f) => f.function === fn && f.rule === 'lock/imbalance'), `${fn} keeps its finding`);
      }
    });
  }

  it(`a function nesting close to the limit (${MAX_NESTING}) is still analysed`, async () => {
    for (const make of [KINDS.parentheses, KINDS.braces, KINDS['nested ifs']]) {
      const r = await analyzeFiles([{ path: 'near.c', text: source(make(MAX_NESTING - 20)) }]);
      assert.equal(r.notes, undefined);
      assert.ok(r.functions.some((f) => f.name === 'deep' && f.paths > 0));
    }
  });

  it('the note is in the text and JSON reports, its path escaped', async () => {
    const r = await analyzeFiles([{ path: 'dir\x1b[8m/deep.c', text: source(KINDS.braces(LEVELS)) }]);
    const text = formatCheck(r, 'text');
    assert.match(text, /^dir\\x1b\[8m\/deep\.c:12: note: deep\(\) is too deeply nested \(\d+ levels\), not analysed$/m);
    assert.ok(!text.includes('\x1b'));
    const json = JSON.parse(formatCheck(r, 'json'));
    assert.equal(json.notes.length, 1);
    assert.equal(json.notes[0].function, 'deep');
  });

  it('a deep file-level initializer is kept out of the calls query; the functions still get their calls', async () => {
    const init = `static int table = ${'g('.repeat(LEVELS)}0${')'.repeat(LEVELS)};\n`;
    const t = Date.now();
    const r = await analyzeFiles([{ path: 'init.c', text: `${leak('leak_before')}\n${init}\n${leak('leak_after')}` }]);
    assert.ok(Date.now() - t < 30_000, `${Date.now() - t} ms`);
    assert.match(r.notes?.[0]?.message ?? '', /^a declaration is too deeply nested/);
    assert.equal(r.findings.filter((f) => f.rule === 'lock/imbalance').length, 2);
  });

  it(`review: a patch adding a function with ${LEVELS} nested ifs is reviewed; the leak beside it is found`, async () => {
    const { dir, done } = scratchTree();
    try {
      const text = source(KINDS['nested ifs'](LEVELS));
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const patch = [
        'From: a@example.org', 'Subject: [PATCH] iommu: add deep.c', '', 'Deep.', '', 'Signed-off-by: A <a@example.org>', '---',
        'diff --git a/drivers/iommu/deep.c b/drivers/iommu/deep.c', 'new file mode 100644', 'index 0000000..1111111',
        '--- /dev/null', '+++ b/drivers/iommu/deep.c', `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`), '',
      ].join('\n');
      const r = await reviewSeries(parseSeriesText(patch, 'deep.patch'), dir);
      const introduced = r.patches[0].introduced;
      assert.ok(introduced.some((f) => f.function === 'leak_after' && f.rule === 'lock/imbalance'), JSON.stringify(introduced.map((f) => f.function)));
    } finally {
      done();
    }
  });

  describe('through the CLI', () => {
    let box: string;
    before(function () {
      if (!existsSync(CLI)) this.skip();
    });
    beforeEach(() => {
      box = mkdtempSync(join(tmpdir(), 'iopf-deep-'));
      mkdirSync(join(box, 'src'));
    });
    afterEach(() => rmSync(box, { recursive: true, force: true }));

    const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: box, encoding: 'utf8', timeout: 90_000 });

    for (const kind of ['parentheses', 'nested ifs', 'braces']) {
      it(`check on ${LEVELS} levels of ${kind}: the note, the other findings, exit 1`, () => {
        writeFileSync(join(box, 'src', 'deep.c'), source(KINDS[kind](LEVELS)));
        const t = run(['check', 'src/deep.c']);
        assert.doesNotMatch(t.stderr, /Maximum call stack|internal error/);
        assert.equal(t.status, 1, t.stderr);
        assert.match(t.stdout, /^src\/deep\.c:12: note: deep\(\) is too deeply nested \(\d+ levels\), not analysed$/m);
        assert.match(t.stdout, /leak_before/);
        assert.match(t.stdout, /leak_after/);
        const j = JSON.parse(run(['check', 'src/deep.c', '--format', 'json']).stdout);
        assert.equal(j.notes[0].function, 'deep');
        assert.equal(j.findings.filter((f: { rule: string }) => f.rule === 'lock/imbalance').length, 2);
      });
    }
  });
});
