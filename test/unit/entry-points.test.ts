// Which functions run as entry points, and two rules' limits: a static helper is checked through
// its callers only when some simulated entry reaches it; api/missing-error-code needs an int
// result returned through a variable.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

describe('entry points and the limits of api/missing-error-code', () => {
  it('a static helper whose only caller calls nothing the model knows runs as an entry point of its own', async () => {
    const text = `struct ep_dev { struct mutex lock; int on; };

static int ep_enable(struct ep_dev *d)
{
	mutex_lock(&d->lock);
	if (d->on)
		return -EBUSY;
	d->on = 1;
	mutex_unlock(&d->lock);
	return 0;
}

int ep_set_feature(struct ep_dev *d, int feat)
{
	if (feat == 1)
		return ep_enable(d);
	return -EINVAL;
}
`;
    const r = await analyzeFiles([{ path: 'ep.c', text }]);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.function]), [['lock/imbalance', 'ep_enable']]);
  });

  it('a static helper a simulated entry reaches is still checked through it, not on its own', async () => {
    const text = `struct ep_dev { struct mutex lock; int on; };

static void ep_mark(struct ep_dev *d)
{
	mutex_lock(&d->lock);
	d->on = 1;
	mutex_unlock(&d->lock);
}

void ep_start(struct ep_dev *d)
{
	mutex_lock(&d->lock);
	mutex_unlock(&d->lock);
	ep_mark(d);
}
`;
    const r = await analyzeFiles([{ path: 'ep.c', text }]);
    assert.equal(r.functions.find((f) => f.name === 'ep_mark')!.paths, 0);
    assert.ok(r.functions.find((f) => f.name === 'ep_start')!.paths > 0);
  });

  const MISSING = `struct me_ctx { void *buf; };

int me_setup(struct me_ctx *c, int mode)
{
	int ret = 0;

	if (mode > 3)
		return -EINVAL;
	c->buf = kzalloc(64, GFP_KERNEL);
	if (!c->buf)
		goto out;
	ret = me_apply(c);
out:
	return ret;
}
`;

  it('a failed allocation returned as success through `return ret;` is api/missing-error-code', async () => {
    const r = await analyzeFiles([{ path: 'me.c', text: MISSING }]);
    assert.deepEqual(r.findings.map((f) => f.rule), ['api/missing-error-code']);
  });

  it('a failure the path goes on from and a literal `return 0;` is tolerated, not reported', async () => {
    const text = MISSING.replace('\t\tgoto out;\n\tret = me_apply(c);\nout:\n\treturn ret;', '\t\tpr_warn("no buffer\\\\n");\n\treturn 0;');
    const r = await analyzeFiles([{ path: 'me.c', text }]);
    assert.deepEqual(r.findings, []);
  });

  it('a function returning a pointer fails with NULL: no missing error code', async () => {
    const text = `struct me_ctx { void *buf; };

struct me_ctx *me_alloc(int mode)
{
	struct me_ctx *c;
	int ret;

	if (mode > 3) {
		ret = -EINVAL;
		return ERR_PTR(ret);
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	return c;
}
`;
    const r = await analyzeFiles([{ path: 'me.c', text }]);
    assert.deepEqual(r.findings.filter((f) => f.rule === 'api/missing-error-code'), []);
  });
});
