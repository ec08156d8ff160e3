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

  /** A character device's release that marks a PASID's entries in an event log and drains the queue's work, under the log's lock (@lock). */
  function evlRelease(lock: 'spin' | 'mutex', drain = 'drain_workqueue(wq->wq);'): string {
    const [take, drop, type] = lock === 'spin' ? ['spin_lock', 'spin_unlock', 'spinlock_t'] : ['mutex_lock', 'mutex_unlock', 'struct mutex'];
    return `struct dq_evl { ${type} lock; u16 head, tail, size; u32 *pasids; unsigned long *bmap; };
struct dq_wq { struct dq_evl *evl; struct workqueue_struct *wq; };

static void dq_drain_pasid(struct dq_wq *wq, u32 pasid)
{
	struct dq_evl *evl = wq->evl;
	u16 h;

	if (!evl)
		return;
	${take}(&evl->lock);
	for (h = evl->head; h != evl->tail; h = (h + 1) % evl->size)
		if (evl->pasids[h] == pasid)
			set_bit(h, evl->bmap);
	if (wq->wq)
		${drain}
	${drop}(&evl->lock);
}

static int dq_release(struct inode *node, struct file *filep)
{
	struct dq_wq *wq = filep->private_data;

	dq_drain_pasid(wq, 1);
	return 0;
}

static const struct file_operations dq_fops = { .release = dq_release };
`;
  }

  it('a workqueue drained under a spinlock (no body in the tree) is reported; under a mutex it is clean', async () => {
    const spin = await analyzeFiles([{ path: 'dq.c', text: evlRelease('spin') }]);
    const f = spin.findings.filter((x) => x.rule === 'lock/sleep-in-atomic');
    assert.equal(f.length, 1, JSON.stringify(spin.findings));
    assert.match(f[0].message, /drain_workqueue\(\) may sleep while a spinlock is held/);
    const mutex = await analyzeFiles([{ path: 'dq.c', text: evlRelease('mutex') }]);
    assert.deepEqual(mutex.findings.filter((x) => x.rule === 'lock/sleep-in-atomic'), []);
  });

  it('a call without a body given a sleeping allocation flag under a spinlock may sleep; the xarray\'s locked forms drop xa_lock to allocate', async () => {
    const gfp = await analyzeFiles([{ path: 'dq.c', text: evlRelease('spin', 'dq_table_grow(&dq_table, GFP_KERNEL);') }]);
    assert.match(gfp.findings.find((x) => x.rule === 'lock/sleep-in-atomic')?.message ?? '', /dq_table_grow\(\) may sleep while a spinlock is held/);
    const atomic = await analyzeFiles([{ path: 'dq.c', text: evlRelease('spin', 'dq_table_grow(&dq_table, GFP_ATOMIC);') }]);
    assert.deepEqual(atomic.findings.filter((x) => x.rule === 'lock/sleep-in-atomic'), []);
    const xa = await analyzeFiles([{ path: 'dq.c', text: evlRelease('spin', '__xa_store(&dq_xa, 1, evl, GFP_KERNEL);') }]);
    assert.deepEqual(xa.findings.filter((x) => x.rule === 'lock/sleep-in-atomic'), []);
  });
});
