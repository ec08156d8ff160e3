// A function's summary counts the paths a bound cut short, so an editor can tell "bounded" from
// "nothing was run to a verdict".
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

const file = '/t/spin.c';
const text = `struct spin_dev { struct mutex lock; int stop; };

void spin_forever(struct spin_dev *d)
{
	for (;;) {
		mutex_lock(&d->lock);
		mutex_unlock(&d->lock);
	}
}

void spin_until(struct spin_dev *d)
{
	while (!d->stop) {
		mutex_lock(&d->lock);
		mutex_unlock(&d->lock);
	}
}
`;

describe('paths cut by a bound', () => {
  it('a loop that never ends has every path cut; one that may end has some paths run to the end', async () => {
    const r = await analyzeFiles([{ path: file, text }], { kernelWide: true });
    const fn = (name: string) => r.functions.find((f) => f.name === name)!;
    assert.ok(fn('spin_forever').paths > 0, 'spin_forever was simulated');
    assert.equal(fn('spin_forever').bounded, true);
    assert.equal(fn('spin_forever').cut, fn('spin_forever').paths);
    assert.ok(fn('spin_until').paths > 0, 'spin_until was simulated');
    assert.ok((fn('spin_until').cut ?? 0) < fn('spin_until').paths, JSON.stringify(fn('spin_until')));
  });
});
