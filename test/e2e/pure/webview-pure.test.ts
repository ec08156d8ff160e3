// Plain-Node tests of the editor side's pure parts: fault-flow layout text, message guards, trace export, view models.
import * as assert from 'node:assert/strict';
import {
  FLOW_EDGES, FLOW_NODES, highlightedEdges, nodesForTrace, nodeForOp, renderFlowSvg, escapeXml, layoutNode,
} from '../../../webview/faultflow-graph';
import {
  isSimulationToHost, isHostToSimulation, isReviewView, isFlowToHost, isReviewToHost, type ViewPath,
} from '../../../webview/protocol';
import { traceToMermaid, traceToJson } from '../../../extension/trace-export';
import { toPath } from '../../../extension/view-model';
import type { PathResult } from '../../../extension/core/types';

const step = (op: string, line: number, extra: Partial<ViewPath['steps'][number]> = {}) =>
  ({ file: 'a.c', line, op, detail: '', function: 'f', ...extra });

describe('fault-flow graph', () => {
  it('draws every lifecycle box the design names', () => {
    const ids = FLOW_NODES.map((n) => n.id);
    for (const id of ['enable', 'report', 'partial', 'group', 'handler', 'response', 'free', 'flush', 'discard',
      'remove', 'bind', 'domain', 'attach', 'pasid', 'deliver', 'read', 'respond']) assert.ok(ids.includes(id), id);
    for (const e of FLOW_EDGES) assert.ok(ids.includes(e.from) && ids.includes(e.to), `${e.from}->${e.to}`);
  });

  it('lays boxes out without overlap', () => {
    const boxes = FLOW_NODES.map(layoutNode);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!, b = boxes[j]!;
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      assert.ok(!overlap, `${FLOW_NODES[i]!.id} overlaps ${FLOW_NODES[j]!.id}`);
    }
  });

  it('maps a report -> group -> handler -> response -> free trace to its route', () => {
    const nodes = nodesForTrace([
      'mutex_lock(dev_iommu.lock)', 'iommu_report_device_fault(dev, evt)', 'iopf_group_alloc -> iopf_group#1',
      'domain->iopf_handler(iopf_group#1)', 'iopf_group_response(iopf_group#1, IOMMU_PAGE_RESP_SUCCESS)',
      'iopf_free_group(iopf_group#1)']);
    assert.deepEqual(nodes, ['report', 'group', 'handler', 'response', 'free']);
    assert.deepEqual([...highlightedEdges(nodes)].sort(),
      ['group->handler', 'handler->response', 'report->group', 'response->free']);
  });

  it('ignores decisions and loops: they name objects, not operations on them', () => {
    assert.equal(nodeForOp('if (evt->fault.prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID)'), undefined);
    assert.equal(nodeForOp('list_for_each_entry_safe'), undefined);
    assert.equal(nodeForOp('return'), undefined);
    assert.equal(nodeForOp('ops->page_response()'), 'response');
    assert.equal(nodeForOp('kfree(iopf_group#27)'), 'free');
    assert.equal(nodeForOp('iopf_queue_remove_device()'), 'remove');
    assert.equal(nodeForOp('iommu_sva_bind_device()'), 'bind');
  });

  it('renders highlighted edges and nodes as classes in the SVG text', () => {
    const svg = renderFlowSvg(['report', 'group', 'handler']);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<g class="edge hl" data-edge="report-&gt;group">/);
    assert.match(svg, /<g class="edge hl" data-edge="group-&gt;handler">/);
    assert.match(svg, /<g class="edge" data-edge="handler-&gt;response">/);
    assert.match(svg, /<g class="node lane-iopf hl" data-node="report">/);
    assert.equal((svg.match(/class="edge hl"/g) ?? []).length, 2);
  });

  it('renders nothing highlighted for an empty route, and stays stable', () => {
    const svg = renderFlowSvg([]);
    assert.ok(!/class="(edge|node[^"]*) hl"/.test(svg));
    assert.equal(svg, renderFlowSvg([]));
  });

  it('escapes XML', () => {
    assert.equal(escapeXml('</script><img onerror="x">&\''), '&lt;/script&gt;&lt;img onerror=&quot;x&quot;&gt;&amp;&#39;');
  });
});

