// Rule ids are stable and documented; docs/rules.md is generated from the same table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, rulesMarkdown } from '../../extension/core/rules/rules';

const DESIGN_IDS = ['iopf/unanswered-page-request', 'iopf/duplicate-response', 'iopf/partial-fault-dispatched',
  'iopf/partial-fault-leak', 'iopf/use-after-free', 'iopf/refcount-imbalance', 'iopf/group-leak', 'iopf/group-double-free',
  'lock/imbalance', 'lock/order', 'lock/sleep-in-atomic', 'lock/flush-under-lock', 'sva/handle-sharing',
  'sva/domain-lifetime', 'sva/flush-before-pasid-release', 'iommufd/auto-response-pasid', 'release/release-domain'];

describe('rules', () => {
  it('every rule id of the design exists, with a title, a reason and its history', () => {
    for (const id of DESIGN_IDS) {
      const r = RULES[id];
      assert.ok(r, id);
      assert.ok(r.title.length > 10 && r.why.length > 40 && r.history.length > 10, id);
    }
  });

  it('docs/rules.md is up to date (npx tsx scripts/rules-doc.ts)', () => {
    assert.equal(readFileSync(join(__dirname, '..', '..', 'docs', 'rules.md'), 'utf8'), rulesMarkdown());
  });
});
