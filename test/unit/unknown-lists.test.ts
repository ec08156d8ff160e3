// A list the path knows nothing of (the head of an object it did not build) may hold an entry: a
// search over it is explored both ways, found and not found. Named scenarios keep the world they
// describe. Nested locks of one class (a parent's, then each child's) record no lock order.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

const SEARCH = `struct lk_item { struct list_head node; int id; };
struct lk_table { struct mutex lock; struct list_head items; };

int lk_find(struct lk_table *t, int id)
{
	struct lk_item *it;

	mutex_lock(&t->lock);
	list_for_each_entry(it, &t->items, node) {
		if (it->id == id)
			return 1;
	}
	mutex_unlock(&t->lock);
	return 0;
}
`;

describe('lists the path does not know', () => {
  it('a search that returns from inside the walk with the lock held is found on the entry the list may hold', async () => {
    const r = await analyzeFiles([{ path: 'lk.c', text: SEARCH }]);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.line]), [['lock/imbalance', SEARCH.split('\n').findIndex((l) => l.includes('return 1;')) + 1]]);
  });

  it('the fixed search (unlock before the return) is clean', async () => {
    const text = SEARCH.replace('\t\tif (it->id == id)\n\t\t\treturn 1;', '\t\tif (it->id == id) {\n\t\t\tmutex_unlock(&t->lock);\n\t\t\treturn 1;\n\t\t}');
    const r = await analyzeFiles([{ path: 'lk.c', text }]);
    assert.deepEqual(r.findings, []);
  });

  it('a parent lock, then the lock of each child of the same type, records no order against itself', async () => {
    const text = `struct nd_dom { spinlock_t lock; spinlock_t child_lock; struct list_head children; struct list_head link; };

void nd_walk(struct nd_dom *parent)
{
	struct nd_dom *child;

	spin_lock(&parent->lock);
	spin_lock(&parent->child_lock);
	list_for_each_entry(child, &parent->children, link) {
		spin_lock(&child->lock);
		spin_unlock(&child->lock);
	}
	spin_unlock(&parent->child_lock);
	spin_unlock(&parent->lock);
}
`;
    const r = await analyzeFiles([{ path: 'nd.c', text }]);
    assert.deepEqual(r.findings.filter((f) => f.rule === 'lock/order'), []);
    // The walk did reach a child: with the entry's lock taken under the parent's.
    assert.ok(r.functions.find((f) => f.name === 'nd_walk')!.paths >= 2);
  });
});
