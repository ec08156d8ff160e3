// What git applies is what is reviewed: mails built to be read one way by a mail or diff reader and
// another way by `git am` (a diff after the signature, an attachment, a From_ line git does not split
// at, base64 padding, boundaries, a hunk whose context is in the file twice, a plain diff naming two
// files, a "\ No newline" marker inside a hunk, a header with two spaces). Each one carries a new file
// whose function returns with a mutex held: the review must find that, or refuse the mail (exit 2),
// never pass it. Where git is installed, `git am` is run on the same mail to show what it applies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { b4CheckCommand, reviewCommand } from '../../../extension/cli/review-commands';
import { main } from '../../../extension/cli';
import { LIMITS } from '../../../extension/core/review/policy';
import { markerAnalyzer } from './marker-analyzer';
import { recordingIo, TREE } from './helpers';

const FROM = 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001';
const HEAD = (subject: string, extra = '') => `${FROM}\nFrom: Mallory <m@example.org>\nDate: Tue, 3 Nov 2026 09:00:00 +0000\nSubject: ${subject}\n${extra}`;
const BENIGN = `diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/io-pgfault.c
--- a/drivers/iommu/io-pgfault.c
+++ b/drivers/iommu/io-pgfault.c
@@ -1,4 +1,5 @@
 // SPDX-License-Identifier: GPL-2.0
+/* a comment */
 /*
  * io-pgfault.c - mini I/O page fault core: collects partial page requests,
  * hands complete groups to the domain's fault handler and answers the device
`;
const EVIL_BODY = ['#include <linux/mutex.h>', '', 'int evil_lock(struct mutex *m)', '{', '\tmutex_lock(m);', '\treturn 0;', '}'];
const EVIL = `diff --git a/drivers/iommu/evil.c b/drivers/iommu/evil.c
new file mode 100644
--- /dev/null
+++ b/drivers/iommu/evil.c
@@ -0,0 +1,7 @@
${EVIL_BODY.map((l) => `+${l}`).join('\n')}
`;
const b64 = (s: string) => Buffer.from(s).toString('base64').replace(/.{76}/g, '$&\n');
const plain = (subject: string, body: string) => `${HEAD(subject)}\nA change.\n\nSigned-off-by: Mallory <m@example.org>\n---\n${body}`;

/** A scratch copy of the example tree, with @files added; a git repository when git is here. */
function tree(files: Record<string, string> = {}) {
  const box = mkdtempSync(join(tmpdir(), 'iopf-parity-'));
  const dir = join(box, 'tree');
  cpSync(TREE, dir, { recursive: true });
  for (const [p, t] of Object.entries(files)) writeFileSync(join(dir, p), t);
  return { box, dir, done: () => rmSync(box, { recursive: true, force: true }) };
}

const GIT = spawnSync('git', ['--version']).status === 0;
const git = (cwd: string, ...args: string[]) => spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.org', ...args], { cwd, encoding: 'utf8' });

/** What `git am` leaves in a copy of @dir after applying @mailFile: file -> text, or undefined without git or when git refuses. */
function gitAm(dir: string, mailFile: string): ((p: string) => string | undefined) | undefined {
  if (!GIT) return undefined;
  const box = mkdtempSync(join(tmpdir(), 'iopf-am-'));
  cpSync(dir, box, { recursive: true });
  git(box, 'init', '-q');
  git(box, 'add', '-A');
  git(box, 'commit', '-qm', 'base');
  const r = git(box, 'am', '-q', mailFile);
  const files = new Map<string, string>();
  if (r.status === 0) for (const p of ['drivers/iommu/evil.c', 'drivers/iommu/y.c', 'drivers/iommu/twin.c']) {
    try {
      files.set(p, readFileSync(join(box, p), 'utf8'));
    } catch {
      // not there
    }
  }
  rmSync(box, { recursive: true, force: true });
  return r.status === 0 ? (p) => files.get(p) : () => undefined;
}

/**
 * Reviews @mail (review text, b4-check lines): the lock left held is found (exit 1, lock/imbalance)
 * or the mail is refused (exit 2, one line); when git applied it, it was not refused for nothing.
 */
