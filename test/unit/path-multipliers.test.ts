// What multiplies a function's paths without telling a rule anything: a callee that touches nothing
// the model follows (ring arithmetic, register polls), followed along one path; switch cases that
// share their code; flag bits only stored; a ring the hardware wrote, drained once per descriptor
// present instead of up to a loop bound. Nothing the rules read may be lost on the way (a NULL
// handed to a callee, a result the caller's state decides, a lock dropped on a callee's word).
import assert from 'node:assert/strict';
import { analyzeFiles, simulateFunction } from '../../extension/core/analyze';

const file = '/t/ring.c';
const text = `struct ring { u32 prod; u32 cons; void __iomem *base; };
struct my_dev { struct mutex lock; struct ring q; int *buf; int state; };

static int ring_has_space(struct ring *q, int n)
{
	u32 space;

	if (q->prod >= q->cons)
		space = 64 - (q->prod - q->cons);
	else
		space = q->cons - q->prod;
	return space >= n;
}

static void ring_kick(struct ring *q)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (readl(q->base + i) & 1)
			writel(i, q->base);
		if (readl(q->base + 8) & 2)
			q->prod++;
		if (readl(q->base + 16) & 4)
			q->cons++;
	}
}

int my_submit(struct my_dev *d)
{
	int *cmd = kzalloc(16, GFP_KERNEL);

	if (!cmd)
		return -ENOMEM;
	mutex_lock(&d->lock);
	ring_kick(&d->q);
	ring_kick(&d->q);
	ring_kick(&d->q);
	if (!ring_has_space(&d->q, 2)) {
		mutex_unlock(&d->lock);
		return -EBUSY;
	}
	d->buf = cmd;
	mutex_unlock(&d->lock);
	return 0;
}

static int ring_peek(struct ring *q)
{
	if (readl(q->base) & 1)
		return q->prod;
	return q->cons;
}

int my_peek(struct my_dev *d)
{
	struct ring *q = kzalloc(sizeof(*q), GFP_ATOMIC);
	int v;

	q->base = d->q.base;
	v = ring_peek(q);
	kfree(q);
	return v;
}

int my_peek_late(struct my_dev *d)
{
	struct ring *q = kzalloc(sizeof(*q), GFP_ATOMIC);
	int v;

	v = ring_peek(q);
	kfree(q);
	return v;
}

static int is_started(struct my_dev *d)
{
	return d->state == 2;
}

int my_stop(struct my_dev *d)
{
	int *p = kzalloc(16, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	d->state = 1;
	if (is_started(d))
		return -EBUSY;
	d->buf = p;
	return 0;
}
`;

describe('callees that touch nothing the model follows', () => {
  it('run along one path: the caller is run to a verdict and its leak is still found', async () => {
    const r = await analyzeFiles([{ path: file, text }], { kernelWide: true });
    const submit = r.functions.find((f) => f.name === 'my_submit')!;
    assert.equal(submit.bounded, false, JSON.stringify(submit));
    assert.ok(submit.paths > 0 && submit.paths < 20, `${submit.paths} paths`);
    const leak = r.findings.find((f) => f.rule === 'mem/leak' && f.function === 'my_submit');
    assert.ok(leak, JSON.stringify(r.findings.map((f) => [f.rule, f.function, f.line])));
    assert.equal(leak.line, 31, 'the buffer allocated at line 31 leaks');
    assert.match(leak.message, /returns failure/);
  });

  it('the trace says so once per call, without the callee\'s own steps', async () => {
    const s = await simulateFunction([{ path: file, text }], file, 'my_submit', { kernelWide: true });
    const steps = s.paths[0].steps;
    assert.equal(steps.filter((st) => st.function === 'ring_kick').length, 0, 'no step of ring_kick itself');
    const summary = steps.filter((st) => st.op === 'ring_kick()');
    assert.equal(summary.length, 3);
    assert.match(summary[0].detail, /touches nothing the model follows/);
  });

  it('a NULL handed to such a callee is followed on every path of it', async () => {
    const r = await analyzeFiles([{ path: file, text }], { kernelWide: true });
    const derefs = r.findings.filter((f) => f.rule === 'mem/null-deref').map((f) => `${f.function}:${f.line}`);
    // In the caller, before the call; and inside the callee, where the caller handed it on.
    assert.ok(derefs.includes('my_peek:60'), JSON.stringify(derefs));
    assert.ok(derefs.includes('my_peek_late → ring_peek:50'), JSON.stringify(derefs));
  });

  it('a result the caller\'s own state decides is kept, so no impossible path is reported', async () => {
    const r = await analyzeFiles([{ path: file, text }], { kernelWide: true });
    assert.deepEqual(r.findings.filter((f) => f.function === 'my_stop').map((f) => `${f.rule}:${f.line}`), []);
  });
});

