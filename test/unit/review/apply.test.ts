// In-memory application: the series in order, offsets as git applies them, hunks that do not apply named precisely, and the tree never written.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplyError, applyPatchToTree, applySeries, TreeState, unapplyPatchFromTree } from '../../../extension/core/review/apply';
import { loadSeries, parseSeriesText } from '../../../extension/core/review/series';
import { applyHunks } from '../../../extension/core/review/gitdiff';
import { reviewCommand } from '../../../extension/cli/review-commands';
import { CORE, fingerprint, PATCH_FILES, PATCHES, recordingIo, scratchTree, SERIES, TREE } from './helpers';

/** @patch's one file applied to @text as git places its hunks. */
function applyHunksOf(text: string, patch: ReturnType<typeof parseSeriesText>['patches'][number]): string {
  const r = applyHunks(text, patch.files[0].patch.hunks);
  assert.equal(typeof r, 'string', JSON.stringify(r));
  return r as string;
}

/** An analyzer that finds nothing: these tests are about applying, not simulating. */
const quiet = {
  analyzeFiles: async () => ({ findings: [], functions: [], unknownCalls: [], bounded: false }),
  simulateFunction: async () => ({ function: {} as never, paths: [], bounded: false }),
};

describe('review/apply: a series in order, in memory', () => {
  it('applies each patch on the result of the one before', () => {
    const series = loadSeries(PATCHES);
    const applied = applySeries(TreeState.open(TREE), series.patches);
    assert.equal(applied.length, 4);
    const core = (i: number) => applied[i].after.read(CORE)!;
    assert.match(core(0), /^void iommu_report_device_fault\(/m);
    assert.doesNotMatch(core(0), /return ret;\n\t}\n\n\tgroup = iopf_group_alloc/);
    assert.match(core(1), /ack'd \*\/\n\t\tmutex_unlock\(&param->lock\);\n\t\treturn;/);
    assert.match(core(2), /^int iommu_report_device_fault\(/m);
    assert.match(core(2), /err_bad_iopf:/);
    assert.match(core(3), /kfree_rcu\(fault_param, rcu\)/);
    assert.match(core(3), /refcount_inc_not_zero\(&fault_param->users\)/);
    // each state is kept: the state before patch 3 is the state after patch 2
    assert.equal(applied[2].before.read(CORE), core(1));
    assert.equal(applied[0].before.read(CORE), readFileSync(join(TREE, CORE), 'utf8'));
  });

  it('applies with an offset when lines were added above the hunks', () => {
    const t = scratchTree();
    try {
      const path = join(t.dir, CORE);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, `/* a\n * comment\n * the series\n * never saw\n */\n${text}`);
      const applied = applySeries(TreeState.open(t.dir), loadSeries(PATCHES).patches);
      assert.match(applied[3].after.read(CORE)!, /never saw/);
      assert.match(applied[3].after.read(CORE)!, /kfree_rcu/);
    } finally {
      t.done();
    }
  });

  it('a context line that differs from the tree does not apply: git am takes no fuzz, and the review applies what git would', () => {
    const t = scratchTree();
    try {
      const path = join(t.dir, CORE);
      const text = readFileSync(path, 'utf8');
      // a context line of patch 1's hunk, reworded in the tree
      const changed = text.replace('\tstruct dev_iommu *param = dev->iommu;\n\tstruct iommu_attach_handle *attach_handle;\n',
        '\tstruct dev_iommu *param = dev->iommu;\t/* set once */\n\tstruct iommu_attach_handle *attach_handle;\n');
      assert.notEqual(changed, text);
      writeFileSync(path, changed);
      assert.throws(() => applyPatchToTree(TreeState.open(t.dir), loadSeries(PATCH_FILES[0]).patches[0]), (e: unknown) => e instanceof ApplyError && /context does not match/.test(e.message));
    } finally {
      t.done();
    }
  });

  it('a hunk whose context is in the file twice goes where git puts it: the place its new start names, not its old', () => {
    const twin = (name: string) => `int ${name}(struct mutex *m)\n{\n\tmutex_lock(m);\n\twork();\n\tmutex_unlock(m);\n\treturn 0;\n}\n`;
    const text = `${twin('twin_a')}\n${twin('twin_b')}`;
    // Old start 4 (twin_a), new start 12 (twin_b): git searches from the new start.
    const diff = '--- a/t.c\n+++ b/t.c\n@@ -4,3 +12,3 @@\n \twork();\n-\tmutex_unlock(m);\n+\treturn 0;\n \treturn 0;\n';
    const patch = parseSeriesText(diff, 'twin.diff').patches[0];
    const after = applyHunksOf(text, patch);
    assert.match(after, /twin_a[^}]*mutex_unlock/);
    assert.doesNotMatch(after, /twin_b[^}]*mutex_unlock/);
  });

  it('names the patch, the file and the hunk that does not apply', () => {
    const t = scratchTree();
    try {
      const path = join(t.dir, CORE);
      writeFileSync(path, readFileSync(path, 'utf8').replace('\t\tret = report_partial_fault(fault_param, fault);\n', '\t\treport_partial_fault(fault_param, fault);\n'));
      assert.throws(() => applySeries(TreeState.open(t.dir), loadSeries(PATCHES).patches), (e: unknown) => {
        assert.ok(e instanceof ApplyError);
        assert.equal(e.file, CORE);
        assert.equal(e.hunk, 1);
        assert.match(e.patch, /Make iommu_report_device_fault\(\) return void/);
        assert.match(e.message, /hunk #1 \(@@ -\d+,\d+ \+\d+,\d+ @@\)/);
        assert.match(e.message, /ret = report_partial_fault/);
        return true;
      });
    } finally {
      t.done();
    }
  });

  it('reports a patch whose file is missing from the tree', () => {
    const t = scratchTree();
    try {
      const state = TreeState.open(join(t.dir, 'drivers'));
      assert.throws(() => applyPatchToTree(state, loadSeries(PATCH_FILES[1]).patches[0]), /io-pgfault\.c: hunk #1 .*: the file is not in the tree/);
    } finally {
      t.done();
    }
  });

  it('finds a patch the tree already holds by reversing it strictly', () => {
    const series = loadSeries(PATCHES);
    const applied = applySeries(TreeState.open(TREE), series.patches);
    const t = scratchTree();
    try {
      // the tree as it is after patch 2, written out: patch 2 reverses, patch 3 does not (it is not in the tree yet)
      for (const f of ['drivers/iommu/io-pgfault.c', 'include/linux/iommu.h', 'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c']) {
        writeFileSync(join(t.dir, f), applied[1].after.read(f)!);
      }
      const state = TreeState.open(t.dir);
      const un = unapplyPatchFromTree(state, series.patches[1]);
      assert.ok(un);
      assert.equal(un.before.read(CORE), applied[1].before.read(CORE));
      assert.equal(unapplyPatchFromTree(state, series.patches[2]), undefined);
    } finally {
      t.done();
    }
  });
});

describe('review command: bad input exits 2 with one line and leaves the tree alone', () => {
  it('a hunk that does not apply', async () => {
    const t = scratchTree();
    try {
      const path = join(t.dir, CORE);
      writeFileSync(path, readFileSync(path, 'utf8').replace('\t\tret = -ENODEV;\n', '\t\tret = -ENXIO;\n'));
      const before = fingerprint(t.dir);
      const io = recordingIo(t.dir);
      const code = await reviewCommand([join(SERIES, 'series.mbox')], io, { analyzer: quiet });
      assert.equal(code, 2);
      assert.equal(io.out, '');
      assert.equal(io.err.trim().split('\n').length, 1, io.err);
      assert.match(io.err, /^iopf-lens review: patch "\[PATCH v2 1\/4\] iommu: Make iommu_report_device_fault\(\) return void" does not apply: drivers\/iommu\/io-pgfault\.c: hunk #1/);
      assert.doesNotMatch(io.err, /\bat .*\.ts:\d+/); // no stack trace
      assert.deepEqual(fingerprint(t.dir), before);
    } finally {
      t.done();
    }
  });

  it('a successful review writes nothing either', async () => {
    const t = scratchTree();
    try {
      const before = fingerprint(t.dir);
      const io = recordingIo(t.dir);
      const code = await reviewCommand([join(SERIES, 'series.mboxrd'), '--format', 'json'], io, { analyzer: quiet });
      assert.equal(code, 0, io.err);
      assert.equal(JSON.parse(io.out).patches.length, 4);
      assert.deepEqual(fingerprint(t.dir), before);
    } finally {
      t.done();
    }
  });

  const cases: [string, string[], RegExp][] = [
    ['a malformed mbox', ['MALFORMED'], /malformed mail header/],
    ['a missing input', [], /what to review is missing/],
    ['an unknown option', ['x.mbox', '--frobnicate', '1'], /unknown option --frobnicate/],
    ['an unknown format', ['x.mbox', '--format', 'xml'], /unknown format "xml"/],
    ['a missing tree', ['PATCH1', '--tree', '/nonexistent/tree'], /tree not found/],
  ];
  for (const [what, args, re] of cases) {
    it(what, async () => {
      const t = scratchTree();
      try {
        const bad = join(t.dir, 'bad.mbox');
        writeFileSync(bad, 'From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: [PATCH] x\nnot a header line\n\n--- a/f\n+++ b/f\n');
        const argv = args.map((a) => (a === 'MALFORMED' ? bad : a === 'PATCH1' ? PATCH_FILES[0] : a));
        const before = fingerprint(t.dir);
        const io = recordingIo(t.dir);
        assert.equal(await reviewCommand(argv, io, { analyzer: quiet }), 2);
        assert.match(io.err, re);
        assert.equal(io.out, '');
        assert.deepEqual(fingerprint(t.dir), before);
      } finally {
        t.done();
      }
    });
  }
});

describe('review command: input from stdin and --tree=DIR', () => {
  it('reads the mailbox from stdin when the input is "-"', async () => {
    const io = recordingIo('/', readFileSync(join(SERIES, 'series.mboxrd'), 'utf8'));
    const code = await reviewCommand(['-', `--tree=${TREE}`, '--format=json'], io, { analyzer: quiet });
    assert.equal(code, 0, io.err);
    const j = JSON.parse(io.out);
    assert.equal(j.title, 'iommu: IOPF report path fixes and refcounted fault data');
    assert.equal(j.patches.length, 4);
    assert.equal(j.tree, TREE);
  });
});

describe('review/apply: created, deleted and renamed files', () => {
  it('creates, deletes and renames in memory, and lists the new state', () => {
    const t = scratchTree();
    try {
      const mail = [
        'From: T <t@x>', 'Subject: [PATCH] move things', '', 'msg', '---',
        'diff --git a/drivers/iommu/new-helper.c b/drivers/iommu/new-helper.c', 'new file mode 100644', 'index 0000000..1111111',
        '--- /dev/null', '+++ b/drivers/iommu/new-helper.c', '@@ -0,0 +1,4 @@', '+int helper(void)', '+{', '+\treturn 0;', '+}',
        'diff --git a/include/linux/iommu.h b/include/linux/iommu.h', 'deleted file mode 100644', 'index 1111111..0000000',
        '--- a/include/linux/iommu.h', '+++ /dev/null',
        '@@ -1,3 +0,0 @@', '-/* SPDX-License-Identifier: GPL-2.0 */', '-/*', '- * iommu.h - the declarations the iopf-lens fixture core needs: fault events,',
        'diff --git a/drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c b/drivers/iommu/arm/arm-smmu-v3/evtq.c', 'similarity index 100%',
        'rename from drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c', 'rename to drivers/iommu/arm/arm-smmu-v3/evtq.c', '',
      ].join('\n');
      // the deletion hunk above removes only the first lines; cut the header to match so the hunk applies exactly
      const header = join(t.dir, 'include', 'linux', 'iommu.h');
      writeFileSync(header, readFileSync(header, 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
      const state = TreeState.open(t.dir);
      const before = fingerprint(t.dir);
      const a = applyPatchToTree(state, parseSeriesText(mail, 'm.patch').patches[0]);
      assert.equal(a.after.read('drivers/iommu/new-helper.c'), 'int helper(void)\n{\n\treturn 0;\n}\n');
      assert.equal(a.after.read('include/linux/iommu.h'), undefined);
      assert.equal(a.after.read('drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c'), undefined);
      assert.equal(a.after.read('drivers/iommu/arm/arm-smmu-v3/evtq.c'), state.read('drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-evtq.c'));
      assert.ok(a.after.list('drivers/iommu').includes('drivers/iommu/new-helper.c'));
      assert.ok(!a.after.list('include/linux').includes('include/linux/iommu.h'));
      assert.ok(state.exists('include/linux/iommu.h'), 'the state before the patch is unchanged');
      assert.deepEqual(fingerprint(t.dir), before);
      assert.throws(() => applyPatchToTree(a.after, parseSeriesText(mail, 'm.patch').patches[0]), /new-helper\.c: hunk #1 .*already exists/);
      // deleting a file whose text differs from what the patch removes does not apply
      writeFileSync(header, '/* SPDX-License-Identifier: GPL-2.0 */\n/* changed since */\n');
      assert.throws(() => applyPatchToTree(TreeState.open(t.dir), parseSeriesText(mail, 'm.patch').patches[0]), /include\/linux\/iommu\.h: hunk #1/);
    } finally {
      t.done();
    }
  });
});
