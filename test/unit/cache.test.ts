// The cache of `check` across runs: a run that reads it prints what a run without it prints, byte for
// byte and with the same exit status, whatever the cache holds (nothing, the same tree, a tree where
// one file changed, torn or garbage entries, a folder that cannot be used); --no-cache neither reads
// nor writes it; the folder stays under its cap and never loses what is not its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../extension/cli';
import type { CliIo } from '../../extension/cli/review-commands';
import { readInputs } from '../../extension/cli/inputs';
import { analyzeWorkspace } from '../../extension/core/analyze';
import { CheckCache, cacheDir } from '../../extension/core/cache';
import { DiskStore } from '../../extension/core/cache/store';
import { Workspace } from '../../extension/core/index';
import type { AnalysisResult } from '../../extension/core/types';

const ROOT = join(__dirname, '..', '..');
const FORMATS = ['text', 'json', 'sarif'];

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], cwd: string): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stdin: async () => '', cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The entries of a cache folder, by name, with their bytes. */
function entries(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'latin1')]));
}

describe('check cache', function () {
  this.timeout(300_000);
  let box: string;
  let tree: string;
  let cache: string;

  beforeEach(() => {
    box = mkdtempSync(join(tmpdir(), 'iopf-cache-'));
    tree = join(box, 'tree');
    // The bundled example tree (the mini IOPF core) and the seeds, with findings and without.
    cpSync(join(ROOT, 'examples', 'series', 'tree'), tree, { recursive: true });
    cpSync(join(ROOT, 'test', 'fixtures', 'seeds'), join(tree, 'seeds'), { recursive: true });
    cache = join(box, 'cache');
  });
  afterEach(() => rmSync(box, { recursive: true, force: true }));

  /** @argv run without the cache and with it: the same report, the same status, nothing more on stderr. */
  async function same(argv: string[], what: string): Promise<Run> {
    const fresh = await cli([...argv, '--no-cache'], box);
    const cached = await cli([...argv, '--cache-dir', cache], box);
    assert.equal(cached.out, fresh.out, `${what}: the same report`);
    assert.equal(cached.code, fresh.code, `${what}: the same exit status`);
    assert.equal(cached.err, fresh.err, `${what}: the same lines on stderr`);
    return fresh;
  }

  it('cold, warm, and with one file changed: every format is what a run without the cache prints', async () => {
    for (const format of FORMATS) {
      const argv = ['check', 'tree', '--format', format];
      const cold = await same(argv, `${format} cold`);
      assert.equal(cold.code, 1, 'the seeds have findings');
      const kept = entries(cache);
      assert.ok(kept.size > 1, 'the run and its units are kept');
      await same(argv, `${format} warm`);
      assert.deepEqual([...entries(cache).keys()], [...kept.keys()], 'a warm run makes nothing new');
    }
    // One file changes, keeping its size and its time: its content is what counts.
    const file = join(tree, 'seeds', 'report_lost_return.c');
    const before = readFileSync(file, 'utf8');
    const st = statSync(file);
    const after = before.replace('iopf_put_dev_fault_param(iopf_param);\n\t}', `${'return ret;'.padEnd(37)}\n\t}`);
    assert.notEqual(after, before);
    assert.equal(after.length, before.length);
    writeFileSync(file, after);
    utimesSync(file, st.atime, st.mtime);
    const reports = new Set<string>();
    for (const format of FORMATS) {
      const changed = await same(['check', 'tree', '--format', format], `${format} one file changed`);
      reports.add(changed.out);
    }
    writeFileSync(file, before);
    for (const format of FORMATS) {
      const back = await same(['check', 'tree', '--format', format], `${format} changed back`);
      assert.ok(!reports.has(back.out), `${format}: the change changed the report`);
    }
  });

  it('a tree where one file changed runs again only the units that read that file', async () => {
    const inputs = readInputs(['tree'], box);
    const analyse = async (files: typeof inputs.files, store?: CheckCache): Promise<AnalysisResult> => {
      const ws = await Workspace.create(files);
      try {
        return analyzeWorkspace(ws, { units: store?.units });
      } finally {
        ws.dispose();
      }
    };
    const first = new CheckCache(() => assert.fail('no warning'), cache);
    const cold = await analyse(inputs.files, first);
    first.flush();
    assert.equal(first.units.hits, 0);
    const units = first.units.misses;
    assert.ok(units > 10, `${units} units`);

    const warm = new CheckCache(() => assert.fail('no warning'), cache);
    assert.deepEqual(await analyse(inputs.files, warm), cold);
    assert.equal(warm.units.hits + warm.units.misses, units);
    assert.ok(warm.units.hits > units / 2, `${warm.units.hits} of ${units} units re-used`);

    // A callee's body changes: what reads it runs again, the rest is re-used.
    const path = 'tree/seeds/helpers.h';
    const edited = inputs.files.map((f) => (f.path === path ? { ...f, text: f.text.replace('if (refcount_dec_and_test(&fault_param->users))', 'if (0 && refcount_dec_and_test(&fault_param->users))') } : f));
    assert.notDeepEqual(edited, inputs.files);
    const touched = new CheckCache(() => assert.fail('no warning'), cache);
    const r = await analyse(edited, touched);
    assert.deepEqual(r, await analyse(edited));
    assert.notDeepEqual(r, cold, 'the change shows');
    assert.ok(touched.units.misses > 0 && touched.units.hits > 0, `${touched.units.hits} re-used, ${touched.units.misses} run`);
    assert.ok(touched.units.misses < units, 'not everything ran again');
  });

  it('options that change results are part of what names a result', async () => {
    await same(['check', 'tree', '--format', 'json'], 'every function');
    await same(['check', 'tree', '--format', 'json', '--max-paths', '1'], 'one path');
    await same(['check', 'tree', '--format', 'json', '--loop-bound', '1', '--call-depth', '1'], 'shallow');
    await same(['check', 'tree', '--format', 'json', '--function', 'iommu_report_device_fault'], 'one function');
    await same(['check', 'tree', '--format', 'json', '--scenario', 'last-only'], 'one scenario');
    await same(['check', 'tree/seeds', '--format', 'json'], 'part of the tree');
  });

  it('torn, truncated and garbage entries are misses, and are written again whole', async () => {
    const argv = ['check', 'tree', '--format', 'sarif'];
    const ref = await same(argv, 'cold');
    const good = entries(cache);
    const names = [...good.keys()];
    names.forEach((n, i) => {
      const p = join(cache, n);
      const text = good.get(n)!;
      const nl = text.indexOf('\n');
      const damage = [
        () => text.slice(0, Math.floor(text.length / 2)),
        () => '',
        () => 'garbage \u0000\u00ff{"key":',
        // A body changed under a header that no longer matches it.
        () => text.slice(0, nl + 1) + text.slice(nl + 1).replace(/"line":\d+/, '"line":9999'),
        // A body that reads as JSON but is not what the header names.
        () => text.slice(0, nl + 1) + '{}',
      ][i % 5];
      writeFileSync(p, damage(), 'latin1');
    });
    const again = await cli([...argv, '--cache-dir', cache], box);
    assert.equal(again.out, ref.out);
    assert.equal(again.code, ref.code);
    assert.equal(again.err, ref.err);
    assert.deepEqual(entries(cache), good, 'every entry written again as it was');
  });

  it('--no-cache neither reads nor writes the cache', async () => {
    const argv = ['check', 'tree', '--format', 'json'];
    await cli([...argv, '--no-cache', '--cache-dir', cache], box);
    assert.ok(!existsSync(cache), 'nothing written');
    // A kept result that says something else: the cache reads it, --no-cache does not.
    const files = readInputs(['tree'], box).files;
    const store = new CheckCache(() => undefined, cache);
    const key = store.runKey(files, { functions: undefined, scenarios: undefined })!;
    store.keep(key, { findings: [], functions: [], unknownCalls: [], bounded: false });
    store.flush();
    const read = await cli([...argv, '--cache-dir', cache], box);
    assert.deepEqual(JSON.parse(read.out).findings, [], 'the kept result was read');
    const fresh = await cli([...argv, '--no-cache', '--cache-dir', cache], box);
    assert.ok(JSON.parse(fresh.out).findings.length > 0, '--no-cache analysed');
    assert.equal(fresh.code, 1);
  });

  it('a folder that cannot be used: one warning, and the report and status of a run without it', async () => {
    const argv = ['check', 'tree', '--format', 'text'];
    const ref = await cli([...argv, '--no-cache'], box);
    writeFileSync(join(box, 'a-file'), 'not a folder\n');
    const bad = [join(box, 'a-file'), join(box, 'a-file', 'below')];
    if (process.getuid?.() !== 0) {
      // Root writes anywhere; others cannot write a folder without the permission.
      mkdirSync(join(box, 'read-only'), { mode: 0o500 });
      bad.push(join(box, 'read-only'), join(box, 'read-only', 'below'));
    }
    for (const dir of bad) {
      for (let round = 0; round < 2; round++) {
        const r = await cli([...argv, '--cache-dir', dir], box);
        assert.equal(r.out, ref.out, dir);
        assert.equal(r.code, ref.code, dir);
        const extra = r.err.slice(ref.err.length).split('\n').filter(Boolean);
        assert.ok(r.err.startsWith(ref.err), dir);
        assert.equal(extra.length, 1, `one warning for ${dir}: ${r.err}`);
        assert.match(extra[0], /^iopf-lens: warning: cache .*: cannot be used \(\w+\); running without it$/);
      }
    }
    assert.equal(readFileSync(join(box, 'a-file'), 'utf8'), 'not a folder\n');
  });

  it('where it lives: IOPF_LENS_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache; under iopf-lens/results', () => {
    assert.equal(cacheDir({ IOPF_LENS_CACHE_DIR: '/x/y' }), '/x/y');
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/xdg' }), '/xdg/iopf-lens/results');
    assert.equal(cacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' }).endsWith(join('.cache', 'iopf-lens', 'results')), true);
  });

  it('the folder is kept under its cap, oldest first, and nothing in it that is not an entry is touched', () => {
    mkdirSync(cache, { recursive: true });
    mkdirSync(join(cache, 'linux-source-6.12'));
    writeFileSync(join(cache, 'notes.txt'), 'mine\n');
    writeFileSync(join(cache, '.tmp-1-dead'), 'x');
    utimesSync(join(cache, '.tmp-1-dead'), new Date(0), new Date(0));
    const body = 'x'.repeat(10_000);
    const name = (i: number) => `unit-${String(i).padStart(64, '0')}`;
    for (let i = 0; i < 10; i++) {
      const s = new DiskStore(cache, 45_000, () => assert.fail('no warning'));
      s.put(name(i), body);
      s.flush();
      utimesSync(join(cache, name(i)), new Date(1000 * (i + 1)), new Date(1000 * (i + 1)));
    }
    const left = readdirSync(cache).filter((n) => n.startsWith('unit-')).sort();
    const size = left.reduce((n, f) => n + statSync(join(cache, f)).size, 0);
    assert.ok(size <= 45_000, `${size} bytes kept`);
    assert.ok(left.includes(name(9)) && !left.includes(name(0)), 'the newest stay, the oldest go');
    assert.ok(existsSync(join(cache, 'linux-source-6.12')) && existsSync(join(cache, 'notes.txt')));
    assert.ok(!existsSync(join(cache, '.tmp-1-dead')), 'a dead temporary file is removed');
    // A re-used entry counts as recent.
    const s = new DiskStore(cache, 45_000, () => assert.fail('no warning'));
    assert.equal(s.get(left[0]), body);
    s.flush();
    assert.ok(statSync(join(cache, left[0])).mtimeMs > Date.now() - 60_000);
  });

  it('runs at once on one folder leave it whole: a third run reads what they wrote', async () => {
    const argv = ['check', tree, '--format', 'json', '--cache-dir', cache];
    const ref = await cli(['check', tree, '--format', 'json', '--no-cache'], ROOT);
    const child = () => new Promise<string>((res) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'extension', 'cli.ts'), ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', () => res(out));
    });
    const outs = await Promise.all([child(), child()]);
    for (const o of outs) assert.equal(o, ref.out);
    assert.ok(!readdirSync(cache).some((n) => n.startsWith('.tmp-')), 'no temporary file left');
    const third = await cli(argv, ROOT);
    assert.equal(third.out, ref.out);
  });
});