async function reviewedOrRefused(mail: string, files: Record<string, string> = {}, expect: 'found' | 'refused' | 'either' = 'either') {
  const t = tree(files);
  try {
    const file = join(t.box, 'in.eml');
    writeFileSync(file, mail);
    const io = recordingIo(t.dir);
    const code = await reviewCommand([file, '--tree', t.dir], io);
    const b4 = recordingIo(t.dir, mail);
    const b4code = await b4CheckCommand(['--tree', t.dir, '--format', 'lines'], b4);
    const found = code === 1 && /lock\/imbalance/.test(io.out);
    const refused = code === 2 && io.err.trim().split('\n').length === 1 && io.out === '';
    assert.ok(found || refused, `review: exit ${code}\n${io.out}${io.err}`);
    if (expect === 'found') assert.ok(found, `review finds the held lock: exit ${code}\n${io.out}${io.err}`);
    if (expect === 'refused') assert.ok(refused, `review refuses: exit ${code}\n${io.out}${io.err}`);
    assert.ok((b4code === 1 && /ERROR: lock\/imbalance/.test(b4.out)) || (b4code === 2 && /WARNING: iopf-lens: /.test(b4.out)), `b4-check: exit ${b4code}\n${b4.out}`);
    const am = gitAm(t.dir, file);
    return { code, out: io.out, err: io.err, am };
  } finally {
    t.done();
  }
}

