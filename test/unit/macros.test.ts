// Object-like macros with constant values: read from the #define lines a file gives, config-dependent
// ones left out, and used by the simulator where the code compares against them.
import assert from 'node:assert/strict';
import { constantValue, expandExpr, exprMacros, objectMacros } from '../../extension/core/parse/macros';
import { analyzeFiles } from '../../extension/core/analyze';

const HEADER = `#ifndef _PQ_H
#define _PQ_H
#define PQ_ORDER	4
#define PQ_RING		(1 << PQ_ORDER)	/* entries */
#define PQ_MASK		(PQ_RING - 1)
#define PQ_ANCHOR	~0UL
#define PQ_BITS		BIT(3) | GENMASK(2, 1)
#define PQ_WIDE		BIT_ULL(63)
#define pq_index(x)	((x) & PQ_MASK)
#define PQ_LONG		1 + \\
			2
#ifdef CONFIG_PQ
#define pq_enabled	1
#else
#define pq_enabled	(0)
#endif
#endif
`;

describe('object-like macros', () => {
  const m = objectMacros(HEADER);
  const value = (n: string) => constantValue(m.get(n)!, (k) => m.get(k));

  it('reads each constant #define inside an include guard, values evaluated through other macros', () => {
    assert.equal(value('PQ_ORDER'), 4n);
    assert.equal(value('PQ_RING'), 16n);
    assert.equal(value('PQ_MASK'), 15n);
    assert.equal(value('PQ_ANCHOR'), -1n);
    assert.equal(value('PQ_BITS'), 14n);
    assert.equal(value('PQ_WIDE'), 1n << 63n);
  });

  it('leaves out function-like macros, continued lines and definitions that depend on the configuration', () => {
    assert.equal(m.has('pq_index'), false);
    assert.equal(m.has('PQ_LONG'), false);
    assert.equal(m.has('pq_enabled'), false);
    assert.equal(m.has('_PQ_H'), false);
  });

  it('gives no value for what is not a constant: a variable, a cycle, a division by zero', () => {
    const lookup = (k: string) => ({ A: 'B + 1', B: 'A', C: 'nr_units', D: '4 / 0' } as Record<string, string>)[k];
    assert.equal(constantValue('A', lookup), undefined);
    assert.equal(constantValue('C', lookup), undefined);
    assert.equal(constantValue('D', lookup), undefined);
    assert.equal(constantValue('(u32)7 << 1', lookup), 14n);
  });

  it('the simulator compares against them: a zeroed field is never the anchor, so the free is taken on every path', async () => {
    const text = `${HEADER}
struct pq_node { unsigned long pfn; };
static void pq_free_node(struct pq_node *n)
{
	if (n->pfn != PQ_ANCHOR)
		kfree(n);
}
int pq_try(void)
{
	struct pq_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return -ENOMEM;
	pq_free_node(n);
	return -EBUSY;
}
`;
    const r = await analyzeFiles([{ path: 'pq.c', text }]);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
    // Read as an unknown, the anchor would make a path where the node is kept and leaked.
    const unknown = await analyzeFiles([{ path: 'pq.c', text: text.replace('#define PQ_ANCHOR\t~0UL\n', '') }]);
    assert.deepEqual(unknown.findings.map((f) => f.rule), ['mem/leak']);
  });
});

describe('loops past the loop bound', () => {
  const ring = (count: string) => `#define PQ_SLOTS ${count}
struct pq { void *slot[16]; };
int pq_fill(struct pq *q)
{
	int i;
	void *spare;

	for (i = 0; i < PQ_SLOTS; i++)
		q->slot[i] = NULL;
	spare = kzalloc(64, GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	return -EINVAL;
}
`;

  it('a loop that runs a known number of times beyond the bound is left with what it assigns unknown, and the code after it is checked', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: ring('8') }]);
    assert.deepEqual(r.findings.map((f) => f.rule), ['mem/leak']);
    assert.equal(r.bounded, true);
    assert.ok(r.findings[0].trace.some((s) => s.op === 'loop bound' && /leaves it with i unknown/.test(s.detail)));
  });

  it('a loop whose known count ends one past the bound leaves by its condition: not bounded', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: ring('4') }], { loopBound: 3 });
    assert.deepEqual(r.findings.map((f) => f.rule), ['mem/leak']);
    assert.equal(r.bounded, false);
  });
});

describe('expression macros', () => {
  const HDR = `#define pq_ctx_dev(ctx)	(&(ctx)->pq_dev.conf_dev)
#define pq_lock_of(q) \\
	(&(q)->lock)
#define PQ_BUS(x)	(((x) >> 8) & 0xff)
#define pq_dbg(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pq_stmt(q)	do { (q)->n = 0; } while (0)
#ifdef CONFIG_PQ
#define pq_cfg(q)	((q)->cfg)
#endif
`;

  it('reads macros whose body is one expression, continued lines joined; leaves out variadic, statement and config-dependent ones', () => {
    const m = exprMacros(HDR);
    assert.deepEqual(m.get('pq_ctx_dev'), { params: ['ctx'], body: '(&(ctx)->pq_dev.conf_dev)' });
    assert.equal(m.get('pq_lock_of')?.body, '(&(q)->lock)');
    assert.equal(expandExpr(m.get('PQ_BUS')!, ['req->rid']), '((((req->rid)) >> 8) & 0xff)');
    assert.equal(expandExpr({ params: ['p', 't'], body: 'container_of(p, t, node)' }, ['n', 'struct pq_ctx']), 'container_of(n, struct pq_ctx, node)');
    assert.equal(m.has('pq_dbg'), false);
    assert.equal(m.has('pq_stmt'), false);
    assert.equal(m.has('pq_cfg'), false);
  });

  it('the simulator evaluates them in the caller: the device a macro names is the one whose release runs', async () => {
    const text = `${HDR}
struct pq_dev { struct device conf_dev; };
struct pq_ctx { struct pq_dev pq_dev; struct mutex *lock; };
static void pq_ctx_release(struct device *dev)
{
	struct pq_ctx *ctx = container_of(dev, struct pq_ctx, pq_dev.conf_dev);

	kfree(ctx);
}
static const struct device_type pq_ctx_type = { .release = pq_ctx_release };
int pq_open(struct device *parent, struct pq_ctx **out)
{
	struct pq_ctx *ctx;
	struct device *dev;
	int rc;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	dev = pq_ctx_dev(ctx);
	device_initialize(dev);
	dev->type = &pq_ctx_type;
	rc = device_add(dev);
	if (rc) {
		put_device(dev);
		kfree(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}
`;
    const r = await analyzeFiles([{ path: 'pq.c', text }]);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.function]), [['iopf/use-after-free', 'pq_open']]);
    assert.ok(r.findings[0].trace.some((s) => s.op === 'call pq_ctx_release()'), 'the release of the device the macro names runs');
    const fixed = await analyzeFiles([{ path: 'pq.c', text: text.replace('\t\tkfree(ctx);\n\t\treturn rc;', '\t\treturn rc;') }]);
    assert.deepEqual(fixed.findings.map((f) => f.rule), []);
  });
});