const evtFile = '/t/evt.c';
const evtText = `struct my_fault { u32 perm; u32 reason; u64 addr; };
struct my_dev { struct mutex lock; int *last; };

int my_handle_evt(struct my_dev *d, u64 *evt)
{
	u32 perm = 0;
	u32 reason;
	struct my_fault *f;

	switch (evt[0] & 0xff) {
	case 0x10:
	case 0x11:
	case 0x12:
	case 0x13:
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (evt[1] & 1)
		perm |= 1;
	else
		perm |= 2;
	if (evt[1] & 4)
		perm |= 4;
	if (evt[1] & 8)
		reason = 1;
	else
		reason = 2;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->perm = perm;
	f->reason = reason;
	if (evt[1] & 16)
		return -EINVAL;
	d->last = (int *)f;
	return 0;
}

int my_tested(struct my_dev *d, u64 *evt)
{
	int *p = kzalloc(16, GFP_KERNEL);
	u32 mode = 0;

	if (!p)
		return -ENOMEM;
	if (evt[0] & 1)
		mode = 1;
	if (mode)
		return -EINVAL;
	d->last = p;
	return 0;
}
`;

describe('decisions no rule reads', () => {
  it('cases that share their code are one path, and flag bits only stored are not a path each', async () => {
    const s = await simulateFunction([{ path: evtFile, text: evtText }], evtFile, 'my_handle_evt', { kernelWide: true });
    // default; then allocation fails, the -EINVAL exit, success: 4, where case by case and bit by bit would be 4 x 8 x 3 + 1.
    assert.equal(s.paths.length, 4, s.paths.map((p) => p.decisions.join(' / ')).join('\n'));
    const sw = s.paths[0].steps.find((st) => st.op.startsWith('switch'))!;
    assert.match(sw.detail, /or 3 other cases with the same code|default/);
    const merged = s.paths.flatMap((p) => p.steps).filter((st) => /either way: perm/.test(st.detail));
    assert.ok(merged.length > 0);
    // The leak on the -EINVAL exit is still found.
    const r = await analyzeFiles([{ path: evtFile, text: evtText }], { kernelWide: true });
    assert.ok(r.findings.some((f) => f.rule === 'mem/leak' && f.function === 'my_handle_evt'), JSON.stringify(r.findings));
  });

  it('a local that a condition tests is still a decision', async () => {
    const s = await simulateFunction([{ path: evtFile, text: evtText }], evtFile, 'my_tested', { kernelWide: true });
    assert.ok(!s.paths.flatMap((p) => p.steps).some((st) => /either way/.test(st.detail)));
    const r = await analyzeFiles([{ path: evtFile, text: evtText }], { kernelWide: true });
    assert.ok(r.findings.some((f) => f.rule === 'mem/leak' && f.function === 'my_tested'), JSON.stringify(r.findings));
  });
});

const asFile = '/t/as.c';
const asText = `struct my_as { spinlock_t lock; void *pt; };

static inline bool may_block(unsigned int gfp)
{
	return !!(gfp & 0x400);
}

static void *get_pt(struct my_as *as, unsigned int gfp, unsigned long *flags)
{
	void *p;

	if (as->pt)
		return as->pt;
	if (may_block(gfp))
		spin_unlock_irqrestore(&as->lock, *flags);
	p = kzalloc(64, gfp);
	if (may_block(gfp))
		spin_lock_irqsave(&as->lock, *flags);
	as->pt = p;
	return p;
}

int my_map(struct my_as *as, unsigned int gfp)
{
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&as->lock, flags);
	p = get_pt(as, gfp, &flags);
	spin_unlock_irqrestore(&as->lock, flags);
	return p ? 0 : -ENOMEM;
}
`;

describe('a one-way callee asked twice', () => {
  it('answers the same for the same scalar arguments, so a lock dropped and retaken on its word stays balanced', async () => {
    const r = await analyzeFiles([{ path: asFile, text: asText }], { kernelWide: true });
    assert.deepEqual(r.findings.filter((f) => f.rule.startsWith('lock/')).map((f) => `${f.rule}:${f.line}: ${f.message}`), []);
    const s = await simulateFunction([{ path: asFile, text: asText }], asFile, 'my_map', { kernelWide: true });
    assert.ok(s.paths.some((p) => p.steps.some((st) => /as when it was called before/.test(st.detail))));
  });
});

