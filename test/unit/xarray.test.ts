// An xarray indexed by a value the path does not know (a PASID, a minor number, a cookie from user
// space): what the path stored at that index it finds there again, and an index it has not used
// finds one of the stored entries or nothing, the same answer for the whole path.
import assert from 'node:assert/strict';
import { simulateFunction } from '../../extension/core/analyze';

const file = '/t/xa.c';
const text = `struct my_ctx { int users; };
struct my_wq { struct xarray upasid_xa; };

int my_track(struct my_wq *wq, u32 pasid, u32 other)
{
	struct my_ctx *ctx, *again, *found;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	xa_store(&wq->upasid_xa, pasid, ctx, GFP_KERNEL);
	again = xa_load(&wq->upasid_xa, pasid);
	if (!again)
		return -ENOENT;
	found = xa_load(&wq->upasid_xa, other);
	if (found)
		found->users++;
	xa_erase(&wq->upasid_xa, pasid);
	kfree(ctx);
	return 0;
}
`;

describe('an xarray indexed by a value the path does not know', () => {
  it('finds what the path stored at that index; another index finds it or nothing', async () => {
    const sim = await simulateFunction([{ path: file, text }], file, 'my_track');
    const decided = (p: (typeof sim.paths)[number], test: string) => p.steps.find((s) => s.op === `if (${test})`)?.detail;
    const stored = sim.paths.filter((p) => decided(p, '!ctx') === 'false');
    assert.ok(stored.length >= 2);
    assert.ok(stored.every((p) => decided(p, '!again') === 'false'), 'the same index finds the entry on every path');
    assert.deepEqual(new Set(stored.map((p) => decided(p, 'found'))), new Set(['true', 'false']));
    assert.deepEqual(sim.paths.flatMap((p) => p.findings ?? []).map((f: { rule: string }) => f.rule), []);
  });
});
