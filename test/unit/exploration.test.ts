// The order paths are explored in: when a bound stops the exploration, the early error branches
// of a long function have been explored as well as the deep variations of its last decisions.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

/** A function whose early error path leaks, followed by @n independent decisions (2^n paths). */
function longFunction(n: number): string {
  const tests = Array.from({ length: n }, (_, i) => `\tif (cfg->bit${i})\n\t\tbuf->flags |= ${1 << (i % 16)};\n\tspin_lock(&cfg->lock);\n\tspin_unlock(&cfg->lock);`).join('\n');
  return `struct pq_cfg { spinlock_t lock; ${Array.from({ length: n }, (_, i) => `int bit${i};`).join(' ')} int bad; };
struct pq_buf { int flags; };

int pq_configure(struct pq_cfg *cfg, struct pq_buf **out)
{
	struct pq_buf *buf;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (cfg->bad)
		return -EINVAL;
${tests}
	*out = buf;
	return 0;
}
`;
}

describe('exploration order', () => {
  it('a leak on the first error branch is found although the decisions after it need far more paths than the bound', async () => {
    const text = longFunction(14);
    const r = await analyzeFiles([{ path: 'pq.c', text }], { maxPaths: 200 });
    const fn = r.functions.find((f) => f.name === 'pq_configure')!;
    assert.equal(fn.bounded, true, '2^14 paths do not fit in 200');
    const leak = r.findings.find((f) => f.rule === 'mem/leak');
    assert.ok(leak, 'the early error path was explored');
    assert.equal(leak.line, text.split('\n').findIndex((l) => l.includes('kzalloc')) + 1);
    assert.equal(leak.severity, 'error', 'on a path that returns failure');
  });

  it('without the kernel-wide checks a function that only allocates is not simulated and its leak is not reported', async () => {
    const text = longFunction(2);
    const all = await analyzeFiles([{ path: 'pq.c', text }]);
    assert.ok(all.findings.some((f) => f.rule === 'mem/leak'));
    const core = await analyzeFiles([{ path: 'pq.c', text }], { kernelWide: false });
    assert.deepEqual(core.findings, []);
    assert.equal(core.functions.find((f) => f.name === 'pq_configure')!.paths, 0);
  });

  it('two allocations leaked at one exit are two findings, not one with the other as its consequence', async () => {
    const text = `struct pq_ctx { void *a; void *b; };

int pq_pair(struct pq_ctx *ctx, int bad)
{
	void *a, *b;

	a = kzalloc(64, GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	b = kzalloc(32, GFP_KERNEL);
	if (!b) {
		kfree(a);
		return -ENOMEM;
	}
	if (bad)
		return -EINVAL;
	ctx->a = a;
	ctx->b = b;
	return 0;
}
`;
    const r = await analyzeFiles([{ path: 'pq.c', text }]);
    const lines = text.split('\n');
    assert.deepEqual(r.findings.filter((f) => f.rule === 'mem/leak').map((f) => [f.line, f.consequences?.length ?? 0]),
      [[lines.findIndex((l) => l.includes('kzalloc(64')) + 1, 0], [lines.findIndex((l) => l.includes('kzalloc(32')) + 1, 0]]);
  });

  it('a loop whose count the path does not know is left at the bound, so a leak after it is still found', async () => {
    const text = `struct lp_dev { int n; int *regs; };

int lp_setup(struct lp_dev *d, void **out)
{
	void *buf;
	int i;

	for (i = 0; i < d->n; i++)
		d->regs[i] = 0;
	buf = kzalloc(64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (d->n > 8)
		return -EINVAL;
	*out = buf;
	return 0;
}
`;
    const r = await analyzeFiles([{ path: 'lp.c', text }]);
    const lines = text.split('\n');
    assert.deepEqual(r.findings.filter((f) => f.rule === 'mem/leak').map((f) => f.line), [lines.findIndex((l) => l.includes('kzalloc')) + 1]);
    const fn = r.functions.find((f) => f.name === 'lp_setup')!;
    assert.equal(fn.bounded, true, 'the loop was unrolled only up to the bound');
  });

  it('explored exhaustively, the same findings whatever the order: the fixed function is clean', async () => {
    const text = longFunction(4).replace('\t\treturn -EINVAL;', '\t{\n\t\tkfree(buf);\n\t\treturn -EINVAL;\n\t}').replace('if (cfg->bad)\n\t{', 'if (cfg->bad) {');
    const r = await analyzeFiles([{ path: 'pq.c', text }]);
    assert.equal(r.bounded, false);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
    assert.equal(r.functions.find((f) => f.name === 'pq_configure')!.paths, 2 + 16);
  });
});

describe('the main path first', () => {
  /** A request ring drained by a thread: three rare rejections, then a device reference taken and, with @put, dropped. */
  const ring = (rare: (c: string) => string, put: boolean) => `struct pq_req { int bad_a, bad_b, bad_c, bad_d, rid; };
struct pq { void __iomem *reg; struct pq_req ring[16]; };
void pq_deliver(struct pq *q, struct device *dev, struct pq_req *req);
irqreturn_t pq_thread(int irq, void *d)
{
	struct pq *q = d;
	struct pq_req *req;
	struct pci_dev *pdev;
	int head, tail;

	head = readl(q->reg);
	tail = readl(q->reg + 8);
	while (head != tail) {
		req = &q->ring[head];
		if (${rare('req->bad_a')})
			goto next;
		if (${rare('req->bad_b && req->bad_c')})
			goto next;
		if (${rare('req->bad_d')})
			goto next;
		pdev = pci_get_domain_bus_and_slot(0, req->rid >> 8, req->rid & 0xff);
		if (!pdev)
			goto next;
		pq_deliver(q, &pdev->dev, req);${put ? '\n\t\tpci_dev_put(pdev);' : ''}
next:
		head = (head + 1) & 15;
	}
	return IRQ_HANDLED;
}
`;
  const unlikely = (c: string) => `unlikely(${c})`;

  it('conditions the code marks unlikely() are false on the first path: one path reaches the reference the main path leaks', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: ring(unlikely, false) }], { maxPaths: 1 });
    assert.deepEqual(r.findings.map((f) => f.rule), ['iopf/refcount-imbalance']);
    const fixed = await analyzeFiles([{ path: 'pq.c', text: ring(unlikely, true) }], { maxPaths: 1 });
    assert.deepEqual(fixed.findings.map((f) => f.rule), []);
  });

  it('without the annotation the first path takes each rejection, and the deviations find the leak', async () => {
    const plain = (c: string) => c;
    const first = await analyzeFiles([{ path: 'pq.c', text: ring(plain, false) }], { maxPaths: 1 });
    assert.deepEqual(first.findings.map((f) => f.rule), []);
    const all = await analyzeFiles([{ path: 'pq.c', text: ring(plain, false) }], { maxPaths: 400 });
    assert.deepEqual(all.findings.map((f) => f.rule), ['iopf/refcount-imbalance']);
  });

  it('a WARN_ON() condition is taken as false first, and its true branch is still explored', async () => {
    const text = `struct pq_obj { int state; };
int pq_close(struct pq_obj *o)
{
	void *buf = kzalloc(64, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	if (WARN_ON(o->state))
		return -EINVAL;
	kfree(buf);
	return 0;
}
`;
    const one = await analyzeFiles([{ path: 'pq.c', text }], { maxPaths: 1 });
    assert.deepEqual(one.findings.map((f) => f.rule), []);
    const all = await analyzeFiles([{ path: 'pq.c', text }]);
    assert.deepEqual(all.findings.map((f) => f.rule), ['mem/leak']);
  });
});