describe('review applies what git applies', function () {
  this.timeout(120000);

  it('a second diff after the mail signature ("-- ") is reviewed: git apply reads past the signature', async () => {
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Add a comment', `${BENIGN}-- \n2.39.5\n\n${EVIL}`), {}, 'found');
    if (r.am) assert.ok(r.am('drivers/iommu/evil.c'), 'git applied the second diff too');
  });

  it('a diff in a base64 attachment of any type is read, as git mailinfo reads every part', async () => {
    const mail = `${HEAD('[PATCH] iommu: Add a comment', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n')}\n--BB\nContent-Type: text/plain\n\nA change.\n---\n${BENIGN}\n--BB\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${b64(EVIL)}\n--BB--\n`;
    await reviewedOrRefused(mail, {}, 'found');
  });

  it('a body line "From x Mon Jan  1 9:00 2001" does not split the mail: git mailsplit would not', async () => {
    const mail = plain('[PATCH] iommu: Add a comment', `${BENIGN}\nFrom mallory Mon Jan  1 9:00 2001\nSubject: Re: nothing\n\n${EVIL}`);
    const r = await reviewedOrRefused(mail, {}, 'found');
    if (r.am) assert.ok(r.am('drivers/iommu/evil.c'));
  });

  it('two Content-Transfer-Encoding headers are refused: git takes the last, a reader the first', async () => {
    const mail = `${HEAD('[PATCH] iommu: Add a helper', 'MIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n')}\n${b64(`A change.\n---\n${EVIL}`)}\n`;
    const r = await reviewedOrRefused(mail, {}, 'refused');
    assert.match(r.err, /two Content-Transfer-Encoding headers/);
  });

  it('base64 decoded line by line past its padding, as git decodes it', async () => {
    const first = Buffer.from(`A change.\n---\n${BENIGN}`).toString('base64');
    assert.ok(first.endsWith('='), 'the first part ends in padding');
    const body = `${first}${Buffer.from(EVIL).toString('base64')}`.replace(/.{76}/g, '$&\n');
    const mail = `${HEAD('[PATCH] iommu: Add a comment', 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n')}\n${body}\n`;
    const r = await reviewedOrRefused(mail, {}, 'found');
    if (r.am) assert.ok(r.am('drivers/iommu/evil.c'), 'git decodes on past the padding');
  });

  it('a boundary= named twice, and nested boundaries that begin alike, are refused', async () => {
    const twice = `${HEAD('[PATCH] iommu: Add a comment', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; x-boundary="AA"; boundary="BB"\n')}\n--BB\nContent-Type: text/plain\n\nA change.\n---\n${BENIGN}--BB--\n--AA\nContent-Type: text/plain\n\n${EVIL}--AA--\n`;
    assert.match((await reviewedOrRefused(twice, {}, 'refused')).err, /names its boundary twice/);
    // "--BBx" opens a part for git (its boundaries match by prefix): here too.
    const prefix = `${HEAD('[PATCH] iommu: Add a comment', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BB"\n')}\n--BB\nContent-Type: text/plain\n\nA change.\n---\n${BENIGN}thanks\n--BBx\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n${b64(EVIL)}\n--BB--\n`;
    await reviewedOrRefused(prefix, {}, 'found');
  });

  it(`multipart parts nested deeper than git allows are refused in one line, at once`, async () => {
    const depth = 2000;
    let body = `--q${depth}z\nContent-Type: text/plain\n\nA change.\n---\n${EVIL}\n--q${depth}z--\n`;
    for (let k = depth - 1; k >= 0; k--) body = `--q${k}z\nContent-Type: multipart/mixed; boundary="q${k + 1}z"\n\n${body}--q${k}z--\n`;
    const mail = `${HEAD('[PATCH] iommu: deep', 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="q0z"\n')}\n${body}`;
    const started = Date.now();
    assert.match((await reviewedOrRefused(mail, {}, 'refused')).err, /nested deeper than/);
    assert.ok(Date.now() - started < 60000);
  });

  it('a hunk whose context is in the file twice changes the copy git changes (its new start), and the held lock is found there', async () => {
    const fn = (name: string) => `int ${name}(struct mutex *m, int x)\n{\n\tint r = 0;\n\n\tmutex_lock(m);\n\tif (x)\n\t\tr = 1;\n\tr++;\n\tmutex_unlock(m);\n\treturn r;\n}\n`;
    const twin = `#include <linux/mutex.h>\n\n${fn('twin_a')}\n${fn('twin_b')}`;
    // Old start 7 is twin_a's copy of the context; new start 19 is twin_b's: git patches twin_b.
    const diff = 'diff --git a/drivers/iommu/twin.c b/drivers/iommu/twin.c\n--- a/drivers/iommu/twin.c\n+++ b/drivers/iommu/twin.c\n@@ -7,6 +19,8 @@\n \tmutex_lock(m);\n \tif (x)\n \t\tr = 1;\n+\tif (r)\n+\t\treturn -22;\n \tr++;\n \tmutex_unlock(m);\n \treturn r;\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Return early', diff), { 'drivers/iommu/twin.c': twin }, 'found');
    assert.match(r.out, /in twin_b\(\)/);
    if (r.am) assert.match(r.am('drivers/iommu/twin.c')!, /twin_b[\s\S]*return -22/);
  });

  it('a plain diff whose --- and +++ name different files is not reviewable', async () => {
    const y = '#include <linux/mutex.h>\n\nint f(struct mutex *m)\n{\n\tmutex_lock(m);\n\tmutex_unlock(m);\n\treturn 0;\n}\n';
    const diff = '--- a/drivers/iommu/x.c\n+++ b/drivers/iommu/y.c\n@@ -5,2 +5,3 @@\n \tmutex_lock(m);\n+\treturn 1;\n \tmutex_unlock(m);\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Return early', diff), { 'drivers/iommu/x.c': y, 'drivers/iommu/y.c': y }, 'refused');
    assert.match(r.err, /name different files/);
  });

  it('a "\\ No newline at end of file" marker inside a hunk is not reviewable: git joins the lines around it', async () => {
    const y = '#include <linux/mutex.h>\n\nint f(struct mutex *m)\n{\n\tmutex_lock(m);\n\tmutex_unlock(m);\n\treturn 0;\n}\n';
    const diff = 'diff --git a/drivers/iommu/y.c b/drivers/iommu/y.c\n--- a/drivers/iommu/y.c\n+++ b/drivers/iommu/y.c\n@@ -5,3 +5,4 @@\n \tmutex_lock(m);\n+#define IOPF_MARKER\n\\ No newline at end of file\n-\tmutex_unlock(m);\n+\tmutex_unlock(m);\n \treturn 0;\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Add a marker', diff), { 'drivers/iommu/y.c': y }, 'refused');
    assert.match(r.err, /No newline at end of file/);
  });

  it('a traditional header written "---  /dev/null" before the git diff is read, as git apply reads it', async () => {
    const evil = `---  /dev/null\n+++  b/drivers/iommu/evil.c\n@@ -0,0 +1,7 @@\n${EVIL_BODY.map((l) => `+${l}`).join('\n')}\n`;
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Add a comment', `${evil}${BENIGN}-- \n2.39.5\n`), {}, 'found');
    if (r.am) assert.ok(r.am('drivers/iommu/evil.c'));
  });

  it('an unbalanced brace inside #if 0 does not hide the function the patch changes', async () => {
    const y = '#include <linux/mutex.h>\n\nint f(struct mutex *m, int x)\n{\n\tint r = 0;\n\n\tmutex_lock(m);\n\tif (x)\n\t\tr = 1;\n\tr++;\n\tmutex_unlock(m);\n\treturn r;\n}\n';
    const diff = 'diff --git a/drivers/iommu/y.c b/drivers/iommu/y.c\n--- a/drivers/iommu/y.c\n+++ b/drivers/iommu/y.c\n@@ -1,13 +1,15 @@\n #include <linux/mutex.h>\n \n+#if 0\n+static void unused(void) {\n+#endif\n int f(struct mutex *m, int x)\n {\n \tint r = 0;\n \n \tmutex_lock(m);\n \tif (x)\n \t\tr = 1;\n \tr++;\n-\tmutex_unlock(m);\n \treturn r;\n }\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Drop a stale unlock', diff), { 'drivers/iommu/y.c': y }, 'found');
    assert.match(r.out, /in f\(\)/);
  });

  it('every changed C file is analysed, however many the patch changes', async () => {
    let diff = '';
    for (let k = 0; k < 60; k++) diff += `diff --git a/drivers/iommu/h${String(k).padStart(2, '0')}.c b/drivers/iommu/h${String(k).padStart(2, '0')}.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/h${String(k).padStart(2, '0')}.c\n@@ -0,0 +1 @@\n+int h${k}(void) { return ${k}; }\n`;
    diff += EVIL.replace(/evil\.c/g, 'zz_evil.c');
    await reviewedOrRefused(plain('[PATCH] iommu: Add helpers', diff), {}, 'found');
  });
});

