// Patches from a public list are written by anyone: each attack of issue 18 (part A), generated here, against
// the CLI's review and b4-check: no byte outside the C of the tree is shown, nothing unreviewable or bounded
// passes as clean, input past a cap ends in exit 2 (never a heap abort), and no input can forge a text report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { b4CheckCommand, reviewCommand } from '../../../extension/cli/review-commands';
import { main } from '../../../extension/cli';
import { LIMITS } from '../../../extension/core/review/policy';
import type { Analyzer } from '../../../extension/core/review/review';
import { markerAnalyzer } from './marker-analyzer';
import { PATCH_FILES, recordingIo, TREE } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const TOKEN = 'ghp_FAKEci7TOKENx9Q2leakme';
const GIT_CONFIG = `[core]\n\trepositoryformatversion = 0\n[http "https://example.org/"]\n\textraheader = AUTHORIZATION: bearer ${TOKEN}\n`;

/** A scratch folder holding a copy of the fixture tree (with a .git/config holding a CI token) and a secret outside it. */
function scratch() {
  const box = mkdtempSync(join(tmpdir(), 'iopf-hostile-'));
  const tree = join(box, 'tree');
  cpSync(TREE, tree, { recursive: true });
  mkdirSync(join(tree, '.git'));
  writeFileSync(join(tree, '.git', 'config'), GIT_CONFIG);
  writeFileSync(join(tree, 'Makefile'), `obj-y += drivers/\n# ${TOKEN}\n`);
  mkdirSync(join(box, 'secret'));
  writeFileSync(join(box, 'secret', 'secret.c'), `/* ${TOKEN} */\nint secret(void) { return 1; }\n`);
  return { box, tree, done: () => rmSync(box, { recursive: true, force: true }) };
}

const mail = (subject: string, diff: string) =>
  `From: Mallory <mallory@example.org>\nSubject: ${subject}\nDate: Tue, 3 Nov 2026 09:00:00 +0000\n\nA harmless change.\n\nSigned-off-by: Mallory <mallory@example.org>\n---\n${diff}`;

/**
 * The disclosure patch of the issue: @from renamed to drivers/iommu/leak.c, each of its lines wrapped in C by
 * zero-context hunks, so that every line would show in a trace step as the condition of an `if`.
 */
function leakPatch(from: string, lines: number): string {
  let hunks = '';
  for (let k = 0; k < lines; k++) {
    hunks += `@@ -${k + 1},0 +${3 * k + 1},1 @@\n+int leak${k}(struct mutex *m){ mutex_lock(m); if (\n`;
    hunks += `@@ -${k + 1},0 +${3 * k + 3},1 @@\n+) m = 0; }\n`;
  }
  return mail('[PATCH] iommu: Add a leak helper', `diff --git a/${from} b/drivers/iommu/leak.c\nsimilarity index 10%\nrename from ${from}\nrename to drivers/iommu/leak.c\n--- a/${from}\n+++ b/drivers/iommu/leak.c\n${hunks}`);
}

/** Every output of review (text, json, sarif) and b4-check (json, lines) for @patch: exit codes and all text written. */
async function everyOutput(patch: string, tree: string, analyzer?: Analyzer) {
  const box = mkdtempSync(join(tmpdir(), 'iopf-in-'));
  const file = join(box, 'in.eml');
  writeFileSync(file, patch);
  const runs: { what: string; code: number; out: string; err: string }[] = [];
  for (const format of ['text', 'json', 'sarif']) {
    const io = recordingIo(tree);
    const code = await reviewCommand([file, '--tree', tree, '--format', format], io, { analyzer });
    runs.push({ what: `review --format ${format}`, code, out: io.out, err: io.err });
  }
  for (const format of ['json', 'lines']) {
    const io = recordingIo(tree, patch);
    const code = await b4CheckCommand(['--tree', tree, '--format', format], io, { analyzer });
    runs.push({ what: `b4-check --format ${format}`, code, out: io.out, err: io.err });
  }
  rmSync(box, { recursive: true, force: true });
  return runs;
}