const ringFile = '/t/prq.c';
const ring = (put: string) => `struct my_desc { u64 rid; u64 addr; };
struct my_iommu { void *reg; struct my_desc *ring; };

int my_prq_thread(struct my_iommu *iommu)
{
	int head, tail;

	tail = readl(iommu->reg + 8) & 0xfe0;
	head = readl(iommu->reg) & 0xfe0;
	while (head != tail) {
		struct my_desc *req = &iommu->ring[head / sizeof(*req)];
		struct pci_dev *pdev;

		pdev = pci_get_domain_bus_and_slot(0, req->rid >> 8, req->rid & 0xff);
		if (!pdev)
			goto next;
		my_handle(&pdev->dev, req);
		${put}
next:
		head = (head + sizeof(*req)) & 0xfe0;
	}
	writel(tail, iommu->reg);
	return 0;
}
`;

describe('a loop that drains a ring the hardware wrote', () => {
  it('runs once per descriptor present (one, none, two), to a verdict', async () => {
    const s = await simulateFunction([{ path: ringFile, text: ring('pci_dev_put(pdev);') }], ringFile, 'my_prq_thread', { kernelWide: true });
    assert.equal(s.bounded, false);
    const held = s.paths.map((p) => p.steps.find((st) => /the ring holds/.test(st.detail))?.detail);
    assert.ok(held.some((d) => /one ordinary descriptor/.test(d ?? '')) && held.some((d) => /no descriptor/.test(d ?? '')) && held.some((d) => /two descriptors/.test(d ?? '')), JSON.stringify(held));
    assert.ok(!s.paths.some((p) => p.steps.some((st) => st.op === 'loop bound')));
    assert.deepEqual(s.paths.flatMap((p) => p.findings).map((f) => f.rule), []);
  });

  it('finds the reference an iteration keeps', async () => {
    const r = await analyzeFiles([{ path: ringFile, text: ring('') }], { kernelWide: true });
    const fn = r.functions.find((f) => f.name === 'my_prq_thread')!;
    assert.equal(fn.bounded, false);
    assert.ok(r.findings.some((f) => f.rule === 'iopf/refcount-imbalance' && f.line === 14), JSON.stringify(r.findings.map((f) => `${f.rule}:${f.line}`)));
  });
});

const listFile = '/t/dom.c';
const listText = `struct my_info { struct list_head link; int sc; };
struct my_dom { spinlock_t lock; struct list_head devices; };

static bool all_support(struct my_dom *d)
{
	struct my_info *i;

	list_for_each_entry(i, &d->devices, link)
		if (!i->sc)
			return false;
	return true;
}

void my_set(struct my_dom *d)
{
	struct my_info *i;

	spin_lock(&d->lock);
	if (all_support(d)) {
		list_for_each_entry(i, &d->devices, link)
			i->sc = 2;
	}
	spin_unlock(&d->lock);
}
`;

describe('a callee that walks a list', () => {
  it('is followed on every path: what the list holds stays the caller\'s decision', async () => {
    const s = await simulateFunction([{ path: listFile, text: listText }], listFile, 'my_set', {});
    const walks = s.paths.flatMap((p) => p.steps.filter((st) => st.function === 'my_set' && /list_for_each_entry/.test(st.op)).map((st) => st.detail));
    assert.ok(walks.some((d) => /^1 entr/.test(d)), JSON.stringify(walks));
    assert.ok(!s.paths.some((p) => p.steps.some((st) => /touches nothing the model follows/.test(st.detail))));
  });
});

const searchFile = '/t/search.c';
const searchText = `struct my_node { struct my_node *next; int key; };

int my_lookup(struct my_node *head, int key, struct mutex *m)
{
	struct my_node *n = head;

	mutex_lock(m);
	while (n && n->key != key)
		n = n->next;
	mutex_unlock(m);
	return n ? 0 : -ENOENT;
}

int my_count(struct my_node *head, struct mutex *m)
{
	struct my_node *n = head;

	mutex_lock(m);
	while (n) {
		n->key++;
		n = n->next;
	}
	mutex_unlock(m);
	return 0;
}
`;