describe('review applies what git applies: headers, encodings and what gcc reads', function () {
  this.timeout(120000);
  const evilWith = (body: string[]) => `diff --git a/drivers/iommu/evil.c b/drivers/iommu/evil.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/evil.c\n@@ -0,0 +1,${body.length} @@\n${body.map((l) => `+${l}`).join('\n')}\n`;

  it('a "From x" line among the headers is a header to git: the encoding after it still decodes the body', async () => {
    const mail = `From xxx\nFrom: Mallory <m@example.org>\nSubject: [PATCH] iommu: Add a helper\nContent-Transfer-Encoding: base64\n\n${b64(`A change.\n---\n${EVIL}`)}\n`;
    await reviewedOrRefused(mail, {}, 'found');
  });

  it('a boundary on a text/plain Content-Type makes the body multipart, as it does for git', async () => {
    const mail = `${HEAD('[PATCH] iommu: Add a comment', 'MIME-Version: 1.0\nContent-Type: text/plain; boundary="BB"\n')}\nA change.\n---\n${BENIGN}\n--BB\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n${b64(`---\n${EVIL}`)}\n--BB--\n`;
    await reviewedOrRefused(mail, {}, 'found');
  });

  it('"base64" anywhere in the Content-Transfer-Encoding chooses base64, as git chooses it', async () => {
    const mail = `${HEAD('[PATCH] iommu: Add a helper', 'Content-Transfer-Encoding: 8bit; x-base64\n')}\n${b64(`A change.\n---\n${EVIL}`)}\n`;
    await reviewedOrRefused(mail, {}, 'found');
  });

  it('the diff is read as bytes, whatever charset the body declares: git writes the patch unconverted', async () => {
    const diff = evilWith(['#include <linux/mutex.h>', '', 'int evil_lock(struct mutex *m)', '{', '\t/* \x1b$B */\tmutex_lock(m);\t/* \x1b(B */', '\treturn 0;', '}']);
    const mail = `${HEAD('[PATCH] iommu: Add a helper', 'MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: base64\n')}\n${b64(`A change.\n---\n${diff}`)}\n`;
    await reviewedOrRefused(mail, {}, 'found');
  });

  it('a lone carriage return ends a // comment, as gcc reads it: the call after it is code', async () => {
    const diff = evilWith(['#include <linux/mutex.h>', '', 'int evil_lock(struct mutex *m)', '{', '\t// note\r\tmutex_lock(m);', '\treturn 0;', '}']);
    await reviewedOrRefused(plain('[PATCH] iommu: Add a helper', diff), {}, 'found');
  });

  it('digraph braces are braces', async () => {
    const diff = evilWith(['#include <linux/mutex.h>', '', 'int evil_lock(struct mutex *m)', '<%', '\tmutex_lock(m);', '\treturn 0;', '%>']);
    await reviewedOrRefused(plain('[PATCH] iommu: Add a helper', diff), {}, 'found');
  });

  const heads: [string, string[], 'found' | 'refused'][] = [
    ['a __printf() attribute before the name', ['int __printf(2, 3) evil_lock(struct mutex *m, const char *fmt, ...)'], 'found'],
    ['an __attribute__ before the name', ['int __attribute__((cold)) evil_lock(struct mutex *m)'], 'found'],
    ['a macro that writes the function head', ['#define DEF(name) int name(struct mutex *m)', 'DEF(evil_lock)'], 'refused'],
    ['a parenthesised name', ['int (evil_lock)(struct mutex *m)'], 'refused'],
    ['a K&R parameter list', ['int evil_lock(m)', 'struct mutex *m;'], 'refused'],
    ['a brace in each branch of an #ifdef', ['int evil_lock(struct mutex *m)', '#ifdef CONFIG_X', '{', '#else', '{', '#endif'], 'refused'],
  ];
  for (const [what, head, expect] of heads) {
    it(`a function head with ${what}: its lock is found, or the patch is refused, never passed`, async () => {
      const diff = evilWith(['#include <linux/mutex.h>', '', ...head, ...(head.at(-1) === '#endif' ? [] : ['{']), '\tmutex_lock(m);', '\treturn 0;', '}']);
      await reviewedOrRefused(plain('[PATCH] iommu: Add a helper', diff), {}, expect);
    });
  }

  it('a later hunk never matches lines an earlier hunk of the file wrote (git\'s LINE_PATCHED)', async () => {
    const fn = (name: string) => `int ${name}(struct mutex *m, int x)\n{\n\tint r = 0;\n\n\tmutex_lock(m);\n\tif (x)\n\t\tr = 1;\n\tmutex_unlock(m);\n\treturn r;\n}\n`;
    const twin = `#include <linux/mutex.h>\n\n${fn('twin_a')}\n${fn('twin_b')}`;
    // Hunk 1 writes a dead copy of twin_b's tail after twin_a; hunk 2's new start names that copy.
    const diff = 'diff --git a/drivers/iommu/twin.c b/drivers/iommu/twin.c\n--- a/drivers/iommu/twin.c\n+++ b/drivers/iommu/twin.c\n'
      + '@@ -12,0 +13,5 @@\n+#if 0\n+\t\tr = 1;\n+\tmutex_unlock(m);\n+\treturn r;\n+#endif\n'
      + '@@ -19,3 +14,2 @@\n \t\tr = 1;\n-\tmutex_unlock(m);\n \treturn r;\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Tidy up', diff), { 'drivers/iommu/twin.c': twin }, 'found');
    // The nearest copy of the context an earlier hunk did not write is twin_a's.
    assert.match(r.out, /lock\/imbalance in twin_a\(\)/);
    if (r.am) assert.match(r.am('drivers/iommu/twin.c')!, /int twin_a[^}]*r = 1;\n\treturn r;/);
  });

  it('the first path component is dropped whatever it is (git am -p1): tools/lib/x.c is lib/x.c', async () => {
    const locked = '#include <linux/mutex.h>\n\nint f(struct mutex *m)\n{\n\tmutex_lock(m);\n\tmutex_unlock(m);\n\treturn 0;\n}\n';
    const diff = 'diff --git tools/drivers/iommu/y.c tools/drivers/iommu/y.c\n--- tools/drivers/iommu/y.c\n+++ tools/drivers/iommu/y.c\n@@ -5,3 +5,2 @@\n \tmutex_lock(m);\n-\tmutex_unlock(m);\n \treturn 0;\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Drop an unlock', diff), { 'drivers/iommu/y.c': locked }, 'found');
    assert.match(r.out, /drivers\/iommu\/y\.c/);
  });
});