function assertNoSecret(runs: { what: string; out: string; err: string }[]): void {
  for (const r of runs) {
    for (const piece of [TOKEN, TOKEN.slice(4, 14), 'extraheader', 'bearer', 'repositoryformatversion', 'obj-y']) {
      assert.ok(!r.out.includes(piece) && !r.err.includes(piece), `${r.what} shows "${piece}" of a file outside the C of the tree`);
    }
  }
}

/** One line on stderr, exit 2, and for b4-check a warn verdict carrying the reason. */
function assertRefused(runs: { what: string; code: number; out: string; err: string }[], re: RegExp): void {
  for (const r of runs) {
    assert.equal(r.code, 2, `${r.what}: exit 2, got ${r.code}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, `${r.what}: one line on stderr: ${r.err}`);
    assert.match(r.err, re, r.what);
    if (r.what.startsWith('review')) assert.equal(r.out, '', `${r.what}: no report`);
    else if (r.what.endsWith('json')) {
      const [v] = JSON.parse(r.out);
      assert.equal(v.status, 'warn', `${r.what}: warn`);
      assert.match(v.details, re);
    } else assert.match(r.out, /^-:1: WARNING: iopf-lens: /);
  }
}

describe('hostile patches: only the C of the tree is read', function () {
  this.timeout(120_000);

  it('the .git/config disclosure patch is refused, naming the patch, and no byte of the token is shown anywhere', async () => {
    const s = scratch();
    try {
      const runs = await everyOutput(leakPatch('.git/config', GIT_CONFIG.split('\n').length - 1), s.tree);
      assertRefused(runs, /patch "\[PATCH\] iommu: Add a leak helper" refused: \.git\/config: a hidden \(dot\) path/);
      assertNoSecret(runs);
    } finally {
      s.done();
    }
  });

  it('a build file renamed into C, a file of another kind, a dot file created and .. are refused', async () => {
    const s = scratch();
    try {
      assertRefused(await everyOutput(leakPatch('Makefile', 2), s.tree), /leak\.c: a build file renamed or copied into a C file/);
      const other = mail('[PATCH] add notes', 'diff --git a/notes.env b/notes.env\n--- a/notes.env\n+++ b/notes.env\n@@ -1,0 +1 @@\n+X=1\n');
      assertRefused(await everyOutput(other, s.tree), /notes\.env: not C source/);
      const dot = mail('[PATCH] config', 'diff --git a/drivers/.config.c b/drivers/.config.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/.config.c\n@@ -0,0 +1 @@\n+int x;\n');
      assertRefused(await everyOutput(dot, s.tree), /drivers\/\.config\.c: a hidden \(dot\) path/);
      const up = mail('[PATCH] up', '--- a/drivers/../../secret/secret.c\n+++ b/drivers/../../secret/secret.c\n@@ -1,0 +2 @@\n+int y;\n');
      assertRefused(await everyOutput(up, s.tree), /leaves the tree/);
    } finally {
      s.done();
    }
  });

  it('a symlink in the tree that leads out of it, or onto a dot file, is refused', async () => {
    const s = scratch();
    try {
      symlinkSync(join(s.box, 'secret', 'secret.c'), join(s.tree, 'drivers', 'iommu', 'evil.c'));
      symlinkSync(join(s.box, 'secret'), join(s.tree, 'drivers', 'evil'));
      symlinkSync('../../.git/config', join(s.tree, 'drivers', 'iommu', 'cfg.c'));
      const zero = (path: string) => mail('[PATCH] iommu: touch', `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1,0 +2 @@\n+int touched(struct mutex *m) { mutex_lock(m); return 0; }\n`);
      assertRefused(await everyOutput(zero('drivers/iommu/evil.c'), s.tree), /drivers\/iommu\/evil\.c: a symlink leads out of the tree/);
      assertRefused(await everyOutput(zero('drivers/evil/secret.c'), s.tree), /drivers\/evil\/secret\.c: a symlink leads out of the tree/);
      assertRefused(await everyOutput(zero('drivers/iommu/cfg.c'), s.tree), /cfg\.c: a symlink leads to \.git\/config/);
      const created = mail('[PATCH] new', 'diff --git a/drivers/evil/new.c b/drivers/evil/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/evil/new.c\n@@ -0,0 +1 @@\n+int y;\n');
      const runs = await everyOutput(created, s.tree);
      assertRefused(runs, /drivers\/evil\/new\.c: a symlink leads out of the tree/);
      assertNoSecret(runs);
    } finally {
      s.done();
    }
  });

  it('check on a folder skips a symlink that leads out of it, with a warning line, and reads nothing through it', async () => {
    const s = scratch();
    try {
      const dir = join(s.box, 'walk');
      mkdirSync(dir);
      writeFileSync(join(dir, 'ok.c'), 'int ok(void) { return 0; }\n');
      symlinkSync(join(s.box, 'secret', 'secret.c'), join(dir, 'link.c'));
      symlinkSync(join(s.box, 'secret'), join(dir, 'linkdir'));
      for (const format of ['text', 'json']) {
        const io = recordingIo(s.box);
        const code = await main(['check', dir, '--format', format], io);
        assert.equal(code, 0, io.err);
        assert.match(io.err, /warning: .*link\.c: skipped: a symlink that leads out of the folder/);
        assert.match(io.err, /warning: .*linkdir: skipped: a symlink that leads out of the folder/);
        assert.ok(!io.out.includes(TOKEN) && !io.out.includes('secret('), 'nothing of the linked file');
      }
    } finally {
      s.done();
    }
  });
});

/** Patch 1 of the fixture series re-encoded as git writes it with `*.c binary`: the attack that read as "no change". */
function binaryPatch1(box: string, binary: boolean): string {
  const repo = join(box, 'repo');
  cpSync(TREE, repo, { recursive: true });
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'core.autocrlf=false', ...args], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'tree');
  writeFileSync(join(repo, '.gitattributes'), '*.c binary\n*.h binary\n');
  git('apply', PATCH_FILES[0]);
  const diff = git('diff', ...(binary ? ['--binary'] : []), '--', 'drivers', 'include');
  assert.match(diff, binary ? /GIT binary patch/ : /Binary files .* differ/);
  return mail('[PATCH v2 1/4] iommu: Make iommu_report_device_fault() return void', diff);
}

describe('hostile patches: nothing unreviewable passes as "no change"', function () {
  this.timeout(120_000);

  for (const [what, binary] of [['a GIT binary patch', true], ['"Binary files … differ"', false]] as const) {
    it(`patch 1 of the series as ${what}: not reviewable (review exit 2, b4-check warn with the reason)`, async () => {
      const box = mkdtempSync(join(tmpdir(), 'iopf-binary-'));
      try {
        const runs = await everyOutput(binaryPatch1(box, binary), TREE, markerAnalyzer());
        assertRefused(runs, /patch "\[PATCH v2 1\/4\] iommu: Make iommu_report_device_fault\(\) return void" is not reviewable: .*binary change/);
        for (const r of runs) assert.doesNotMatch(r.out + r.err, /no change|no patch introduces a finding|"pass"/i, r.what);
        const [v] = JSON.parse(runs.find((r) => r.what === 'b4-check --format json')!.out);
        assert.match(v.summary, /^not reviewable: .*binary change/);
      } finally {
        rmSync(box, { recursive: true, force: true });
      }
    });
  }

  const headers: [string, string, RegExp][] = [
    ['a mode-only change', 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/io-pgfault.c\nold mode 100644\nnew mode 100755\n', /mode-only change \(100644 to 100755\)/],
    ['a C file turned into a symlink', 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/io-pgfault.c\nold mode 100644\nnew mode 120000\n', /becomes mode 120000/],
    ['a rename with changes but no text hunks', 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/pgfault.c\nsimilarity index 62%\nrename from drivers/iommu/io-pgfault.c\nrename to drivers/iommu/pgfault.c\n', /rename or copy with changes \(similarity 62%\)/],
    ['a git header with nothing under it', 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/io-pgfault.c\nindex 1111111..2222222 100644\n', /a change with no text hunks/],
  ];
  for (const [what, diff, re] of headers) {
    it(`${what}: not reviewable`, async () => {
      const box = mkdtempSync(join(tmpdir(), 'iopf-hdr-'));
      try {
        const tree = join(box, 'tree');
        cpSync(TREE, tree, { recursive: true });
        assertRefused(await everyOutput(mail('[PATCH] iommu: sneaky', diff), tree, markerAnalyzer()), re);
      } finally {
        rmSync(box, { recursive: true, force: true });
      }
    });
  }

  it('a pure rename (similarity 100%) is still reviewed', async () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-ren-'));
    try {
      const tree = join(box, 'tree');
      cpSync(TREE, tree, { recursive: true });
      const diff = 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/pgfault.c\nsimilarity index 100%\nrename from drivers/iommu/io-pgfault.c\nrename to drivers/iommu/pgfault.c\n';
      const io = recordingIo(tree);
      writeFileSync(join(box, 'p.eml'), mail('[PATCH] iommu: rename', diff));
      assert.equal(await reviewCommand([join(box, 'p.eml'), '--tree', tree], io, { analyzer: markerAnalyzer() }), 0, io.err);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });
});

/** Runs the CLI from source in a child with a 512 MB heap: a cap must end the run with exit 2, never a heap abort. */
function cliChild(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', '--import', 'tsx', join(ROOT, 'extension', 'cli.ts'), ...args],
    { cwd: ROOT, input, encoding: 'utf8', timeout: 110_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** An mbox of @n patches, each creating one tiny C file. */
function manyNewFiles(n: number): string {
  const out: string[] = [];
  for (let k = 1; k <= n; k++) {
    out.push(`From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: M <m@example.org>\nSubject: [PATCH ${k}/${n}] iommu: new file ${k}\n\nx\n---\n`
      // A variable each, not a function: the cap on changed functions is a test of its own.
      + `diff --git a/drivers/iommu/n${k}.c b/drivers/iommu/n${k}.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/n${k}.c\n@@ -0,0 +1 @@\n+int n${k};\n\n`);
  }
  return out.join('');
}

describe('hostile input: bounded memory, a cap ends in exit 2', function () {
  this.timeout(240_000);

  it(`an mbox of 20,000 tiny new-file patches: exit 2 naming the ${LIMITS.patches}-patch cap, no heap abort in 512 MB (file and stdin)`, () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-many-'));
    try {
      const mbox = manyNewFiles(20000);
      writeFileSync(join(box, 'many.mbox'), mbox);
      for (const r of [cliChild(['review', join(box, 'many.mbox'), '--tree', TREE]), cliChild(['review', '-', '--tree', TREE], mbox)]) {
        assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(-500)}`);
        assert.equal(r.status, 2, r.stderr.slice(-500));
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr.slice(-500));
        assert.match(r.stderr, new RegExp(`more than ${LIMITS.patches} patches in one series`));
      }
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  it(`a series at the cap (${LIMITS.patches} new-file patches) is reviewed, its states sharing what did not change`, async () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-cap-'));
    try {
      writeFileSync(join(box, 'cap.mbox'), manyNewFiles(LIMITS.patches));
      const io = recordingIo(box);
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      assert.equal(await reviewCommand([join(box, 'cap.mbox'), '--tree', TREE, '--format', 'json'], io, { analyzer: markerAnalyzer() }), 0, io.err);
      assert.equal(JSON.parse(io.out).patches.length, LIMITS.patches);
      assert.ok(process.memoryUsage().heapUsed - before < 400 * 1024 * 1024, 'a few hundred MB at most');
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  it('one patch of more changed files than the cap: exit 2 before it is parsed', () => {
    const n = LIMITS.filesPerPatch + 1;
    let diff = '';
    for (let k = 0; k < n; k++) diff += `diff --git a/drivers/iommu/f${k}.c b/drivers/iommu/f${k}.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/f${k}.c\n@@ -0,0 +1 @@\n+int f${k};\n`;
    const r = cliChild(['review', '-', '--tree', TREE], mail('[PATCH] many files', diff));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${n} changed files is more than the ${LIMITS.filesPerPatch}`));
  });

  it('a series that grows one file by 1 MiB per patch: exit 2 at the cap on patched text, before any analysis, in 512 MB', () => {
    const n = 16384; // lines of 64 bytes: 1 MiB per patch
    const body = `+/* ${'g'.repeat(57)} */\n`.repeat(n);
    const mails: string[] = [];
    for (let k = 1; k <= 24; k++) {
      const at = (k - 1) * n;
      const head = k === 1
        ? 'diff --git a/drivers/iommu/grow.c b/drivers/iommu/grow.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/grow.c\n@@ -0,0 +1,16384 @@\n'
        : `diff --git a/drivers/iommu/grow.c b/drivers/iommu/grow.c\n--- a/drivers/iommu/grow.c\n+++ b/drivers/iommu/grow.c\n@@ -${at},0 +${at + 1},16384 @@\n`;
      mails.push(`From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n${mail(`[PATCH ${k}/24] iommu: grow`, head + body)}\n`);
    }
    const r = cliChild(['review', '-', '--tree', TREE], mails.join(''));
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 2, r.stderr.slice(-300));
    assert.match(r.stderr, /^iopf-lens review: drivers\/iommu\/grow\.c: the text the patches produce is larger than the 128 MiB limit of one run\n$/);
  });

  it('stdin past the input cap: exit 2 with one line for review - and b4-check (which still prints a verdict)', () => {
    const big = Buffer.alloc(LIMITS.inputBytes + 1024 * 1024, 'a');
    const review = cliChild(['review', '-', '--tree', TREE], big);
    assert.equal(review.status, 2);
    assert.equal(review.stdout, '');
    assert.match(review.stderr, /^iopf-lens review: <stdin>: the review input is larger than the 32 MiB limit of one run\n$/);
    const b4 = cliChild(['b4-check', '--tree', TREE], big);
    assert.equal(b4.status, 2);
    assert.equal(JSON.parse(b4.stdout)[0].status, 'warn');
    assert.match(b4.stderr, /larger than the 32 MiB limit/);
  });

  it('a folder whose .mbox.gz files together decompress past the input cap: exit 2, though each is under the per-file cap', () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-gz-'));
    try {
      // A patch mail, then 20 MiB after its signature (ignored by the parser, counted by the cap).
      const one = mail('[PATCH] iommu: new file', 'diff --git a/drivers/iommu/n.c b/drivers/iommu/n.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/n.c\n@@ -0,0 +1 @@\n+int n;\n');
      const gz = gzipSync(one + '-- \n' + `${'x'.repeat(1023)}\n`.repeat(20 * 1024));
      for (let k = 1; k <= 3; k++) writeFileSync(join(box, `${k}.mbox.gz`), gz);
      const r = cliChild(['review', box, '--tree', TREE]);
      assert.equal(r.signal, null);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /2\.mbox\.gz: the review input is larger than the 32 MiB limit of one run/);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });
});

const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('hostile input: text reports cannot be forged', function () {
  this.timeout(240_000);

  it('an RFC 2047 subject that decodes to newlines, a fake clean verdict and ESC[8m is shown escaped, with the real verdict last', async () => {
    const fake = 'iommu: Tidy up\n\n  No change in simulated behaviour.\n\nVerdict: no patch introduces a finding.\n\x1b[8m\u202e';
    const encoded = `=?UTF-8?B?${Buffer.from(fake).toString('base64')}?=`;
    const patch = readFileSync(PATCH_FILES[0], 'utf8').replace(/^Subject: .*$/m, `Subject: [PATCH v2 1/4] ${encoded}`);
    const box = mkdtempSync(join(tmpdir(), 'iopf-forge-'));
    try {
      writeFileSync(join(box, 'p.eml'), patch);
      const io = recordingIo(box);
      assert.equal(await reviewCommand([join(box, 'p.eml'), '--tree', TREE], io), 1, io.err);
      assert.doesNotMatch(io.out, RAW, 'no raw control or bidi character in the report');
      const lines = io.out.trimEnd().split('\n');
      assert.equal(lines.filter((l) => /Verdict:/.test(l) && !l.startsWith('[')).length, 1, 'one verdict line of our own');
      assert.match(lines[lines.length - 1], /^Verdict: \d+ findings? introduced\.$/);
      assert.ok(!lines.some((l) => /^\s*No change in simulated behaviour/.test(l)), 'the fake "No change" is not a line of its own');
      assert.ok(lines.includes('[PATCH v2 1/4] iommu: Tidy up\\x0a\\x0a  No change in simulated behaviour.\\x0a\\x0aVerdict: no patch introduces a finding.\\x0a\\x1b[8m\\u202e'), 'the subject on one line, escaped');
      const b4 = recordingIo(box, patch);
      assert.equal(await b4CheckCommand(['--tree', TREE], b4), 1);
      const [v] = JSON.parse(b4.out);
      assert.doesNotMatch(v.details + v.summary, RAW);
      assert.match(v.details, /\nVerdict: \d+ findings? introduced\.\n$/);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  it('CR, ESC and bidi overrides in file and function names are escaped in review text, b4-check lines and check text', async () => {
    const name = 'drivers/iommu/ev\u202eil\x1b[2J\rx.c';
    const fn = 'int evil_lock(struct mutex *m)\n{\n\tmutex_lock(m);\n\treturn 0;\n}\n';
    const patch = mail('[PATCH] iommu: \u2066evil\u2069 \u202ehelper', `diff --git a/${name} b/${name}\nnew file mode 100644\n--- /dev/null\n+++ b/${name}\n@@ -0,0 +1,5 @@\n${fn.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}\n`);
    const box = mkdtempSync(join(tmpdir(), 'iopf-names-'));
    try {
      writeFileSync(join(box, 'p.eml'), patch);
      const io = recordingIo(box);
      assert.equal(await reviewCommand([join(box, 'p.eml'), '--tree', TREE], io), 1, io.err);
      assert.doesNotMatch(io.out, RAW);
      assert.match(io.out, /drivers\/iommu\/ev\\u202eil\\x1b\[2J\\x0dx\.c:\d+: lock\/imbalance in evil_lock\(\)/);
      assert.match(io.out, /\[1\/1\] \[PATCH\] iommu: \\u2066evil\\u2069 \\u202ehelper\n/);
      const b4 = recordingIo(box, patch);
      assert.equal(await b4CheckCommand(['--tree', TREE, '--format', 'lines'], b4), 1);
      assert.doesNotMatch(b4.out, RAW);
      assert.match(b4.out, /^drivers\/iommu\/ev\\u202eil\\x1b\[2J\\x0dx\.c:\d+: (ERROR|WARNING): lock\/imbalance: /);
      // check on a folder holding such a file
      const dir = join(box, 'src');
      mkdirSync(dir);
      writeFileSync(join(dir, 'ev\u202eil\x1b[2J\rx.c'), fn);
      const c = recordingIo(box);
      assert.equal(await main(['check', dir], c), 1, c.err);
      assert.doesNotMatch(c.out, RAW);
      assert.match(c.out, /ev\\u202eil\\x1b\[2J\\x0dx\.c:4:\d+: error: returns with mutex#\d+ still held/);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });
});

describe('hostile input: a bound is a verdict, and b4-check always gives one', function () {
  this.timeout(240_000);

  /** A tree with one function, and a patch adding nine independent ifs (512 paths, over the default 400) before a lock that leaks only when none was taken. */
  function boundedCase(box: string) {
    const tree = join(box, 'tree');
    mkdirSync(join(tree, 'drivers', 'iommu'), { recursive: true });
    writeFileSync(join(tree, 'drivers', 'iommu', 'foo.c'), '#include <linux/mutex.h>\n\nint foo_work(struct mutex *m, int a, int b, int c, int d, int e, int f, int g, int h, int i)\n{\n\tint x = 0;\n\n\treturn x;\n}\n');
    const ifs = [...'abcdefghi'].map((v) => `+\tif (${v})\n+\t\tx++;\n`).join('');
    const diff = 'diff --git a/drivers/iommu/foo.c b/drivers/iommu/foo.c\n--- a/drivers/iommu/foo.c\n+++ b/drivers/iommu/foo.c\n'
      + '@@ -4,5 +4,27 @@ int foo_work(struct mutex *m, int a, int b, int c, int d, int e, int f, int g, int h, int i)\n {\n \tint x = 0;\n \n'
      + `${ifs}+\tmutex_lock(m);\n+\tif (!x)\n+\t\treturn -22;\n+\tmutex_unlock(m);\n \treturn x;\n }\n`;
    return { tree, patch: mail('[PATCH] iommu: Count the work', diff) };
  }

  it('nine ifs before a leak on the one path past the bound: "bounded" in the verdict, exit 1, b4-check warn', async () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-bound-'));
    try {
      const { tree, patch } = boundedCase(box);
      const runs = await everyOutput(patch, tree);
      for (const r of runs) {
        assert.equal(r.code, 1, `${r.what}: exit 1 (not fully reviewed), got ${r.code}: ${r.err}`);
        assert.doesNotMatch(r.out, /no patch introduces a finding|"status": "pass"/, r.what);
      }
      const text = runs[0].out.trimEnd().split('\n');
      assert.match(text[text.length - 1], /^Verdict: bounded — patch 1\/1 not fully reviewed \(bounded: exploration hit a bound\)/);
      assert.ok(text.includes('  Not fully reviewed: exploration hit a bound; no change on the paths explored.') || text.some((l) => l.startsWith('  Paths whose outcome changed')));
      assert.equal(JSON.parse(runs[1].out).patches[0].bounded, true);
      assert.equal(JSON.parse(runs[2].out).runs[0].properties.bounded, true);
      const [v] = JSON.parse(runs[3].out);
      assert.equal(v.status, 'warn');
      assert.match(v.summary, /^not fully reviewed \(bounded/);
      assert.match(runs[4].out, /^-:1: WARNING: iopf-lens: not fully reviewed \(bounded\)/m);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });

  it('an internal error (a stack overflow in the analysis): b4-check still prints a warn verdict with the reason, exit 2', async () => {
    const broken: Analyzer = {
      analyzeFiles: async () => { throw new RangeError('Maximum call stack size exceeded'); },
      simulateFunction: async () => { throw new RangeError('Maximum call stack size exceeded'); },
    };
    const patch = readFileSync(PATCH_FILES[0], 'utf8');
    for (const format of ['json', 'lines']) {
      const io = recordingIo(TREE, patch);
      assert.equal(await b4CheckCommand(['--tree', TREE, '--format', format], io, { analyzer: broken }), 2);
      assert.equal(io.err.trim().split('\n').length, 1);
      assert.match(io.err, /internal error: Maximum call stack size exceeded/);
      if (format === 'json') {
        const [v] = JSON.parse(io.out);
        assert.equal(v.status, 'warn');
        assert.equal(v.summary, 'not reviewed: internal error');
        assert.match(v.details, /Maximum call stack size exceeded/);
      } else assert.equal(io.out, '-:1: WARNING: iopf-lens: internal error: Maximum call stack size exceeded\n');
    }
  });
});