describe('a loop past its bound', () => {
  it('that changed nothing but its locals leaves without making the path bounded; one that wrote memory is bounded', async () => {
    const r = await analyzeFiles([{ path: searchFile, text: searchText }], { kernelWide: true });
    const fn = (name: string) => r.functions.find((f) => f.name === name)!;
    assert.ok(fn('my_lookup').paths > 0);
    assert.equal(fn('my_lookup').bounded, false, JSON.stringify(fn('my_lookup')));
    assert.equal(fn('my_count').bounded, true, JSON.stringify(fn('my_count')));
  });
});

const treeHeader = '/t/my_tree.h';
const treeHeaderText = `struct my_rb { struct my_rb *left, *right; };

static inline struct my_rb *my_tree_find(const void *key, struct my_rb *node,
					 int (*cmp)(const void *key, const struct my_rb *n))
{
	while (node) {
		int c = cmp(key, node);

		if (c < 0)
			node = node->left;
		else if (c > 0)
			node = node->right;
		else
			return node;
	}
	return NULL;
}
`;
const treeFile = '/t/streams.c';
const treeText = `#include "my_tree.h"
struct my_stream { struct my_rb node; u32 id; };
struct my_smmu { struct my_rb *streams; struct mutex lock; };

static int my_cmp_key(const void *lhs, const struct my_rb *rhs)
{
	const struct my_stream *s = container_of(rhs, struct my_stream, node);

	if (*(const u32 *)lhs < s->id)
		return -1;
	if (*(const u32 *)lhs > s->id)
		return 1;
	return 0;
}

int my_find(struct my_smmu *smmu, u32 sid)
{
	struct my_rb *node;

	mutex_lock(&smmu->lock);
	node = my_tree_find(&sid, smmu->streams, my_cmp_key);
	mutex_unlock(&smmu->lock);
	return node ? 0 : -ENOENT;
}
`;

describe('a search through a comparator a header is handed', () => {
  it('calls the static comparator of the caller\'s file, and the search runs to a verdict', async () => {
    const files = [{ path: treeHeader, text: treeHeaderText }, { path: treeFile, text: treeText }];
    const s = await simulateFunction(files, treeFile, 'my_find', { kernelWide: true });
    assert.ok(s.paths.some((p) => p.steps.some((st) => st.op === 'my_cmp_key()')), 'the comparator is called, not an unknown cmp()');
    assert.equal(s.bounded, false);
  });
});

const atsFile = '/t/ats.c';
const atsText = `struct my_info { int ats_enabled; struct pci_dev *pdev; spinlock_t lock; };

static void my_enable_caps(struct my_info *info)
{
	if (!pci_enable_ats(info->pdev, 12))
		info->ats_enabled = 1;
}

static void my_untag(struct my_info *info)
{
	spin_lock(&info->lock);
	if (info->ats_enabled)
		my_flush_dev_tlb(info);
	spin_unlock(&info->lock);
}

static void my_disable_caps(struct my_info *info)
{
	if (info->ats_enabled) {
		pci_disable_ats(info->pdev);
		info->ats_enabled = 0;
	}
}

int my_attach(struct my_info *info)
{
	void *p;

	my_enable_caps(info);
	p = kzalloc(8, GFP_KERNEL);
	if (!p) {
		my_untag(info);
		my_disable_caps(info);
		return -ENOMEM;
	}
	kfree(p);
	return 0;
}
`;

describe('an undo under a flag the path took as set', () => {
  it('is not blamed on the failed set-up, even when the flag was first tested in another function', async () => {
    const r = await analyzeFiles([{ path: atsFile, text: atsText }], { kernelWide: true });
    assert.deepEqual(r.findings.filter((f) => f.rule === 'api/undo-not-set-up').map((f) => `${f.function}:${f.line}`), []);
  });
});

