// Structures the model does not shape (red-black trees) and values it does not know (a PASID read
// from an object the path did not build): what the code does to them must not turn into a finding
// about something else.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

describe('red-black trees', () => {
  /** Frees every node of a range found by walking the tree; @erase: each is taken out of the tree first. */
  const drain = (erase: boolean) => `struct pq_node { struct rb_node node; unsigned long lo, hi; };
struct pq_tree { spinlock_t lock; struct rb_root root; };
static struct pq_node *pq_find(struct pq_tree *t, unsigned long pfn)
{
	struct rb_node *node = t->root.rb_node;

	while (node) {
		struct pq_node *n = rb_entry(node, struct pq_node, node);

		if (pfn < n->lo)
			node = node->rb_left;
		else if (pfn > n->hi)
			node = node->rb_right;
		else
			return n;
	}
	return NULL;
}
void pq_drain(struct pq_tree *t, unsigned long *pfns, int nr)
{
	int i;

	spin_lock(&t->lock);
	for (i = 0; i < nr; i++) {
		struct pq_node *n = pq_find(t, pfns[i]);

		if (WARN_ON(!n))
			continue;
${erase ? '\t\trb_erase(&n->node, &t->root);\n' : ''}		kfree(n);
	}
	spin_unlock(&t->lock);
}
`;
  const HDR = '#define rb_entry(ptr, type, member) container_of(ptr, type, member)\n';

  it('a node erased and freed is not met again by the next walk from the root', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: HDR + drain(true) }]);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
  });

  it('a node freed while still in the tree is met again: the next walk reads freed memory', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: HDR + drain(false) }]);
    assert.ok(r.findings.some((f) => f.rule === 'iopf/use-after-free' && /reads (lo|hi)/.test(f.message)), JSON.stringify(r.findings.map((f) => f.message)));
  });
});

describe('detach at a PASID the path does not know', () => {
  const unbind = (pasids: number) => `struct pq_bond { struct iommu_domain *domain; struct pq_mm *mm; };
struct pq_mm { u32 pasid; };
int pq_bind_unbind(struct device *dev, struct pq_mm *a, struct pq_mm *b, struct pq_bond *bond)
{
	struct iommu_domain *domain = iommu_sva_domain_alloc(dev, NULL);
	int ret;

	if (!domain)
		return -ENOMEM;
	ret = iommu_attach_device_pasid(domain, dev, a->pasid);
	if (ret)
		goto out_free;
${pasids === 2 ? '\tret = iommu_attach_device_pasid(domain, dev, b->pasid);\n\tif (ret)\n\t\tgoto out_free;\n' : ''}	/* the bond's mm is the one bound above, read back through the bond */
	iommu_detach_device_pasid(domain, dev, bond->mm->pasid);
	iommu_domain_free(domain);
	return 0;
out_free:
	iommu_domain_free(domain);
	return ret;
}
`;

  it('the one PASID the domain is attached at is the one the detach names', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: unbind(1) }]);
    assert.deepEqual(r.findings.filter((f) => f.rule === 'sva/domain-lifetime').map((f) => f.message), []);
  });

  it('attached at two such PASIDs and detached at one, the domain is freed still attached', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: unbind(2) }]);
    assert.ok(r.findings.some((f) => f.rule === 'sva/domain-lifetime' && /still attached/.test(f.message)), JSON.stringify(r.findings.map((f) => f.message)));
  });
});
