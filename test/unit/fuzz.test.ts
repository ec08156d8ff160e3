// The fuzzer: a 200-input smoke run over mutated fixtures, the real tree (when present) and patches must
// find no crash and no hang; the harness itself must catch and save what a broken analyser does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz, loadCorpus, makeInput, MUTATIONS, PATCH_MUTATIONS, prng, type Corpus } from '../../scripts/fuzz';
import { analyzeFiles, simulateFunction } from '../../extension/core/analyze';

const ROOT = join(__dirname, '..', '..');
const PLANTED = join(ROOT, 'test', 'fixtures', 'fuzz', 'planted-analyzer.cjs');
const SMOKE_SEED = 20250801;

describe('fuzz', function () {
  this.timeout(120_000);
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'iopf-fuzz-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it('smoke: 200 mutated inputs, no crash and no hang', async () => {
    const lines: string[] = [];
    const reproducers = join(out, 'repro');
    const r = await fuzz({ count: 200, seed: SMOKE_SEED, out: reproducers, log: (l) => lines.push(l) });
    if (r.kernelNote) console.log(`      (${r.kernelNote})`);
    console.log(`      (${r.inputs} inputs, ${r.crashes} crashes, ${r.hangs} hangs, slowest ${r.slowest?.name} ${Math.round(r.slowest?.ms ?? 0)} ms, ${r.perSecond.toFixed(1)} inputs/s)`);
    assert.equal(r.inputs, 200);
    assert.deepEqual(lines, [], 'nothing went wrong');
    assert.equal(r.crashes, 0);
    assert.equal(r.hangs, 0);
    assert.ok(r.corpus.fixtures > 0 && r.corpus.patches > 0);
    // every part of the corpus was drawn from, and the core answered some patches with its input errors
    assert.ok(r.rejected > 0 && r.rejected < 200, `${r.rejected} rejected`);
    assert.ok(!existsSync(reproducers), 'no reproducer directory when nothing was found');
  });

  it('saves a reproducer for a crash, a hang and a dead worker, and not for input errors or a slow input', async () => {
    const r = await fuzz({ count: 10, seed: 7, out, timeMs: 400, workers: 2, analyzer: PLANTED, kernelRoot: null });
    assert.equal(r.inputs, 10);
    assert.equal(r.crashes, 4);
    assert.equal(r.hangs, 2);
    assert.equal(r.rejected, 2);
    assert.deepEqual(r.findings.map((f) => `${f.index} ${f.kind}`), ['0 crash', '2 hang', '3 crash', '5 crash', '7 hang', '8 crash']);
    assert.deepEqual(r.slow.map((x) => x.index).sort(), [4, 9], 'over the bound once, then finished: slow, not hung');
    assert.ok(r.slow.every((x) => x.ms > 550 && x.ms < 1200), JSON.stringify(r.slow));
    const corpus = loadCorpus(null);
    for (const f of r.findings) {
      const input = makeInput(corpus, 7, f.index);
      assert.equal(readFileSync(f.reproducer, 'utf8'), input.text, 'the reproducer is the input itself');
      const meta = JSON.parse(readFileSync(f.reproducer.replace(/\.[^.]+$/, '.json'), 'utf8'));
      assert.equal(meta.kind, f.kind);
      assert.equal(meta.seed, 7);
      assert.equal(meta.index, f.index);
      assert.equal(meta.source, input.name);
      assert.deepEqual(meta.mutations, input.mutations);
      if (f.index % 5 === 0) assert.match(meta.error, /planted crash on input \d+/);
      if (f.index % 5 === 3) assert.match(meta.error, /exited with status 3/);
    }
    assert.equal(readdirSync(out).length, 12, 'an input and its description per finding');
    // a saved reproducer runs again as it was
    const again = join(out, 'again');
    const json = r.findings[0].reproducer.replace(/\.[^.]+$/, '.json');
    const replayed = await fuzz({ count: 1, seed: 7, replay: json, out: again, analyzer: PLANTED, kernelRoot: null });
    assert.deepEqual([replayed.inputs, replayed.crashes, replayed.findings[0]?.index], [1, 1, 0]);
    assert.equal(readFileSync(replayed.findings[0].reproducer, 'utf8'), readFileSync(r.findings[0].reproducer, 'utf8'));
  });

  it('the command prints the figures and exits 1 when something was found', () => {
    const run = (extra: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'fuzz.ts'),
      '--count', '3', '--seed', '7', '--out', out, '--time-ms', '400', ...extra], { cwd: ROOT, encoding: 'utf8' });
    const bad = run(['--analyzer', PLANTED]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /^inputs run: 3 \(1 rejected/m);
    assert.match(bad.stdout, /^crashes: 1$/m);
    assert.match(bad.stdout, /^hangs: 1$/m);
    assert.match(bad.stdout, /^slowest: .+ \(input \d\), \d+ ms$/m);
    assert.match(bad.stdout, /^time: [\d.]+ s, [\d.]+ inputs\/s$/m);
    const usage = run(['--bogus', '1']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /unknown option --bogus/);
  });

  it('inputs are a function of seed and index', () => {
    const corpus: Corpus = loadCorpus(null);
    const a = makeInput(corpus, 3, 41);
    assert.deepEqual(makeInput(corpus, 3, 41), a);
    assert.notDeepEqual(makeInput(corpus, 4, 41).text, a.text);
    const r1 = prng(1, 0);
    const r2 = prng(1, 1);
    assert.notEqual(r1(), r2());
  });

  it('every mutation changes a non-trivial text', () => {
    const text = 'static int f(struct iopf_group *group)\n{\n\tif (!group)\n\t\treturn -EINVAL;\n\tiopf_free_group(group);\n\treturn 0;\n}\n';
    for (const [name, m] of Object.entries({ ...MUTATIONS, ...PATCH_MUTATIONS })) {
      let changed = 0;
      for (let i = 0; i < 20; i++) if (m(text, prng(9, i)).text !== text) changed++;
      assert.ok(changed >= 15, `${name} changed the text ${changed} times in 20`);
    }
  });

  it('patch inputs get hostile patch headers and mail headers; C inputs keep their mutations', () => {
    const patch = 'From 1234 Mon Sep 17 00:00:00 2001\nFrom: a@example.org\nSubject: [PATCH] x\n\nx\n---\n'
      + 'diff --git a/drivers/iommu/x.c b/drivers/iommu/x.c\nindex 1..2 100644\n--- a/drivers/iommu/x.c\n+++ b/drivers/iommu/x.c\n@@ -1 +1 @@\n-a\n+b\n';
    const headers = new Set<string>();
    const mail = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const p = PATCH_MUTATIONS['patch-header'](patch, prng(5, i)).text;
      if (/^GIT binary patch$/m.test(p)) headers.add('binary');
      if (/^Binary files .* differ$/m.test(p)) headers.add('binary-files');
      if (/^rename from .+\nrename to /m.test(p)) headers.add('rename');
      if (/^copy from /m.test(p)) headers.add('copy');
      if (/^old mode \d+\nnew mode \d+$/m.test(p)) headers.add('mode');
      if (/^new file mode /m.test(p)) headers.add('new-file');
      if (/^deleted file mode /m.test(p)) headers.add('deleted');
      if (/^diff --git "a\/[^\n]*\\[0-7]{3}/m.test(p)) headers.add('octal-quoted');
      if (/^--- "a\//m.test(p)) headers.add('quoted ---');
      const m = PATCH_MUTATIONS['mail-header'](patch, prng(6, i)).text;
      const first = m.split('\n')[1];
      if (/=\?[^?]+\?[bB]\?/.test(first)) mail.add('base64 word');
      if (/=\?[^?]+\?[qQ]\?[^?]*=(0D|0A|1B|00)/.test(first)) mail.add('Q word with a control character');
      if (/[\x1b\r\0\u202e]/.test(first)) mail.add('raw control character');
      if (/^Subject:/.test(first)) mail.add('subject');
      if (/^Content-Type:/.test(first)) mail.add('content-type');
    }
    assert.deepEqual([...headers].sort(), ['binary', 'binary-files', 'copy', 'deleted', 'mode', 'new-file', 'octal-quoted', 'quoted ---', 'rename']);
    assert.deepEqual([...mail].sort(), ['Q word with a control character', 'base64 word', 'content-type', 'raw control character', 'subject']);
    const corpus = loadCorpus(null);
    const used = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const input = makeInput(corpus, 11, i);
      for (const m of input.mutations) {
        const name = /^(patch-header|mail-header)/.exec(m)?.[1];
        if (!name) continue;
        assert.equal(input.kind, 'patch', `${m} on a C input`);
        used.add(name);
      }
    }
    assert.deepEqual([...used].sort(), ['mail-header', 'patch-header']);
  });
});

