// A struct device's references in a function that did not initialise it (a driver's remove): the
// holder owns one reference; a path that drops a second one it never took releases the device early.
import assert from 'node:assert/strict';
import { analyzeFiles } from '../../extension/core/analyze';

/** A remove that unregisters each sub-device and, with @cleanToo, puts them again in a clean-up helper. */
const remove = (cleanToo: boolean, hold: boolean) => `struct pq_wq { struct device conf_dev; };
struct pq_dev { struct device conf_dev; int nr; struct pq_wq **wqs; };
static void pq_clean_wqs(struct pq_dev *pq)
{
	int i;

	for (i = 0; i < pq->nr; i++)
		put_device(&pq->wqs[i]->conf_dev);
}
static void pq_unregister(struct pq_dev *pq)
{
	int i;

	for (i = 0; i < pq->nr; i++)
		device_unregister(&pq->wqs[i]->conf_dev);
}
void pq_remove(struct pci_dev *pdev)
{
	struct pq_dev *pq = pci_get_drvdata(pdev);

	pq_unregister(pq);
${hold ? '\tget_device(&pq->conf_dev);\n' : ''}	device_unregister(&pq->conf_dev);
${cleanToo ? '\tpq_clean_wqs(pq);\n' : ''}${hold ? '\tput_device(&pq->conf_dev);\n' : ''}}
`;

describe('device references a function did not take', () => {
  it('a sub-device unregistered and then put again: the second put is reported where it is made', async () => {
    const r = await analyzeFiles([{ path: 'pq.c', text: remove(true, true) }]);
    const f = r.findings.filter((x) => x.rule === 'iopf/refcount-imbalance');
    assert.equal(f.length, 1, JSON.stringify(r.findings.map((x) => x.message)));
    assert.match(f[0].message, /drops a second reference this path never took/);
    assert.equal(f[0].function, 'pq_remove → pq_clean_wqs');
  });

  it('each device dropped once, and a reference taken and dropped around the unregister: clean', async () => {
    for (const hold of [true, false]) {
      const r = await analyzeFiles([{ path: 'pq.c', text: remove(false, hold) }]);
      assert.deepEqual(r.findings.map((x) => x.rule), [], `hold=${hold}`);
    }
  });
});