describe('webview protocol guards', () => {
  it('accepts well-formed messages and rejects the rest', () => {
    assert.ok(isSimulationToHost({ type: 'ready' }));
    assert.ok(isSimulationToHost({ type: 'reveal', seq: 1, cursor: { path: 0, step: 3 } }));
    assert.ok(!isSimulationToHost({ type: 'reveal', seq: 1, cursor: { path: -1, step: 3 } }));
    assert.ok(!isSimulationToHost({ type: 'reveal', seq: '1', cursor: { path: 0, step: 0 } }));
    assert.ok(!isSimulationToHost({ type: 'export', seq: 1, format: 'html', path: 0 }));
    assert.ok(!isSimulationToHost(null));
    assert.ok(!isSimulationToHost({ type: 'eval', code: 'x' }));
    assert.ok(isFlowToHost({ type: 'simulate', seq: 2 }));
    assert.ok(!isFlowToHost({ type: 'simulate' }));
    assert.ok(isReviewToHost({ type: 'showTrace', seq: 1, patch: 0, kind: 'changed', index: 0, side: 'after' }));
    assert.ok(!isReviewToHost({ type: 'showTrace', seq: 1, patch: 0, kind: 'changed', index: 0, side: 'middle' }));
    assert.ok(!isReviewToHost({ type: 'showTrace', seq: 1, patch: 0, kind: 'contract', index: 0, side: 'after' }));
    assert.ok(isReviewToHost({ type: 'revealStep', seq: 1, patch: 0, kind: 'introduced', index: 2, side: 'before', step: 4 }));
    assert.ok(!isReviewToHost({ type: 'revealStep', seq: 1, patch: 0, kind: 'introduced', index: 2, side: 'before', step: -1 }));
    assert.ok(!isReviewToHost({ type: 'revealStep', seq: 1, patch: 0, kind: 'fixed', index: 2, side: 'after' }));
    assert.ok(isReviewToHost({ type: 'showDiff', seq: 3, patch: 1, kind: 'fixed', index: 0 }));
    assert.ok(!isReviewToHost({ type: 'showDiff', seq: 3, patch: -1, kind: 'fixed', index: 0 }));
  });

  it('checks load payloads deeply', () => {
    const view = { function: 'f', file: 'a.c', uri: 'file:///a.c', bounded: false,
      paths: [{ id: 1, scenario: 's', outcome: 'o', bounded: false, steps: [step('op', 3)], findings: [] }] };
    assert.ok(isHostToSimulation({ type: 'load', view, cursor: { path: 0, step: 0 } }));
    const bad = { ...view, paths: [{ ...view.paths[0], steps: [{ ...step('op', 3), line: 'three' }] }] };
    assert.ok(!isHostToSimulation({ type: 'load', view: bad, cursor: { path: 0, step: 0 } }));
    assert.ok(isReviewView({ title: 't', patches: [{ subject: '<img onerror=x>', introduced: [], fixed: [], changed: [] }] }));
    assert.ok(!isReviewView({ title: 't', patches: [{ subject: 1, introduced: [], fixed: [], changed: [] }] }));
    // before/after paths on changes and findings, checked as deeply as the simulation's
    const path = view.paths[0];
    const change = { function: 'f', summary: 's', beforeText: 'b', afterText: 'a', before: path, after: path, diverge: 0 };
    const finding = { rule: 'r', severity: 'error', file: 'a.c', line: 1, function: 'f', message: 'm', trace: [], after: path };
    const docs = { before: { 'a.c': 'file:///t/a.c' }, after: { 'a.c': 'iopf-review://k/after-patch-1/a.c' } };
    assert.ok(isReviewView({ title: 't', patches: [{ subject: 's', introduced: [finding], fixed: [], changed: [change], docs }] }));
    assert.ok(!isReviewView({ title: 't', patches: [{ subject: 's', introduced: [], fixed: [], changed: [{ ...change, after: bad.paths[0] }] }] }));
    assert.ok(!isReviewView({ title: 't', patches: [{ subject: 's', introduced: [{ ...finding, diverge: -2 }], fixed: [], changed: [] }] }));
    assert.ok(!isReviewView({ title: 't', patches: [{ subject: 's', introduced: [], fixed: [], changed: [], docs: { before: { 'a.c': 1 }, after: {} } }] }));
  });
});

describe('trace export', () => {
  const path: ViewPath = {
    id: 2, scenario: 'report x remove', outcome: 'returns; device stalls', bounded: false,
    steps: [step('iommu_report_device_fault(dev, evt)', 10, { thread: 'T1 report' }),
      step('iopf_queue_remove_device(queue, dev)', 40, { thread: 'T2 remove', detail: 'fault_param -> NULL' })],
    findings: [{ rule: 'iopf/unanswered-page-request', severity: 'error', file: 'a.c', line: 12, function: 'f',
      message: 'page request "grpid 1" never answered; the device stalls', trace: [] }],
  };

  it('writes a Mermaid sequence diagram with one participant per thread', () => {
    const m = traceToMermaid('iommu_report_device_fault', path);
    assert.equal(m.split('\n')[0], 'sequenceDiagram');
    assert.match(m, /participant P1 as T1 report/);
    assert.match(m, /participant P2 as T2 remove/);
    // characters Mermaid could read as syntax are entity codes, shown as themselves when rendered
    assert.match(m, /Note over P2: L40 iopf_queue_remove_device\(queue, dev\) — fault_param #45;#62; NULL/);
    assert.match(m, /⚠ iopf\/unanswered#45;page#45;request: page request #34;grpid 1#34; never answered/);
  });

  it('writes JSON with the trace', () => {
    const j = JSON.parse(traceToJson('f', 'a.c', path));
    assert.equal(j.path.trace.length, 2);
    assert.equal(j.path.trace[1].thread, 'T2 remove');
    assert.equal(j.path.findings[0].rule, 'iopf/unanswered-page-request');
  });
});

describe('view models', () => {
  it('keeps source text as given (escaping is the webview\'s job) and copies ranges', () => {
    const p: PathResult = { id: 1, scenario: 's', outcome: 'o', bounded: false, decisions: [], findings: [],
      steps: [{ file: 'a.c', line: 2, op: 'op', detail: 'd', function: 'f',
        range: { start: { line: 1, column: 4 }, end: { line: 1, column: 9 }, startIndex: 0, endIndex: 0 } }] };
    const v = toPath(p, () => '  x(); /* </script><img src=x onerror=y> */');
    assert.equal(v.steps[0]!.source, 'x(); /* </script><img src=x onerror=y> */');
    assert.deepEqual(v.steps[0]!.range, [1, 4, 1, 9]);
  });
});
