// The honesty ledger's data: check on the real trees, every error and warning finding matched with
// the verdict a reader gave it in docs/real-code.verdicts.json (TRUE, FALSE or DEBATABLE, and why).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Workspace } from '../../extension/core/index';
import { analyzeWorkspace } from '../../extension/core/analyze';
import { queueDrainers } from '../../extension/core/sim/drains';
import type { AnalysisResult, Finding, FunctionSummary } from '../../extension/core/types';
import { KERNEL_DIRS, type KernelVersion, cFiles } from './kernel';

export const VERDICTS_FILE = join(__dirname, '..', '..', 'docs', 'real-code.verdicts.json');

export interface Verdict {
  tree: KernelVersion;
  file: string;
  function: string;
  rule: string;
  verdict: 'TRUE' | 'FALSE' | 'DEBATABLE';
  reason: string;
}

export interface TreeRun {
  version: KernelVersion;
  files: number;
  result: AnalysisResult;
  /** error and warning findings, each with its verdict when one is written */
  judged: { finding: Finding; verdict?: Verdict }[];
  /** functions that play the driver fault-path role (they report to the core) */
  reporters: FunctionSummary[];
  /**
   * the callers of those reporters in their own file (an interrupt thread that drains the hardware's
   * queue of requests or events into them), with the reporter each calls
   */
  drainers: { summary: FunctionSummary; reports: string }[];
  /** functions a driver installs as its page_response callback (they answer the device) */
  responders: FunctionSummary[];
  /** driver functions that enable or disable IOPF on a device (they call iopf_queue_add_device() or iopf_queue_remove_device()) */
  queueUsers: QueueUser[];
  ms: number;
}

/** A driver function that adds a device to its fault queue or removes it, and the callers it is checked through. */
export interface QueueUser {
  summary: FunctionSummary;
  calls: ('iopf_queue_add_device' | 'iopf_queue_remove_device')[];
  /** a static helper checked inside its callers: those callers that ran, with their paths */
  via: FunctionSummary[];
}

const QUEUE_CALLS = ['iopf_queue_add_device', 'iopf_queue_remove_device'] as const;

/** The driver functions of @result that call the fault queue's add or remove themselves (the core's own file aside). */
function queueUsersOf(ws: Workspace, result: AnalysisResult): QueueUser[] {
  const graph = ws.callGraph();
  const out: QueueUser[] = [];
  for (const f of result.functions) {
    if (f.file.endsWith('/io-pgfault.c') || !f.file.endsWith('.c')) continue;
    const def = ws.definition(f.name, f.file);
    if (!def || def.fn.file !== f.file) continue;
    const calls = QUEUE_CALLS.filter((q) => def.fn.calls.some((c) => !c.field && c.name === q));
    if (!calls.length) continue;
    const via = f.paths ? [] : result.functions.filter((c) => c.paths > 0 && c.file === f.file && (graph[c.name] ?? []).includes(f.name));
    out.push({ summary: f, calls, via });
  }
  return out;
}

/** The threads that drain a hardware queue into a reporter (queueDrainers()), as they ran. */
function drainersOf(ws: Workspace, result: AnalysisResult): TreeRun['drainers'] {
  const out: TreeRun['drainers'] = [];
  for (const d of queueDrainers(ws)) {
    const summary = result.functions.find((f) => f.file === d.file && f.name === d.name);
    if (summary) out.push({ summary, reports: d.reports });
  }
  return out;
}

export function loadVerdicts(): Verdict[] {
  return JSON.parse(readFileSync(VERDICTS_FILE, 'utf8')) as Verdict[];
}

/** The identity a verdict is written for: tree, file, entry function and rule (lines move between versions). */
export function verdictKey(v: { tree: string; file: string; function: string; rule: string }): string {
  return `${v.tree}|${v.file}|${v.function.split(' → ')[0]}|${v.rule}`;
}

/**
 * runTree - check KERNEL_DIRS of the tree at @root with include/linux beside them, as `iopf-lens
 * check drivers/iommu … include/linux` does, with paths relative to it.
 */
export async function runTree(version: KernelVersion, root: string, verdicts: Verdict[]): Promise<TreeRun> {
  const t0 = performance.now();
  const paths = [...KERNEL_DIRS, 'include/linux'].flatMap((d) => cFiles(join(root, d)));
  const ws = await Workspace.create(paths.map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') })));
  let result: AnalysisResult;
  let queueUsers: QueueUser[];
  let drainers: TreeRun['drainers'];
  try {
    result = analyzeWorkspace(ws);
    queueUsers = queueUsersOf(ws, result);
    drainers = drainersOf(ws, result);
  } finally {
    ws.dispose();
  }
  const byKey = new Map(verdicts.filter((v) => v.tree === version).map((v) => [verdictKey(v), v]));
  const judged = result.findings
    .filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((finding) => ({ finding, verdict: byKey.get(verdictKey({ tree: version, ...finding })) }));
  const reporters = result.functions.filter((f) => f.scenarios.includes('hardware-request'));
  const responders = result.functions.filter((f) => f.scenarios.includes('page-response'));
  return { version, files: paths.length, result, judged, reporters, responders, drainers, queueUsers, ms: performance.now() - t0 };
}
