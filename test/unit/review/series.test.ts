// Review input forms: the fixture series read from its patch folder, single patch files, the git mbox, the lore mboxrd and a plain diff.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../../extension/core/review/mail';
import { loadSeries, parseSeriesText, type Series } from '../../../extension/core/review/series';
import { PATCH_FILES, PATCHES, SERIES } from './helpers';

const TITLES = [
  'iommu: Make iommu_report_device_fault() return void',
  'iommu: Restore lost return in iommu_report_device_fault()',
  'iommu: Handle iommu faults for a bad iopf setup',
  'iommu: Use refcount for fault data access',
];
const COVER = 'iommu: IOPF report path fixes and refcounted fault data';

/** What a patch does, independent of how it was delivered. */
const essence = (s: Series) => s.patches.map((p) => p.files.map((f) => ({ old: f.oldPath, new: f.newPath, hunks: f.patch.hunks })));

describe('review/series: every input form of the fixture series', () => {
  const forms: Record<string, Series> = {};
  before(() => {
    forms.folder = loadSeries(PATCHES);
    forms.mbox = loadSeries(join(SERIES, 'series.mbox'));
    forms.mboxrd = loadSeries(join(SERIES, 'series.mboxrd'));
  });

  for (const form of ['folder', 'mbox', 'mboxrd']) {
    it(`${form}: four patches in order, the cover letter as title and not applied`, () => {
      const s = forms[form];
      assert.equal(s.title, COVER);
      assert.deepEqual(s.patches.map((p) => p.subject.title), TITLES);
      assert.deepEqual(s.patches.map((p) => [p.subject.version, p.subject.index, p.subject.total]), TITLES.map((_t, i) => [2, i + 1, 4]));
      assert.deepEqual(s.patches.map((p) => p.position), [1, 2, 3, 4]);
      // trailers are read, and no diffstat line became a file
      assert.ok(s.patches.every((p) => p.trailers.some((t) => t.name === 'Signed-off-by')));
      for (const p of s.patches) for (const f of p.files) assert.ok(!/\|/.test(f.newPath ?? ''), f.newPath);
    });
  }

  it('all forms carry the same diffs, and the mboxrd body is unescaped', () => {
    assert.deepEqual(essence(forms.mbox), essence(forms.folder));
    assert.deepEqual(essence(forms.mboxrd), essence(forms.folder));
    const d = forms.mboxrd.patches[2].description;
    assert.ok(d.includes("\nFrom the driver's side"), 'the >From line is unescaped');
    assert.equal(forms.mboxrd.patches[2].description, forms.folder.patches[2].description);
  });

  it('patch 1 files: the driver, the core and the header, with a/ b/ prefixes removed', () => {
    assert.deepEqual(forms.folder.patches[0].files.map((f) => f.newPath), [
      'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c', 'drivers/iommu/io-pgfault.c', 'include/linux/iommu.h',
    ]);
  });

  it('a single format-patch file is one patch; the plain diff of patch 1 has the same hunks', () => {
    const one = loadSeries(PATCH_FILES[0]);
    assert.equal(one.patches.length, 1);
    assert.equal(one.patches[0].subject.index, 1);
    const plain = loadSeries(join(SERIES, 'patch1.diff'));
    assert.equal(plain.patches.length, 1);
    assert.deepEqual(plain.patches[0].files.map((f) => f.newPath), one.patches[0].files.map((f) => f.newPath));
    assert.deepEqual(plain.patches[0].files.map((f) => f.patch.hunks.map((h) => h.lines)), one.patches[0].files.map((f) => f.patch.hunks.map((h) => h.lines)));
  });

  it('reads a lore thread (t.mbox.gz) with review replies, applying only the series', () => {
    const msgs = readFileSync(join(SERIES, 'series.mboxrd'), 'utf8').split(/^(?=From mboxrd@z )/m);
    // a reviewer's reply to patch 1 that suggests a diff of its own
    const reply = 'From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: R <r@x>\nSubject: Re: [PATCH v2 1/4] iommu: Make iommu_report_device_fault() return void\n\n'
      + '> quoted\nTry this instead:\n\n--- a/drivers/iommu/io-pgfault.c\n+++ b/drivers/iommu/io-pgfault.c\n@@ -1 +1 @@\n-x\n+y\n\n';
    const dir = mkdtempSync(join(tmpdir(), 'iopf-thread-'));
    try {
      const file = join(dir, 't.mbox.gz');
      writeFileSync(file, gzipSync([msgs[0], msgs[1], reply, msgs[2], msgs[3], msgs[4]].join('')));
      const s = loadSeries(file);
      assert.equal(s.title, COVER);
      assert.deepEqual(s.patches.map((p) => p.subject.title), TITLES);
      assert.deepEqual(essence(s), essence(forms.folder));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('orders a mailbox by k/N when the archive has the mails out of order', () => {
    const msgs = readFileSync(join(SERIES, 'series.mboxrd'), 'utf8').split(/^(?=From mboxrd@z )/m);
    const shuffled = [msgs[0], msgs[3], msgs[1], msgs[4], msgs[2]].join('');
    assert.deepEqual(parseSeriesText(shuffled, 'x.mbox').patches.map((p) => p.subject.index), [1, 2, 3, 4]);
  });
});

describe('review/series: git extended headers and bad input', () => {
  it('tolerates rename, mode and binary headers', () => {
    const text = [
      'From: A <a@x>', 'Subject: [PATCH] x', '', 'msg', '---',
      'diff --git a/old.c b/new.c', 'similarity index 90%', 'rename from old.c', 'rename to new.c',
      '--- a/old.c', '+++ b/new.c', '@@ -1 +1 @@', '-a', '+b',
      'diff --git a/run.sh b/run.sh', 'old mode 100644', 'new mode 100755',
      'diff --git a/logo.png b/logo.png', 'index 1..2 100644', 'Binary files a/logo.png and b/logo.png differ',
      '-- ', '2.39.5', '',
    ].join('\n');
    const s = parseSeriesText(text, 't.patch');
    const f = s.patches[0].files;
    assert.deepEqual(f.map((x) => [x.oldPath, x.newPath, x.binary]), [['old.c', 'new.c', false], ['run.sh', 'run.sh', false], ['logo.png', 'logo.png', true]]);
  });

  const bad: [string, string, RegExp][] = [
    ['empty input', '   \n', /empty input/],
    ['binary data', 'From x\0y', /binary data/],
    ['prose without a diff', 'From: a@x\nSubject: [PATCH] hello\n\njust words\n', /no patch with a diff/],
    ['a mail with a broken header block', 'From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\nthis is not a header\n\nbody\n', /malformed mail header/],
    ['a hunk with wrong counts', 'Subject: [PATCH] x\n\n---\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+b\n', /malformed diff/],
    ['two revisions of one patch', 'From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH 1/2] a\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n\nFrom mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH 1/2] a\n\n---\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n', /two patches numbered 1\/2/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what} with one clear message`, () => {
      assert.throws(() => parseSeriesText(text, 'in.mbox'), (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'));
    });
  }

  it('rejects a missing path and a folder without patches', () => {
    assert.throws(() => loadSeries(join(SERIES, 'nope.mbox')), /no such file/);
    assert.throws(() => loadSeries(join(SERIES, 'tree', 'include')), /no \.patch/);
  });
});
