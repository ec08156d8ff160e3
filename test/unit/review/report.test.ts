// Report shapes: the JSON contract of DESIGN.md for check and review, SARIF 2.1.0 (schema, rules with help, locations, code flows), and text.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { checkExitCode, formatCheck, reviewCommand } from '../../../extension/cli/review-commands';
import { ruleIds, ruleInfo } from '../../../extension/core/report/rules';
import type { AnalysisResult, Finding } from '../../../extension/core/types';
import { markerAnalyzer } from './marker-analyzer';
import { recordingIo } from './helpers';

const range = { start: { line: 9, column: 4 }, end: { line: 9, column: 20 }, startIndex: 0, endIndex: 0 };
const finding: Finding = {
  rule: 'iopf/unanswered-page-request', severity: 'error', file: 'drivers/iommu/io-pgfault.c', line: 10, column: 5,
  function: 'iommu_report_device_fault', message: 'page request grpid 1 never answered', scenario: 'no fault parameter',
  trace: [
    { file: 'drivers/iommu/io-pgfault.c', line: 8, range, op: 'mutex_lock(dev_iommu.lock)', detail: 'held', function: 'iommu_report_device_fault' },
    { file: 'drivers/iommu/io-pgfault.c', line: 10, range, op: 'return', detail: 'request outstanding', function: 'iommu_report_device_fault' },
  ],
};
const result: AnalysisResult = {
  findings: [finding],
  functions: [{ name: 'iommu_report_device_fault', file: 'drivers/iommu/io-pgfault.c', line: 5, range, known: true, paths: 4, findings: 1, bounded: false, scenarios: ['no fault parameter'] }],
  unknownCalls: [{ name: 'frob', file: 'drivers/iommu/io-pgfault.c', line: 12, function: 'iommu_report_device_fault' }],
  bounded: false,
};

describe('report: check', () => {
  it('JSON has the contract keys, 1-based lines and the trace', () => {
    const j = JSON.parse(formatCheck(result, 'json'));
    assert.deepEqual(Object.keys(j.findings[0]).sort(), ['column', 'file', 'function', 'line', 'message', 'rule', 'scenario', 'severity', 'trace']);
    assert.equal(j.findings[0].line, 10);
    assert.deepEqual(j.findings[0].trace.map((s: { line: number; column: number; op: string }) => [s.line, s.column, s.op]), [[8, 5, 'mutex_lock(dev_iommu.lock)'], [10, 5, 'return']]);
    assert.equal(j.unknownCalls[0].name, 'frob');
    assert.equal(j.bounded, false);
  });

  it('SARIF 2.1.0 with rule metadata, a located result and a code flow', () => {
    const s = JSON.parse(formatCheck(result, 'sarif'));
    assert.equal(s.version, '2.1.0');
    assert.match(s.$schema, /sarif-schema-2\.1\.0\.json$/);
    const run = s.runs[0];
    assert.equal(run.tool.driver.name, 'iopf-lens');
    assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), ['iopf/unanswered-page-request']);
    assert.ok(run.tool.driver.rules[0].help.text.includes('page_response'));
    const r = run.results[0];
    assert.equal(r.ruleId, 'iopf/unanswered-page-request');
    assert.equal(r.ruleIndex, 0);
    assert.equal(r.level, 'error');
    assert.deepEqual(r.locations[0].physicalLocation, { artifactLocation: { uri: 'drivers/iommu/io-pgfault.c', uriBaseId: '%SRCROOT%' }, region: { startLine: 10, startColumn: 5 } });
    assert.equal(r.codeFlows[0].threadFlows[0].locations.length, 2);
    assert.equal(r.codeFlows[0].threadFlows[0].locations[1].location.message.text, 'return — request outstanding');
    assert.match(r.partialFingerprints['iopfLens/v1'], /^[0-9a-f]{32}$/);
  });

  it('text reads like a compiler diagnostic and the exit code follows the findings', () => {
    const t = formatCheck(result, 'text');
    assert.match(t, /^drivers\/iommu\/io-pgfault\.c:10:5: error: page request grpid 1 never answered \[iopf\/unanswered-page-request\]$/m);
    assert.match(t, /1 finding in 1 function/);
    assert.equal(checkExitCode(result), 1);
    assert.equal(checkExitCode({ ...result, findings: [] }), 0);
    assert.throws(() => formatCheck(result, 'xml'), /unknown format/);
  });

  it('every DESIGN.md rule id has a title and help text for SARIF; an unknown id still reports', () => {
    for (const id of ['iopf/unanswered-page-request', 'iopf/duplicate-response', 'iopf/partial-fault-dispatched', 'iopf/partial-fault-leak',
      'iopf/use-after-free', 'iopf/refcount-imbalance', 'iopf/group-leak', 'iopf/group-double-free', 'lock/imbalance', 'lock/order',
      'lock/sleep-in-atomic', 'lock/flush-under-lock', 'sva/handle-sharing', 'sva/domain-lifetime', 'sva/flush-before-pasid-release',
      'iommufd/auto-response-pasid', 'release/release-domain']) {
      assert.ok(ruleIds().includes(id), id);
      const r = ruleInfo(id);
      assert.ok(r.title !== id && r.help.length > 40, id);
    }
    const unknown = JSON.parse(formatCheck({ ...result, findings: [{ ...finding, rule: 'iopf/not-yet-catalogued' }] }, 'sarif'));
    assert.equal(unknown.runs[0].tool.driver.rules[0].id, 'iopf/not-yet-catalogued');
    assert.equal(unknown.runs[0].results[0].ruleId, 'iopf/not-yet-catalogued');
  });
});