describe('renames and copies as git applies them', function () {
  this.timeout(60000);

  it('a copy leaves its source in the tree: a later hunk against the source still applies', async () => {
    const y = '#include <linux/mutex.h>\n\nint f(struct mutex *m)\n{\n\tmutex_lock(m);\n\tmutex_unlock(m);\n\treturn 0;\n}\n';
    const diff = 'diff --git a/drivers/iommu/y.c b/drivers/iommu/z.c\nsimilarity index 100%\ncopy from drivers/iommu/y.c\ncopy to drivers/iommu/z.c\n'
      + 'diff --git a/drivers/iommu/y.c b/drivers/iommu/y.c\n--- a/drivers/iommu/y.c\n+++ b/drivers/iommu/y.c\n@@ -5,3 +5,2 @@\n \tmutex_lock(m);\n-\tmutex_unlock(m);\n \treturn 0;\n';
    const r = await reviewedOrRefused(plain('[PATCH] iommu: Copy and drop an unlock', diff), { 'drivers/iommu/y.c': y }, 'found');
    assert.match(r.out, /drivers\/iommu\/y\.c/);
    if (r.am) assert.ok(r.am('drivers/iommu/y.c'), 'git keeps the source of a copy');
  });
});

describe('sections of one patch that git applies to different texts', function () {
  this.timeout(60000);
  const y = '#include <linux/mutex.h>\n\nint f(struct mutex *m)\n{\n\tmutex_lock(m);\n\tmutex_unlock(m);\n\treturn 0;\n}\n';
  const drop = 'diff --git a/drivers/iommu/y.c b/drivers/iommu/y.c\n--- a/drivers/iommu/y.c\n+++ b/drivers/iommu/y.c\n@@ -5,3 +5,2 @@\n \tmutex_lock(m);\n-\tmutex_unlock(m);\n \treturn 0;\n';
  const dropped = y.replace('\tmutex_unlock(m);\n', '');
  const cases: [string, string, Record<string, string>][] = [
    ['a file changed, then deleted', drop + `diff --git a/drivers/iommu/y.c b/drivers/iommu/y.c\ndeleted file mode 100644\n--- a/drivers/iommu/y.c\n+++ /dev/null\n@@ -1,${dropped.trimEnd().split('\n').length} +0,0 @@\n${dropped.trimEnd().split('\n').map((l) => `-${l}`).join('\n')}\n`, { 'drivers/iommu/y.c': y }],
    ['a file changed, then renamed', drop + 'diff --git a/drivers/iommu/y.c b/drivers/iommu/z.c\nsimilarity index 100%\nrename from drivers/iommu/y.c\nrename to drivers/iommu/z.c\n', { 'drivers/iommu/y.c': y }],
    ['a file created, then deleted', `${EVIL}diff --git a/drivers/iommu/evil.c b/drivers/iommu/evil.c\ndeleted file mode 100644\n--- a/drivers/iommu/evil.c\n+++ /dev/null\n@@ -1,7 +0,0 @@\n${EVIL_BODY.map((l) => `-${l}`).join('\n')}\n`, {}],
  ];
  for (const [what, diff, files] of cases) {
    it(`${what} in the same patch is not reviewable`, async () => {
      const r = await reviewedOrRefused(plain('[PATCH] iommu: Tidy up', diff), files, 'refused');
      assert.match(r.err, /an earlier section of the same patch changes this file/);
    });
  }
});