// A submission that takes its queue's lock, polls the hardware under it and releases it: called by
// every caller, checked as an entry point of its own.
const qiFile = '/t/qi.c';
const qiText = (storage: string) => `struct my_qi { spinlock_t q_lock; void __iomem *reg; u32 head; u32 tail; };
struct my_iommu { struct my_qi *qi; struct mutex lock; int users; };

${storage}int my_qi_submit(struct my_iommu *iommu, u64 desc)
{
	struct my_qi *qi = iommu->qi;
	unsigned long flags;
	int rc = 0;

	spin_lock_irqsave(&qi->q_lock, flags);
	writeq(desc, qi->reg + qi->tail);
	qi->tail = (qi->tail + 16) % 4096;
	while (readl(qi->reg + 0x34) & 1) {
		if (readl(qi->reg + 0x38) & 2) {
			rc = -EIO;
			break;
		}
		qi->head = readl(qi->reg + 0x30);
	}
	spin_unlock_irqrestore(&qi->q_lock, flags);
	return rc;
}

int my_flush_all(struct my_iommu *iommu)
{
	int *tag = kzalloc(8, GFP_KERNEL);

	if (!tag)
		return -ENOMEM;
	mutex_lock(&iommu->lock);
	my_qi_submit(iommu, 1);
	my_qi_submit(iommu, 2);
	my_qi_submit(iommu, 3);
	iommu->users++;
	mutex_unlock(&iommu->lock);
	kfree(tag);
	return 0;
}
`;

describe('a callee that takes and releases its own lock', () => {
  it('is followed along one path by its callers when it is checked on its own, and leaves no lock held', async () => {
    const r = await analyzeFiles([{ path: qiFile, text: qiText('') }], { kernelWide: true });
    const caller = r.functions.find((f) => f.name === 'my_flush_all')!;
    const callee = r.functions.find((f) => f.name === 'my_qi_submit')!;
    assert.ok(callee.paths > 1, 'the callee runs on every path as an entry point');
    assert.equal(caller.paths, 2, 'the allocation fails or not; the three submissions add no path');
    assert.ok(!caller.bounded);
    assert.deepEqual(r.findings.map((f) => `${f.function} ${f.rule}`), []);
    const sim = await simulateFunction([{ path: qiFile, text: qiText('') }], qiFile, 'my_flush_all');
    assert.ok(sim.paths.some((p) => p.steps.some((s) => /touches nothing the model follows/.test(s.detail) || /touches nothing the model follows/.test(s.op))));
  });

  it('is followed on every path when it is static (checked only through its callers)', async () => {
    const r = await analyzeFiles([{ path: qiFile, text: qiText('static ') }], { kernelWide: true });
    assert.ok(r.functions.find((f) => f.name === 'my_flush_all')!.paths > 2);
  });
});

// An event decoded by a switch whose cases only set a stored value, and a search down a tree the
// path knows nothing of: neither tells a rule anything by which case ran or how deep the search went.
const decodeFile = '/t/evt.c';
const decodeText = `struct my_node { struct my_node *left, *right; u32 id; struct my_master *master; };
struct my_master { struct device *dev; };
struct my_smmu { struct my_node *root; struct mutex lock; };

static struct my_master *my_find(struct my_smmu *smmu, u32 sid)
{
	struct my_node *node = smmu->root;

	while (node) {
		if (node->id < sid)
			node = node->right;
		else if (node->id > sid)
			node = node->left;
		else
			return node->master;
	}
	return NULL;
}

int my_handle_evt(struct my_smmu *smmu, u64 *evt)
{
	struct iommu_fault_event fault_evt = { };
	struct my_master *master;
	u32 reason;
	int ret;

	switch (evt[0] & 0xff) {
	case 1:
		reason = 10;
		break;
	case 2:
		reason = 11;
		break;
	case 3:
	case 4:
		reason = 12;
		break;
	default:
		return -EOPNOTSUPP;
	}
	fault_evt.fault.event.reason = reason;
	mutex_lock(&smmu->lock);
	master = my_find(smmu, evt[0] >> 32);
	if (!master) {
		ret = -EINVAL;
		goto out;
	}
	ret = 0;
	put_device(master->dev);
out:
	mutex_unlock(&smmu->lock);
	return ret;
}
`;

describe('a switch whose cases only set a stored value, and a search of a tree the path does not know', () => {
  it('the cases are one path and the search one level deep, with found and not found both followed', async () => {
    const sim = await simulateFunction([{ path: decodeFile, text: decodeText }], decodeFile, 'my_handle_evt');
    const outcomes = new Set(sim.paths.map((p) => p.steps.filter((s) => /^if \(!master\)/.test(s.op)).map((s) => s.detail).join()));
    assert.deepEqual([...outcomes].sort(), ['', 'false', 'true'], 'unsupported event, found and not found');
    assert.ok(sim.paths.some((p) => p.steps.some((s) => /one of 4 cases that only set reason/.test(s.detail))));
    // The default, then the search on the merged cases: found or not at the root, one level down
    // left or right, or left unknown past its first level (13 paths; one per case and a search to the
    // loop bound would be several times that).
    assert.ok(sim.paths.length < 20, `${sim.paths.length} paths`);
    assert.ok(!sim.bounded);
  });
});

