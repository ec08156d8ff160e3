// Might-sleep across the tree: calls the path does not follow itself (past the call-depth bound,
// through an ops pointer) are judged by the tree's bodies, and the summary follows edits.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';
import { Workspace } from '../../extension/core/index';
import { loadLanguage } from '../../extension/core/parse/parser';
import { sleepChain } from '../../extension/core/sim/might-sleep';

/** Helpers nested deeper than the call-depth bound, the last one sleeping; @locked: called under a spinlock. */
function chain(locked: boolean): string {
  const levels = Array.from({ length: 7 }, (_, i) => i + 1);
  const helpers = levels.map((i) => `static void dp_l${i}(struct dp_dev *d) { ${i === 7 ? 'msleep(1);' : `dp_l${i + 1}(d);`} }`).reverse().join('\n');
  const body = locked ? '\tspin_lock(&d->lock);\n\tdp_l1(d);\n\tspin_unlock(&d->lock);' : '\tspin_lock(&d->lock);\n\td->v++;\n\tspin_unlock(&d->lock);\n\tdp_l1(d);';
  return `struct dp_dev { spinlock_t lock; int v; };\n\n${helpers}\n\nvoid dp_entry(struct dp_dev *d)\n{\n${body}\n}\n`;
}

describe('might-sleep across the tree', () => {
  before(loadLanguage);

  it('a helper chain deeper than the call-depth bound that ends in msleep(), called under a spinlock, is reported with the chain', async () => {
    const r = await analyzeFiles([{ path: 'dp.c', text: chain(true) }]);
    const f = r.findings.filter((x) => x.rule === 'lock/sleep-in-atomic');
    assert.equal(f.length, 1);
    assert.match(f[0].message, /dp_l\d\(\) → (dp_l\d\(\) → )*dp_l7\(\) → msleep\(\) may sleep while a spinlock is held/);
  });

  it('the same chain called after the unlock is clean', async () => {
    const r = await analyzeFiles([{ path: 'dp.c', text: chain(false) }]);
    assert.deepEqual(r.findings.filter((x) => x.rule === 'lock/sleep-in-atomic'), []);
  });

  it('the summary follows an edit of a callee', async () => {
    const text = chain(true);
    const ws = await Workspace.create([{ path: 'dp.c', text }]);
    try {
      assert.deepEqual(sleepChain(ws, 'dp_l5'), ['dp_l5()', 'dp_l6()', 'dp_l7()', 'msleep()']);
      ws.update('dp.c', text.replace('msleep(1);', 'udelay(1);'));
      assert.equal(sleepChain(ws, 'dp_l5'), undefined);
    } finally {
      ws.dispose();
    }
  });
});