describe('a series is reviewed whole, or not at all', function () {
  this.timeout(60000);
  const numbered = (k: number, n: number, diff: string) => `${plain(`[PATCH ${k}/${n}] iommu: part ${k}`, diff)}\n`;

  it('an mbox that holds some patches of a series but not all: exit 2, naming what is missing', async () => {
    const t = tree();
    try {
      const file = join(t.box, 'in.mbox');
      writeFileSync(file, numbered(1, 3, BENIGN) + numbered(3, 3, EVIL));
      const io = recordingIo(t.dir);
      assert.equal(await reviewCommand([file, '--tree', t.dir], io, { analyzer: markerAnalyzer() }), 2);
      assert.match(io.err, /incomplete: patch 2\/3 missing/);
    } finally {
      t.done();
    }
  });

  it('a numbered patch without a diff this review can read is refused, not skipped', async () => {
    const t = tree();
    try {
      const file = join(t.box, 'in.mbox');
      writeFileSync(file, numbered(1, 2, BENIGN) + `${HEAD('[PATCH 2/2] iommu: part 2', 'Content-Type: text/plain\n')}\nA change.\n`);
      const io = recordingIo(t.dir);
      assert.equal(await reviewCommand([file, '--tree', t.dir], io, { analyzer: markerAnalyzer() }), 2);
      assert.match(io.err, /patch 2\/2 has no diff/);
    } finally {
      t.done();
    }
  });

  it('a reply of the thread that carries a diff is named and keeps the verdict from "clean" (exit 1)', async () => {
    const t = tree();
    try {
      const file = join(t.box, 'thread.mbox');
      writeFileSync(file, `${numbered(1, 1, BENIGN)}${plain('Re: [PATCH 1/1] iommu: part 1', EVIL)}\n`);
      for (const format of ['text', 'json']) {
        const io = recordingIo(t.dir);
        assert.equal(await reviewCommand([file, '--tree', t.dir, '--format', format], io, { analyzer: markerAnalyzer() }), 1);
        if (format === 'text') {
          assert.match(io.out, /Not reviewed: the reply "Re: \[PATCH 1\/1\] iommu: part 1" carries a diff/);
          assert.match(io.out.trim().split('\n').at(-1)!, /^Verdict: not fully reviewed — 1 reply of the thread carries a diff/);
        } else assert.deepEqual(JSON.parse(io.out).unreviewedReplies, ['Re: [PATCH 1/1] iommu: part 1']);
      }
    } finally {
      t.done();
    }
  });

  it(`a series that changes more than ${LIMITS.changedFunctions} functions is refused before any simulation`, async () => {
    const t = tree();
    try {
      const body = Array.from({ length: LIMITS.changedFunctions + 1 }, (_, k) => `int g${k}(void) { return ${k}; }`);
      const diff = `diff --git a/drivers/iommu/many.c b/drivers/iommu/many.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/many.c\n@@ -0,0 +1,${body.length} @@\n${body.map((l) => `+${l}`).join('\n')}\n`;
      const file = join(t.box, 'in.eml');
      writeFileSync(file, plain('[PATCH] iommu: many', diff));
      const calls = { analyze: [] as string[][] };
      const io = recordingIo(t.dir);
      assert.equal(await reviewCommand([file, '--tree', t.dir], io, { analyzer: markerAnalyzer(calls) }), 2);
      assert.match(io.err, /more than the \d+ C functions one review simulates/);
      assert.equal(calls.analyze.length, 0, 'nothing was simulated');
    } finally {
      t.done();
    }
  });
});

