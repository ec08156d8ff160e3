// Plain-Node tests of the editor side's pure parts: fault-flow layout text, message guards, trace export, view models.
import * as assert from 'node:assert/strict';
import {
  FLOW_EDGES, FLOW_NODES, highlightedEdges, nodesForTrace, nodeForOp, renderFlowSvg, escapeXml, layoutNode, currentNode,
  layoutFor, NODE_FUNCTIONS,
} from '../../../webview/faultflow-graph';
import {
  callDepths, counterexample, findingStep, nextFindingPath, opName, pathLabels, scheduleOf,
} from '../../../webview/path-labels';
import {
  isSimulationToHost, isHostToSimulation, isReviewView, isFlowToHost, isReviewToHost, type ViewPath,
} from '../../../webview/protocol';
import { traceToMermaid, traceToJson } from '../../../extension/trace-export';
import { lensTitle, toPath } from '../../../extension/view-model';
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
    for (const layout of ['wide', 'narrow'] as const) {
    const boxes = FLOW_NODES.map((n) => layoutNode(n, layout));
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!, b = boxes[j]!;
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      assert.ok(!overlap, `${layout}: ${FLOW_NODES[i]!.id} overlaps ${FLOW_NODES[j]!.id}`);
    }
    }
  });

  it('fits a sidebar: the narrow layout keeps its labels at 11 px or more in a 300 px view, the wide one would not', () => {
    const scaleAt = (svg: string, px: number) => px / Number(/viewBox="0 0 (\d+(?:\.\d+)?) /.exec(svg)![1]);
    const view = 300 - 12; // the sidebar's default width less the page's padding
    const narrow = renderFlowSvg([], undefined, layoutFor(view));
    assert.match(narrow, /class="flow narrow"/);
    assert.ok(14 * Math.min(1, scaleAt(narrow, view)) >= 11, `narrow label ${14 * scaleAt(narrow, view)} px`);
    assert.ok(12 * scaleAt(renderFlowSvg([]), view) < 11, 'the wide layout is the one too small there');
    assert.equal(layoutFor(800), 'wide');
    // Every node is a button with its kernel name, and opens a function of the kernel's.
    for (const n of FLOW_NODES) {
      assert.match(narrow, new RegExp(`data-node="${n.id}" tabindex="0" role="button"`));
      assert.ok((NODE_FUNCTIONS[n.id] ?? []).length > 0, `${n.id} opens nothing`);
    }
  });

  it('draws iommufd detach / replace and destroy, and maps their operations', () => {
    assert.equal(nodeForOp('iommufd_fault_domain_detach_dev(idev)'), 'detach');
    assert.equal(nodeForOp('iommufd_auto_response_faults(hwpt, handle)'), 'detach');
    assert.equal(nodeForOp('iommufd_fault_destroy(obj)'), 'destroy');
    assert.equal(nodeForOp('iommufd_fault_fops_write(filep, buf)'), 'respond');
    assert.deepEqual([...highlightedEdges(['detach', 'response'])], ['detach->response']);
    // Two threads' routes light their own edges, never one from a step of one thread to a step of the other.
    const two = renderFlowSvg(['report', 'remove'], undefined, 'wide', [['report', 'group'], ['remove', 'response']]);
    assert.match(two, /class="edge hl" data-edge="report-&gt;group"/);
    assert.match(two, /class="edge hl" data-edge="remove-&gt;response"/);
    assert.doesNotMatch(two, /class="edge hl" data-edge="group-&gt;/);
    // A group that is answered without reaching a handler does not light the handler.
    assert.deepEqual([...highlightedEdges(['report', 'group', 'response'])], ['report->group', 'group->response']);
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
    assert.match(svg, /<g class="node lane-iopf hl" data-node="report" tabindex="0"/);
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

describe('step highlights', () => {
  const range = (a: number, b: number) => ({ start: { line: a, column: 1 }, end: { line: b, column: 3 }, startIndex: 0, endIndex: 0 });
  it('cover a statement, and only the first line of a range as long as a function', () => {
    const v = toPath({ id: 1, scenario: 's', outcome: 'o', bounded: false, decisions: [], findings: [], steps: [
      { file: 'a.c', line: 3, op: 'if (x)', detail: '', function: 'f', range: range(2, 4) },
      { file: 'a.c', line: 1, op: 'unlock', detail: '', function: 'f', range: range(0, 30) },
      { file: 'a.c', line: 1, op: 'f() returns', detail: 'call 1 of 2: 0', function: 'f', range: range(0, 30), origin: 'scenario' },
    ] }, () => 'text');
    assert.deepEqual(v.steps[0]!.range, [2, 1, 4, 3]);
    assert.deepEqual(v.steps[1]!.range, [0, 1, 0, Number.MAX_SAFE_INTEGER]);
    // The scenario's own step is at no line: no range, no source line, marked as the scenario's.
    assert.equal(v.steps[2]!.range, undefined);
    assert.equal(v.steps[2]!.source, undefined);
    assert.equal(v.steps[2]!.scenario, true);
  });
});

describe('path and step names in the simulation panel', () => {
  const fstep = (fn: string, op = 'op', thread?: string) => ({ file: 'a.c', line: 1, op, detail: '', function: fn, ...(thread ? { thread } : {}) });
  const vpath = (id: number, extra: Partial<ViewPath> = {}): ViewPath =>
    ({ id, scenario: 's', outcome: 'returns 0', bounded: false, steps: [fstep('f')], findings: [], ...extra });
  const finding = (line: number, trace: ViewPath['steps'] = []) =>
    ({ rule: 'iopf/use-after-free', severity: 'error', file: 'a.c', line, function: 'f', message: 'm', trace });

  it('gives each step its call depth, per thread, and returns to the caller', () => {
    assert.deepEqual(callDepths([fstep('f'), fstep('g'), fstep('h'), fstep('g'), fstep('f'), fstep('k')]), [0, 1, 2, 1, 0, 1]);
    assert.deepEqual(callDepths([fstep('f', 'a', 'A'), fstep('g', 'b', 'A'), fstep('r', 'c', 'B'), fstep('s', 'd', 'B'), fstep('f', 'e', 'A')]),
      [0, 1, 0, 1, 0]);
    const v = toPath({ id: 1, scenario: 's', outcome: 'o', bounded: false, decisions: ['3: x = true'], findings: [],
      steps: [{ file: 'a.c', line: 2, op: 'call g()', detail: '', function: 'f', range: undefined as never },
        { file: 'a.c', line: 9, op: 'kfree(x#1)', detail: '', function: 'g', range: undefined as never }] });
    assert.deepEqual(v.steps.map((s) => s.depth), [0, 1]);
    assert.deepEqual(v.decisions, ['3: x = true']);
  });

  it('says where the threads of a schedule switch', () => {
    const between = [fstep('f', 'rcu_dereference(p)', 'report'), fstep('r', 'kfree(x#1)', 'remove'),
      fstep('f', 'refcount_inc_not_zero(x#1.users)', 'report')];
    assert.equal(scheduleOf(between), 'remove runs between `rcu_dereference` and `refcount_inc_not_zero` of report');
    assert.equal(scheduleOf(between.slice(0, 2)), "remove runs after report's `rcu_dereference`");
    assert.equal(scheduleOf([...between, fstep('r', 'x()', 'remove')]),
      'remove runs between `rcu_dereference` and `refcount_inc_not_zero` of report (+1 more switch)');
    assert.equal(scheduleOf([fstep('f'), fstep('g')]), undefined);
  });

  it('labels every path differently: by outcome, then by the first decision or switch where alike paths part', () => {
    const paths = [
      vpath(1, { decisions: ['23: !iopf = false', '41: !group = false'] }),
      vpath(2, { decisions: ['23: !iopf = true', '41: !group = false'] }),
      vpath(3, { outcome: 'returns -ENOMEM' }),
      vpath(4, { outcome: '', steps: [fstep('f', 'a()', 'A'), fstep('g', 'b()', 'B'), fstep('f', 'c()', 'A'), fstep('g', 'd()', 'B')] }),
      vpath(5, { outcome: '', steps: [fstep('f', 'a()', 'A'), fstep('g', 'b()', 'B'), fstep('f', 'c()', 'A'), fstep('f', 'e()', 'A'), fstep('g', 'd()', 'B')] }),
      vpath(6, { outcome: '', findings: [finding(1)] }),
      vpath(7, { outcome: 'returns 1', decisions: ['f:22 req->rd = true'] }),
      vpath(8, { outcome: 'returns 1', decisions: ['f:22 req->rd = false'] }),
    ];
    const labels = pathLabels(paths);
    assert.equal(new Set(labels).size, labels.length, labels.join('\n'));
    assert.equal(labels[0], '#1 s — returns 0 · line 23: !iopf → false');
    assert.equal(labels[1], '#2 s — returns 0 · line 23: !iopf → true');
    assert.equal(labels[2], '#3 s — returns -ENOMEM');
    assert.match(labels[3]!, /^#4 s — no finding · B runs between `a` and `c` of A \(\+1 more switch\) · switches at step 2, 3, 4$/);
    assert.match(labels[4]!, /switches at step 2, 3, 5$/);
    assert.equal(labels[5], '#6 s — iopf/use-after-free (1 ⚠)');
    assert.equal(labels[6], '#7 s — returns 1 · line 22: req->rd → true');
  });

  it('opens on the shortest counterexample, at the step where its finding is met', () => {
    const long = vpath(1, { steps: [fstep('f', 'a()'), fstep('f', 'b()'), fstep('f', 'c()')], findings: [finding(1, [fstep('f', 'a()'), fstep('f', 'b()')])] });
    const short = vpath(2, { steps: [fstep('f', 'a()'), fstep('f', 'b()')], findings: [finding(1, [fstep('f', 'a()'), fstep('f', 'b()')])] });
    const clean = vpath(3);
    assert.deepEqual(counterexample([clean, long, short]), { path: 2, step: 1 });
    assert.deepEqual(counterexample([clean, long]), { path: 1, step: 1 });
    assert.equal(counterexample([clean]), undefined);
    // Fewer thread switches wins over fewer steps.
    const twoSwitches = vpath(4, { steps: [fstep('f', 'a()', 'A'), fstep('g', 'b()', 'B'), fstep('f', 'c()', 'A')], findings: [finding(1)] });
    const oneSwitch = vpath(5, { steps: [fstep('f', 'a()', 'A'), fstep('f', 'x()', 'A'), fstep('f', 'y()', 'A'), fstep('g', 'b()', 'B')], findings: [finding(1)] });
    assert.equal(counterexample([twoSwitches, oneSwitch])!.path, 1);
    assert.equal(findingStep(vpath(6)), 0);
  });

  it('steps to the next and previous path with a finding, wrapping around', () => {
    const paths = [vpath(1), vpath(2, { findings: [finding(1)] }), vpath(3), vpath(4, { findings: [finding(1)] })];
    assert.equal(nextFindingPath(paths, 0, 1), 1);
    assert.equal(nextFindingPath(paths, 1, 1), 3);
    assert.equal(nextFindingPath(paths, 3, 1), 1);
    assert.equal(nextFindingPath(paths, 1, -1), 3);
    assert.equal(nextFindingPath([vpath(1)], 0, 1), undefined);
    assert.equal(opName('call iopf_group_alloc()'), 'iopf_group_alloc');
  });

  it('marks the node of the current step in the fault-flow diagram', () => {
    const ops = ['iommu_report_device_fault', 'mutex_lock(x)', 'iopf_group_alloc()', 'if (!group)', 'iopf_group_response(g)'];
    assert.equal(currentNode(ops, 1), 'report');
    assert.equal(currentNode(ops, 3), 'group');
    assert.equal(currentNode(ops, 4), 'response');
    assert.match(renderFlowSvg(['report', 'group'], 'group'), /class="node lane-iopf hl current" data-node="group"/);
    assert.doesNotMatch(renderFlowSvg(['report', 'group']), /current/);
  });
});

describe('CodeLens titles', () => {
  it('never read as clean when a bound cut the function, and say so when it cut every path', () => {
    assert.equal(lensTitle(3, 1, false), 'Simulate · 3 paths · 1 finding');
    assert.equal(lensTitle(64, 0, true, 2), 'Simulate · 64+ paths (bounded) · 0 findings');
    assert.equal(lensTitle(64, 0, true, 64), 'Simulate · all 64 paths cut at a bound · 0 findings so far');
    assert.equal(lensTitle(0, 0, true), 'Simulate · every path cut at a bound · 0 findings so far');
    assert.equal(lensTitle(0, 0, false), 'Simulate · checked through its callers');
  });
});
