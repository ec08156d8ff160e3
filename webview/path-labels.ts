// How the simulation panel names paths and steps: call depth, where the threads of a schedule switch,
// labels that tell paths apart, and the counterexample a panel opens on. Pure (no DOM, no vscode).
import type { SimulationCursor, ViewPath, ViewStep } from './protocol';

type StepLike = Pick<ViewStep, 'function' | 'thread'>;

/**
 * Call depth of each step: 0 in the function a thread starts in, one more in each function it calls.
 * A step in a function already on the thread's stack returns to it (the callee returned).
 */
export function callDepths(steps: readonly StepLike[]): number[] {
  const stacks = new Map<string, string[]>();
  return steps.map((s) => {
    const key = s.thread ?? '';
    let stack = stacks.get(key);
    if (!stack) { stack = [s.function]; stacks.set(key, stack); }
    const at = stack.lastIndexOf(s.function);
    if (at >= 0) stack.length = at + 1;
    else stack.push(s.function);
    return stack.length - 1;
  });
}

/** The operation a step names, without its arguments: "mutex_lock(dev_iommu#2.lock)" -> "mutex_lock". */
export function opName(op: string): string {
  const t = op.replace(/^call\s+/, '').trim();
  const m = /^[^(\s]+(?=\()/.exec(t);
  const name = m ? m[0] : t;
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

/** The runs of one thread in a schedule, in order. */
function runsOf(steps: readonly ViewStep[]): Array<{ thread: string; from: number; to: number }> {
  const runs: Array<{ thread: string; from: number; to: number }> = [];
  steps.forEach((s, i) => {
    const t = s.thread ?? '';
    const last = runs[runs.length - 1];
    if (last && last.thread === t) last.to = i;
    else runs.push({ thread: t, from: i, to: i });
  });
  return runs;
}

/** The 1-based steps where another thread takes over. */
function switchSteps(p: Pick<ViewPath, 'steps'>): number[] {
  return runsOf(p.steps).slice(1).map((r) => r.from + 1);
}

/** Thread switches in a path (0 for a single thread). */
export function switches(p: Pick<ViewPath, 'steps'>): number {
  return Math.max(0, runsOf(p.steps).length - 1);
}

/**
 * Where the threads of a concurrent path switch, in words: "remove runs between `rcu_dereference` and
 * `refcount_inc_not_zero` of report". Undefined for a path on one thread.
 */
export function scheduleOf(steps: readonly ViewStep[]): string | undefined {
  const runs = runsOf(steps);
  if (runs.length < 2 || runs.some((r) => !r.thread)) return undefined;
  const [a, b] = [runs[0]!, runs[1]!];
  const rest = (described: number) => {
    const more = runs.length - 1 - described;
    return more > 0 ? ` (+${more} more switch${more === 1 ? '' : 'es'})` : '';
  };
  const after = `\`${opName(steps[a.to]!.op)}\``;
  if (runs[2]?.thread !== a.thread) return `${b.thread} runs after ${a.thread}'s ${after}${rest(1)}`;
  return `${b.thread} runs between ${after} and \`${opName(steps[runs[2]!.from]!.op)}\` of ${a.thread}${rest(2)}`;
}

/** A branch decision as a label part: "23: !iopf = false" (or "fn:23 !iopf = false") -> "line 23: !iopf → false". */
function decision(d: string): string {
  const m = /^(?:\w+:)?(\d+):? (.*) = (\w+)$/.exec(d);
  if (!m) return d.length > 70 ? `${d.slice(0, 69)}…` : d;
  const cond = m[2]!.length > 56 ? `${m[2]!.slice(0, 55)}…` : m[2]!;
  return `line ${m[1]}: ${cond} → ${m[3]}`;
}

function baseLabel(p: ViewPath): string {
  const outcome = p.outcome || (p.findings.length ? [...new Set(p.findings.map((f) => f.rule))].join(', ') : 'no finding');
  const schedule = scheduleOf(p.steps);
  return `${p.scenario} — ${outcome}${schedule ? ` · ${schedule}` : ''}${p.bounded ? ' · cut by a bound' : ''}`;
}

/**
 * One label per path, each different from the others: "#3 partial-then-last — returns 0 · 41: !group = true".
 * Paths that would read alike are told apart by the first branch decision where they part.
 */
export function pathLabels(paths: readonly ViewPath[]): string[] {
  const base = paths.map(baseLabel);
  const groups = new Map<string, number[]>();
  base.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  const extra = paths.map(() => '');
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.forEach((i, k) => {
      const other = paths[members[k === 0 ? 1 : k - 1]!]!;
      const mine = paths[i]!.decisions ?? [];
      const theirs = other.decisions ?? [];
      const at = mine.findIndex((d, j) => d !== theirs[j]);
      const where = switchSteps(paths[i]!);
      if (at >= 0) extra[i] = ` · ${decision(mine[at]!)}`;
      else if (where.length && where.join() !== switchSteps(other).join()) extra[i] = ` · switches at step ${where.join(', ')}`;
      else extra[i] = ` · variant ${k + 1}`;
    });
  }
  return paths.map((p, i) => `#${p.id} ${base[i]}${extra[i]}${p.findings.length ? ` (${p.findings.length} ⚠)` : ''}`);
}

/** The step of a path where a finding is met: the last step of the finding's own trace when it is a prefix of the path. */
export function findingStep(p: ViewPath): number {
  const f = p.findings[0];
  if (!f) return 0;
  const n = f.trace.length;
  const last = f.trace[n - 1];
  const at = p.steps[n - 1];
  if (last && at && last.line === at.line && last.op === at.op) return n - 1;
  for (let i = p.steps.length - 1; i >= 0; i--) if (p.steps[i]!.line === f.line) return i;
  return Math.max(0, p.steps.length - 1);
}

/** The shortest counterexample: of the paths with a finding, the one with the fewest thread switches, then steps. */
export function counterexample(paths: readonly ViewPath[]): SimulationCursor | undefined {
  let best: number | undefined;
  const cost = (p: ViewPath) => [switches(p), p.steps.length] as const;
  paths.forEach((p, i) => {
    if (!p.findings.length) return;
    if (best === undefined) { best = i; return; }
    const [s, n] = cost(p), [bs, bn] = cost(paths[best]!);
    if (s < bs || (s === bs && n < bn)) best = i;
  });
  return best === undefined ? undefined : { path: best, step: findingStep(paths[best]!) };
}

/** The next (dir 1) or previous (dir -1) path with a finding, wrapping around; undefined when none has one. */
export function nextFindingPath(paths: readonly ViewPath[], from: number, dir: 1 | -1): number | undefined {
  const n = paths.length;
  for (let k = 1; k <= n; k++) {
    const i = (((from + dir * k) % n) + n) % n;
    if (paths[i]!.findings.length) return i;
  }
  return undefined;
}