describe('fuzz regressions', () => {
  // Found by the fuzzer (seed 1, input 23): a token deletion left iopf_free_group() without its argument
  // and the contract read a missing value. A call with too few arguments now gets NULL for the rest.
  it('a known API called with too few arguments is simulated, not a crash', async () => {
    const text = [
      'struct iopf_group;',
      'void iopf_free_group(struct iopf_group *group);',
      'int iopf_group_response(struct iopf_group *group, int code);',
      'int handler(struct iopf_group *group)',
      '{',
      '\tiopf_group_response();',
      '\tiopf_free_group();',
      '\trcu_assign_pointer(group);',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const files = [{ path: 'short.c', text }];
    const r = await analyzeFiles(files);
    assert.equal(r.functions.find((f) => f.name === 'handler')?.known, true);
    const sim = await simulateFunction(files, 'short.c', 'handler');
    assert.ok(sim.paths.length >= 1);
    for (const p of sim.paths) {
      assert.deepEqual(p.steps.map((s) => s.op), ['rcu_assign_pointer()', 'return'], 'the path runs past the short calls to its end');
      assert.equal(p.returns, '0');
    }
  });

  // Found by the 10 000-input run (seed 1, input 7432): a goto into a list_for_each_entry() body reached
  // the loop's next step without its iterator and crashed the interpreter. The loop is now left there,
  // and the path says it was cut short.
  it('a goto into an iterator loop body leaves the loop, bounded, instead of crashing', async () => {
    const text = [
      'void drain(struct iopf_queue *queue)',
      '{',
      '\tstruct iopf_group *group;',
      '',
      '\tmutex_lock(&queue->lock);',
      '\tgoto inside;',
      '\tlist_for_each_entry(group, &queue->groups, node) {',
      'inside:',
      '\t\tiopf_free_group(group);',
      '\t}',
      '\tmutex_unlock(&queue->lock);',
      '}',
      '',
    ].join('\n');
    const sim = await simulateFunction([{ path: 'jump.c', text }], 'jump.c', 'drain');
    assert.ok(sim.bounded, 'the verdict is bounded, not clean');
    for (const p of sim.paths) {
      const ops = p.steps.map((s) => s.op);
      assert.ok(ops.includes('loop entered by a jump'), ops.join(', '));
      assert.match(ops.at(-1)!, /^mutex_unlock\(/, 'the path goes on after the loop');
    }
  });
});
