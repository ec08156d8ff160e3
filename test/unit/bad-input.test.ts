// Bad input through the built CLI: one clear line on stderr, exit 2, no stack trace, and nothing written
// anywhere (no output file, no cache folder, the inputs untouched). Also what is *not* bad input: an empty
// file, latin-1 bytes, files a folder walk has to leave out, and ^C.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { MAX_SOURCE_BYTES } from '../../extension/cli/inputs';
import { kernelTree } from '../support/kernel';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SERIES = join(ROOT, 'examples', 'series');
const SEED = join(ROOT, 'test', 'fixtures', 'seeds', 'sva_sharing.c');

/** Every entry under @dir (links not followed) with its size and a hash of its content. */
function listing(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isSymbolicLink()) out.set(rel, 'link');
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(p);
      } else {
        // the 50 MB inputs are told apart by size and time; the rest by content too
        out.set(rel, `${st.size}:${st.mtimeMs}:${st.size > 1048576 ? '' : createHash('sha1').update(readFileSync(p)).digest('hex')}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** @l without the cache of check (and the folders made for it), the one thing a run that succeeds writes. */
function withoutCache(l: Map<string, string>): Map<string, string> {
  const results = join('home', '.cache', 'iopf-lens', 'results');
  return new Map([...l].filter(([rel]) => rel !== results && !rel.startsWith(results + sep) && !results.startsWith(rel + sep)));
}

describe('bad input (CLI)', function () {
  this.timeout(120_000);
  let box: string;
  let home: string;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  before(function () {
    if (!existsSync(CLI)) this.skip();
  });
  beforeEach(() => {
    // The CLI runs with its home, cache and temp folders inside the box, so anything it writes shows.
    box = mkdtempSync(join(tmpdir(), 'iopf-bad-'));
    home = join(box, 'home');
    cwd = join(box, 'cwd');
    for (const d of [home, cwd, join(box, 'tmp')]) mkdirSync(d);
    env = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), TMPDIR: join(box, 'tmp'), IOPF_DEBUG: '', IOPF_LENS_CACHE_DIR: '' };
  });
  afterEach(() => rmSync(box, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };

  /** Runs @args and asserts the bad-input contract: exit 2, one line matching @re, nothing written. */
  function refused(args: string[], re: RegExp): void {
    const before = listing(box);
    const r = run(args);
    assert.equal(r.status, 2, `exit 2, got ${r.status} (${r.signal}): ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing on stdout');
    assert.match(r.stderr, /^[^\n]+\n$/, `exactly one line on stderr, got: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+\)?$/m, 'no stack frame');
    assert.deepEqual(listing(box), before, 'nothing written or changed under the box (inputs, home, cache, temp)');
  }

  const put = (rel: string, data: string | Buffer) => {
    const p = join(cwd, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
    return p;
  };

  it('a binary file given to check', () => {
    put('blob.c', Buffer.from('int x;\n\0\0\x7fELF\n'));
    refused(['check', 'blob.c'], /^iopf-lens: blob\.c: binary file, not C source$/m);
  });

  it(`a 50 MB file given to check: refused, over the ${MAX_SOURCE_BYTES / 1048576} MiB limit`, () => {
    put('huge.c', Buffer.alloc(50 * 1024 * 1024, 'int x;\n'));
    refused(['check', 'huge.c'], /^iopf-lens: huge\.c: 50 MiB is larger than the 8 MiB limit for a C source file$/m);
    refused(['simulate', 'huge.c', 'f'], /huge\.c: 50 MiB is larger than the 8 MiB limit/);
  });

  it('a 50 MB file inside a folder is skipped with one warning and listed in the report', () => {
    cpSync(SEED, join(cwd, 'tree', 'sva.c'));
    put('tree/sub/huge.c', Buffer.alloc(50 * 1024 * 1024, 'int x;\n'));
    const before = listing(box);
    const j = run(['check', 'tree', '--format', 'json']);
    assert.equal(j.status, 0, j.stderr);
    assert.equal(j.stderr, 'iopf-lens: warning: tree/sub/huge.c: skipped: 50 MiB is larger than the 8 MiB limit for a C source file\n');
    const report = JSON.parse(j.stdout);
    assert.deepEqual(report.skipped, [{ file: 'tree/sub/huge.c', reason: '50 MiB is larger than the 8 MiB limit for a C source file' }]);
    assert.ok(report.functions.some((f: { file: string }) => f.file === 'tree/sva.c'), 'the rest was analysed');
    const t = run(['check', 'tree']);
    assert.match(t.stdout, /^skipped: tree\/sub\/huge\.c: 50 MiB is larger/m);
    const s = JSON.parse(run(['check', 'tree', '--format', 'sarif']).stdout);
    const note = s.runs[0].invocations[0].toolExecutionNotifications[0];
    assert.equal(note.locations[0].physicalLocation.artifactLocation.uri, 'tree/sub/huge.c');
    assert.equal(note.level, 'warning');
    assert.deepEqual(withoutCache(listing(box)), withoutCache(before));
  });

  it('a file that is not UTF-8 (latin-1 comment) is read with replacement characters, with one note', () => {
    put('latin1.c', Buffer.concat([Buffer.from('/* Copyright (C) J'), Buffer.from([0xf6]), Buffer.from('rg M'), Buffer.from([0xfc]),
      Buffer.from('ller */\nint probe(int x)\n{\n\treturn x;\n}\n')]));
    const before = listing(box);
    const r = run(['check', 'latin1.c', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'iopf-lens: note: latin1.c: not valid UTF-8; invalid bytes read as U+FFFD\n');
    const fn = JSON.parse(r.stdout).functions.find((f: { name: string }) => f.name === 'probe');
    assert.equal(fn?.line, 2, 'the function after the latin-1 comment is where it is');
    assert.deepEqual(withoutCache(listing(box)), withoutCache(before));
  });

  it('an empty file is valid C with nothing in it: exit 0, no functions, no findings', () => {
    put('empty.c', '');
    const r = run(['check', 'empty.c', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout);
    assert.deepEqual([report.findings, report.functions, report.bounded], [[], [], false]);
  });

  it('a folder with no C files', () => {
    put('docs/README', 'no C here\n');
    put('docs/Makefile', 'obj-y += x.o\n');
    refused(['check', 'docs'], /^iopf-lens: docs: no \.c or \.h files under this folder$/m);
  });

  it('symlink loops in a folder: skipped with a warning each, never followed forever', () => {
    cpSync(SEED, join(cwd, 'tree', 'sva.c'));
    symlinkSync('.', join(cwd, 'tree', 'again'));
    symlinkSync('self', join(cwd, 'tree', 'self'));
    const r = run(['check', 'tree', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n').sort(), [
      'iopf-lens: warning: tree/again: skipped: a symlink to a folder already walked (a loop)',
      'iopf-lens: warning: tree/self: skipped: a symlink loop',
    ]);
    assert.deepEqual(JSON.parse(r.stdout).functions.map((f: { file: string }) => f.file).filter((f: string) => f !== 'tree/sva.c'), [], 'sva.c is read once');
    // a folder of nothing but loops has no C files; a loop named on the command line is refused
    mkdirSync(join(cwd, 'loops'));
    symlinkSync('.', join(cwd, 'loops', 'again'));
    refused(['check', 'loops'], /^iopf-lens: loops: no \.c or \.h files under this folder that could be read \(1 skipped\)$/m);
    refused(['check', 'tree/self'], /^iopf-lens: tree\/self: a symlink loop$/m);
  });

  it('review: a patch that does not apply', () => {
    cpSync(join(SERIES, 'tree'), join(cwd, 'tree'), { recursive: true });
    const core = join(cwd, 'tree', 'drivers', 'iommu', 'io-pgfault.c');
    writeFileSync(core, readFileSync(core, 'utf8').replace('\t\tret = -ENODEV;\n', '\t\tret = -ENXIO;\n'));
    refused(['review', join(SERIES, 'series.mbox'), '--tree', 'tree'], /^iopf-lens review: patch "\[PATCH v2 1\/4\] .*" does not apply: drivers\/iommu\/io-pgfault\.c: hunk #1/m);
  });

  it('review: a malformed mbox', () => {
    put('bad.mbox', 'From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH] x\nthis is not a header\n\n--- a/f\n+++ b/f\n');
    refused(['review', 'bad.mbox', '--tree', cwd], /^iopf-lens review: \S*bad\.mbox: malformed mail header line 2: "this is not a header"$/m);
  });

  it('review: a missing tree', () => {
    refused(['review', join(SERIES, 'patch1.diff'), '--tree', '/nope'], /^iopf-lens review: \/nope: tree not found$/m);
  });

  it('a missing file argument, for every command that needs one', () => {
    refused(['check'], /^iopf-lens: check needs at least one file or directory$/m);
    refused(['check', '--format', 'json'], /check needs at least one file/);
    refused(['simulate'], /^iopf-lens: usage: iopf-lens simulate <file> <function>/m);
    refused(['review'], /^iopf-lens review: what to review is missing \(usage: iopf-lens review /m);
    refused(['index'], /^iopf-lens: index needs at least one file or directory$/m);
  });

  it('there is no output file option: --output is refused and creates nothing', () => {
    cpSync(SEED, join(cwd, 'sva.c'));
    refused(['check', 'sva.c', '--output', 'report.json'], /unknown option --output/);
    assert.ok(!existsSync(join(cwd, 'report.json')));
  });

  it('^C during check on the real tree stops it by the signal, with nothing written', async function () {
    const k = kernelTree();
    if (!k.root) {
      console.log(`      (skipped: ${k.reason})`);
      this.skip();
    }
    const before = listing(box);
    const child = spawn(process.execPath, [CLI, 'check', join(k.root!, 'drivers', 'iommu')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await new Promise((res) => setTimeout(res, 300));
    const sent = performance.now();
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    console.log(`      (stopped ${(performance.now() - sent).toFixed(0)} ms after SIGINT)`);
    assert.ok(signal === 'SIGINT' || code === 130, `ended by the signal, got code ${code} signal ${signal}`);
    assert.equal(out, '', 'no partial report');
    assert.equal(err, '');
    assert.deepEqual(listing(box), before);
  });
});