const kindsFile = '/t/kinds.c';
const kindsText = `struct my_desc { u64 rid; u32 pasid_ok:1, last:1, rd:1, wr:1, priv:1; };
struct my_iommu { void *reg; struct my_desc *ring; int bad; int seen; };

static void my_bad(struct my_iommu *iommu, struct my_desc *req)
{
	iommu->bad++;
}

int my_prq_kinds(struct my_iommu *iommu)
{
	int head, tail, handled;

	tail = readl(iommu->reg + 8) & 0xfe0;
	head = readl(iommu->reg) & 0xfe0;
	handled = (head != tail);
	while (head != tail) {
		struct my_desc *req = &iommu->ring[head / sizeof(*req)];

		if (!req->pasid_ok)
			goto bad;
		if (req->priv && (req->rd | req->wr))
			goto bad;
		if (req->last && !req->rd && !req->wr)
			goto next;
		iommu->seen++;
		goto next;
bad:
		my_bad(iommu, req);
next:
		head = (head + sizeof(*req)) & 0xfe0;
	}
	writel(tail, iommu->reg);
	return handled ? 1 : 0;
}
`;

describe('what multiplies the paths of a ring drain', () => {
  it('tests one record’s flags together as one unknown, and takes the first of two descriptors as an ordinary one', async () => {
    const s = await simulateFunction([{ path: kindsFile, text: kindsText }], kindsFile, 'my_prq_kinds', { kernelWide: true });
    assert.equal(s.bounded, false);
    const held = (p: (typeof s.paths)[number]) => p.steps.find((st) => /the ring holds/.test(st.detail))?.detail ?? '';
    const none = s.paths.filter((p) => /no descriptor/.test(held(p)));
    const one = s.paths.filter((p) => /one ordinary descriptor/.test(held(p)));
    const two = s.paths.filter((p) => /two descriptors/.test(held(p)));
    // One descriptor alone is an ordinary one: every test takes its usual answer.
    assert.equal(one.length, 1, one.map((p) => p.decisions.join(' | ')).join('\n'));
    // Of two, the first is an ordinary one and the second any kind: no PASID, a privileged read or
    // write, a stop marker, an ordinary request. Each compound test is one decision, not one per operand.
    assert.equal(two.length, 4, two.map((p) => p.decisions.join(' | ')).join('\n'));
    assert.equal(none.length, 1);
    // The test made before the loop (handled) agrees with the ring's contents.
    assert.ok(none.every((p) => p.returns === '0') && [...one, ...two].every((p) => p.returns === '1'), s.paths.map((p) => p.returns).join(','));
  });

  it('a test of pointer members is not a test of flags: which one is NULL is still decided one by one', async () => {
    const text = `struct my_param { int x; };
struct my_iommu_dev { struct my_param *param; };
struct my_dev { struct my_iommu_dev *iommu; };

int my_fn(struct my_dev *dev)
{
	if (!dev->iommu || !dev->iommu->param)
		return -EINVAL;
	return 0;
}
`;
    const s = await simulateFunction([{ path: '/t/ptrs.c', text }], '/t/ptrs.c', 'my_fn', { kernelWide: true });
    assert.equal(s.paths.length, 3, s.paths.map((p) => p.decisions.join(' | ')).join('\n'));
  });

  it('searches a tree in one decision, and a found node’s container is not NULL', async () => {
    const text = `struct my_info { struct rb_node node; struct device *dev; u16 rid; };
struct my_iommu { struct rb_root tree; };

static int my_cmp(const void *key, const struct rb_node *node)
{
	const struct my_info *info = rb_entry(node, struct my_info, node);
	u16 rid = *(const u16 *)key;

	if (rid < info->rid)
		return -1;
	if (rid > info->rid)
		return 1;
	return 0;
}

struct device *my_find(struct my_iommu *iommu, u16 rid)
{
	struct my_info *info = NULL;
	struct rb_node *node;

	node = rb_find(&rid, &iommu->tree, my_cmp);
	if (node)
		info = container_of(node, struct my_info, node);
	return info ? info->dev : NULL;
}
`;
    const s = await simulateFunction([{ path: '/t/tree.c', text }], '/t/tree.c', 'my_find', { kernelWide: true });
    assert.equal(s.paths.length, 2, s.paths.map((p) => p.decisions.join(' | ')).join('\n'));
  });
});
