// Character devices of SVA users (fs/char_dev.c, model/primitives/cdev.ts): an allocated cdev is
// freed by cdev_del(), owned by the kernel once cdev_device_add() succeeds, and the caller's when it fails.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';

const text = readFileSync(join(__dirname, '..', 'fixtures', 'cdev', 'register.c'), 'utf8');

describe('character devices', () => {
  it('a failed cdev_device_add() whose cdev is dropped without cdev_del() is a leak, on that path only', async () => {
    const r = await analyzeFiles([{ path: 'register.c', text }]);
    const leaks = r.findings.filter((f) => f.rule === 'mem/leak');
    assert.deepEqual(leaks.map((f) => `${f.function}:${f.line}`), ['acc_register:14']);
    assert.ok(leaks[0].trace.some((s) => /cdev_device_add\(\) fails/.test(s.op)), 'the failing add is on the path');
    assert.match(leaks[0].message, /; a pointer to it was overwritten at line 23 \(acc->cdev = NULL\)$/, 'where the pointer was lost');
  });

  it('the fixed registration and the removal are clean, and nothing is freed twice', async () => {
    const r = await analyzeFiles([{ path: 'register.c', text }]);
    assert.deepEqual(r.findings.filter((f) => f.function !== 'acc_register').map((f) => `${f.function} ${f.rule}`), []);
  });

  it('cdev_del() of a cdev initialised inside its container does not free the container', async () => {
    const embedded = `struct acc_dev { struct cdev cdev; int users; };
int acc_setup(struct acc_dev *a)
{
	int ret;

	cdev_init(&a->cdev, NULL);
	ret = cdev_add(&a->cdev, 0, 1);
	if (ret)
		return ret;
	cdev_del(&a->cdev);
	a->users = 0;
	return 0;
}
`;
    const r = await analyzeFiles([{ path: 'embedded.c', text: embedded }]);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
  });
});