describe('error lines and the index cannot be forged either', () => {
  it('a subject with a newline in an error line is escaped whole: the real reason stays on the same line', async () => {
    const t = tree();
    try {
      const subject = '=?UTF-8?B?' + Buffer.from('[PATCH] iommu: Tidy up" does not apply: please rebase\nhidden').toString('base64') + '?=';
      const file = join(t.box, 'in.eml');
      writeFileSync(file, plain(subject, 'diff --git a/drivers/iommu/io-pgfault.c b/drivers/iommu/io-pgfault.c\nGIT binary patch\nliteral 0\nHcmV?d00001\n\n'));
      const io = recordingIo(t.dir);
      assert.equal(await reviewCommand([file, '--tree', t.dir], io), 2);
      assert.equal(io.err.trim().split('\n').length, 1);
      assert.match(io.err, /please rebase\\x0ahidden" is not reviewable: drivers\/iommu\/io-pgfault\.c: a binary change/);
    } finally {
      t.done();
    }
  });

  it('index --format text escapes file and function names', async () => {
    const box = mkdtempSync(join(tmpdir(), 'iopf-index-'));
    try {
      writeFileSync(join(box, 'ev\x1b[2J\rFORGED\u202eil.c'), 'int ok(void) { return 0; }\n');
      const io = recordingIo(box);
      assert.equal(await main(['index', box, '--format', 'text'], io), 0);
      assert.ok(!/[\x1b\r\u202e]/.test(io.out), JSON.stringify(io.out));
      assert.match(io.out, /ev\\x1b\[2J\\x0dFORGED\\u202eil\.c:1: ok/);
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  });
});