describe('report: review', () => {
  let dir: string;
  const BASE = 'int demo(struct device *dev)\n{\n\trespond(dev);\n\treturn 0;\n}\n';
  const BROKEN = 'int demo(struct device *dev)\n{\n\treturn 0; /* FINDING: iopf/unanswered-page-request */\n}\n';
  const mbox = () => [
    ['[PATCH v3 0/2] demo', '', ''],
    ['[PATCH v3 1/2] demo: break', BASE, BROKEN],
    ['[PATCH v3 2/2] demo: repair', BROKEN, BASE],
  ].map(([s, a, b]) => `From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: T <t@x>\nSubject: ${s}\n\nmsg\n${a === b ? '' : `---\n${createTwoFilesPatch('a/drivers/demo/demo.c', 'b/drivers/demo/demo.c', a, b).replace(/^(Index|=).*\n/gm, '')}`}\n`).join('');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iopf-report-'));
    mkdirSync(join(dir, 'drivers', 'demo'), { recursive: true });
    writeFileSync(join(dir, 'drivers', 'demo', 'demo.c'), BASE);
    writeFileSync(join(dir, 's.mbox'), mbox());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (format: string) => {
    const io = recordingIo(dir);
    const code = await reviewCommand(['s.mbox', '--format', format], io, { analyzer: markerAnalyzer() });
    assert.equal(io.err, '');
    return { code, out: io.out };
  };

  it('JSON: findings and per-patch introduced / fixed / changed', async () => {
    const { code, out } = await run('json');
    assert.equal(code, 1);
    const j = JSON.parse(out);
    assert.equal(j.title, 'demo');
    assert.equal(j.findings.length, 1);
    assert.equal(j.findings[0].rule, 'iopf/unanswered-page-request');
    assert.deepEqual(j.patches.map((p: { subject: string }) => p.subject), ['[PATCH v3 1/2] demo: break', '[PATCH v3 2/2] demo: repair']);
    for (const p of j.patches) for (const k of ['subject', 'introduced', 'fixed', 'changed']) assert.ok(k in p, k);
    assert.deepEqual(j.patches.map((p: { introduced: unknown[]; fixed: unknown[] }) => [p.introduced.length, p.fixed.length]), [[1, 0], [0, 1]]);
    const { paths, ...change } = j.patches[0].changed[0];
    assert.deepEqual(change, { kind: 'outcome', function: 'demo', file: 'drivers/demo/demo.c', line: 1, scenario: 'no fault parameter', before: 'IOMMU_PAGE_RESP_INVALID', after: 'no response' });
    // the representative path of each side rides along, each with its own outcome
    assert.deepEqual([paths.before.outcome, paths.after.outcome, paths.diverge], ['IOMMU_PAGE_RESP_INVALID', 'no response', 0]);
    assert.deepEqual(j.remaining, []);
  });

  it('SARIF: new results in the patched files, fixed ones absent, threads as thread flows', async () => {
    const s = JSON.parse((await run('sarif')).out);
    assert.equal(s.version, '2.1.0');
    const run0 = s.runs[0];
    assert.match(run0.originalUriBaseIds.TREE.uri, /^file:\/\/.*\/$/);
    assert.deepEqual(run0.results.map((r: { baselineState: string; level: string }) => [r.baselineState, r.level]), [['new', 'error'], ['absent', 'none']]);
    const loc = run0.results[0].locations[0].physicalLocation;
    assert.deepEqual(loc.artifactLocation, { uri: 'drivers/demo/demo.c', uriBaseId: 'TREE' });
    assert.equal(loc.region.startLine, 3);
    assert.equal(run0.results[0].properties.patch.position, 1);
    const flows = run0.results[0].codeFlows[0].threadFlows;
    assert.deepEqual(flows.map((f: { id?: string }) => f.id), [undefined, 'T1 report']);
    assert.deepEqual(flows.flatMap((f: { locations: { executionOrder: number }[] }) => f.locations.map((l) => l.executionOrder)), [1, 2]);
    assert.equal(run0.results[0].partialFingerprints['iopfLens/v1'], run0.results[1].partialFingerprints['iopfLens/v1']);
  });

  it('text: per patch, what it introduces and fixes, with file:line, rule and trace', async () => {
    const { out } = await run('text');
    assert.match(out, /^Review of "demo" \(2 patches\)/);
    assert.match(out, /\[PATCH v3 1\/2\] demo: break\n[\s\S]*This patch introduces 1 problem:\n  - drivers\/demo\/demo\.c:3: iopf\/unanswered-page-request in demo\(\)/);
    assert.match(out, /\[PATCH v3 2\/2\] demo: repair\n[\s\S]*This patch fixes 1 problem/);
    assert.match(out, /no fault parameter: before — IOMMU_PAGE_RESP_INVALID; after — no response/);
    assert.match(out, /trace:\n      drivers\/demo\/demo\.c:1 demo: enter/);
    assert.match(out, /Verdict: 1 finding introduced \(by patch 1\/2\); all fixed later in the series/);
  });
});
