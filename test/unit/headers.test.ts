// Headers given beside the C files are context, read as the kernel is built: an empty static
// inline stub of the other configuration is no body, a primitive's inline body gives way to the
// model's contract, and a header's inline functions are not entry points of their own.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';
import { Workspace } from '../../extension/core/index';

const HEADER = `#ifndef _PQ_H
#define _PQ_H
#ifdef CONFIG_IOMMU_IOPF
void iopf_group_response(struct iopf_group *group, enum iommu_page_response_code status);
#else
static inline void iopf_group_response(struct iopf_group *group, enum iommu_page_response_code status)
{
}
#endif
/* A primitive whose inline body reaches state the model keeps itself. */
static inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	raw_spin_unlock_irqrestore(&lock->rlock, flags);
}
/* A lock wrapper: it returns holding what it took, as its callers expect. */
static inline void pq_lock(struct pq *q)
{
	mutex_lock(&q->lock);
}
#endif
`;

const C = `#include "pq.h"
struct pq { spinlock_t lock; struct mutex lock2; int n; };

int pq_bump(struct pq *q)
{
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	q->n++;
	spin_unlock_irqrestore(&q->lock, flags);
	return 0;
}

void pq_answer(struct iopf_group *group)
{
	iopf_group_response(group, IOMMU_PAGE_RESP_SUCCESS);
	iopf_free_group(group);
}
`;

describe('headers beside the C files', () => {
  it("a primitive's inline body gives way to its contract, and a lock wrapper is not an entry point", async () => {
    const r = await analyzeFiles([{ path: 'pq.h', text: HEADER }, { path: 'pq.c', text: C }]);
    assert.deepEqual(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`), []);
    assert.ok(!r.functions.some((f) => f.name === 'pq_lock' && f.paths > 0), 'the wrapper is not simulated on its own');
    // The stub would have answered nothing: the contract answers the group.
    const answer = r.functions.find((f) => f.name === 'pq_answer')!;
    assert.ok(answer.paths > 0);
  });

  it('the lock wrapper runs inside its callers: one that returns holding the lock is reported at its own return', async () => {
    const caller = `#include "pq.h"\nint pq_take(struct pq *q)\n{\n\tpq_lock(q);\n\tmutex_unlock(&q->lock);\n\tpq_lock(q);\n\treturn 0;\n}\n`;
    const r = await analyzeFiles([{ path: 'pq.h', text: HEADER }, { path: 'take.c', text: caller }]);
    assert.deepEqual(r.findings.map((f) => `${f.file}:${f.line} ${f.function} ${f.rule}`), ['take.c:7 pq_take lock/imbalance']);
  });

  it('the empty inline stub of the other configuration is no body; without the prototype beside it, it is one', async () => {
    const ws = await Workspace.create([{ path: 'pq.h', text: HEADER }]);
    assert.equal(ws.definition('iopf_group_response'), undefined);
    assert.ok(ws.definition('pq_lock'));
    ws.dispose();
    const alone = await Workspace.create([{ path: 'pq.h', text: HEADER.replace(/#ifdef CONFIG_IOMMU_IOPF\n[^\n]*\n#else\n/, '') }]);
    assert.ok(alone.definition('iopf_group_response'));
    alone.dispose();
  });
});
