// Before/after path pairs of a review: which simulated path of each side to show for a changed outcome or a finding, and where the two part.
import type { Finding, PathResult, SourceFile } from '../types';

/**
 * The path of one function under one scenario on each side of a patch. Steps keep the line numbers
 * of their own side's text: `before` of the tree before the patch, `after` of the patched text.
 */
export interface PathPair {
  before?: PathResult;
  after?: PathResult;
  /** index of the first step that differs between the two sides (the steps before it are the same); absent when a side is missing */
  diverge?: number;
}

/** Most paths of one side compared against the other when choosing a pair; a guard for real kernel functions with many paths. */
const MAX_CANDIDATES = 32;
/** Most steps of a path used for the similarity (the comparison is quadratic). */
const MAX_STEPS = 400;

/** A step's identity without line numbers and model object numbers, which a patch shifts. */
export function stepKey(s: { function: string; op: string; detail: string; thread?: string }): string {
  const n = (x: string) => x.replace(/#\d+/g, '#').replace(/\b(line|lines)\s+\d+/gi, '$1 #').replace(/:\d+\b/g, ':#');
  return `${s.thread ?? ''}\u0000${s.function}\u0000${n(s.op)}\u0000${n(s.detail)}`;
}

/** Length of the longest common subsequence of two key lists. */
function lcs(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    prev = cur;
  }
  return prev[b.length];
}

/** How alike two paths are, 0..1: shared steps in order over their mean length. */
export function similarity(a: PathResult, b: PathResult): number {
  const ka = a.steps.slice(0, MAX_STEPS).map(stepKey);
  const kb = b.steps.slice(0, MAX_STEPS).map(stepKey);
  if (!ka.length && !kb.length) return 1;
  return (2 * lcs(ka, kb)) / (ka.length + kb.length);
}

/** Index of the first step where @a and @b differ (the shorter length when one is a prefix of the other). */
export function divergence(a: PathResult, b: PathResult): number {
  const n = Math.min(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) if (stepKey(a.steps[i]) !== stepKey(b.steps[i])) return i;
  return n;
}

function rules(p: PathResult): Set<string> {
  return new Set(p.findings.map((f) => f.rule));
}

/** Rules found on one path and not the other: a pair whose verdicts differ tells the reviewer the most. */
function verdictDelta(a: PathResult, b: PathResult): number {
  const ra = rules(a);
  const rb = rules(b);
  let n = 0;
  for (const r of ra) if (!rb.has(r)) n++;
  for (const r of rb) if (!ra.has(r)) n++;
  return n;
}

export function makePair(before: PathResult | undefined, after: PathResult | undefined): PathPair {
  const pair: PathPair = {};
  if (before) pair.before = before;
  if (after) pair.after = after;
  if (before && after) pair.diverge = divergence(before, after);
  return pair;
}

/**
 * bestPair - of @before × @after, the pair whose verdicts differ most, then whose steps are most alike:
 * the same branch choices with a different end ("before: answered INVALID; after: returns without answering").
 */
export function bestPair(before: PathResult[], after: PathResult[], byVerdict = true): PathPair {
  const bs = before.slice(0, MAX_CANDIDATES);
  const as = after.slice(0, MAX_CANDIDATES);
  if (!bs.length || !as.length) return makePair(bs[0], as[0]);
  let best: { b: PathResult; a: PathResult; delta: number; sim: number } | undefined;
  for (const b of bs) {
    for (const a of as) {
      const delta = byVerdict ? verdictDelta(b, a) : 0;
      const sim = similarity(b, a);
      if (!best || delta > best.delta || (delta === best.delta && sim > best.sim)) best = { b, a, delta, sim };
    }
  }
  return makePair(best!.b, best!.a);
}

/**
 * outcomePair - for a scenario whose outcomes changed, the before path with an outcome the patch took away
 * and the after path with one it brought, best matched. When a side lost or gained nothing (an outcome was
 * added beside the old ones), that side offers all its paths and the match is by likeness alone.
 */
export function outcomePair(before: PathResult[], after: PathResult[], scenario: string, gone: Set<string>, came: Set<string>,
  key: (outcome: string) => string): PathPair {
  const bs = before.filter((p) => p.scenario === scenario);
  const as = after.filter((p) => p.scenario === scenario);
  const bHit = bs.filter((p) => gone.has(key(p.outcome)));
  const aHit = as.filter((p) => came.has(key(p.outcome)));
  return bestPair(bHit.length ? bHit : bs, aHit.length ? aHit : as, bHit.length > 0 && aHit.length > 0);
}

/**
 * findingPair - the path that shows @f on its side (@side), and the most alike path of the same
 * scenario on the other side, when the function runs there too. Undefined when no path of @side shows it.
 */
export function findingPair(f: Finding, side: 'before' | 'after', here: PathResult[], there: PathResult[],
  key: (f: Finding) => string): PathPair | undefined {
  const k = key(f);
  const shows = here.filter((p) => p.scenario === f.scenario && p.findings.some((g) => key({ ...g, scenario: p.scenario }) === k));
  if (!shows.length) return undefined;
  // The shortest path that shows it: the fewest steps to read.
  const mine = shows.reduce((x, y) => (y.steps.length < x.steps.length ? y : x));
  const others = there.filter((p) => p.scenario === f.scenario).slice(0, MAX_CANDIDATES);
  let other: PathResult | undefined;
  let bestSim = -1;
  for (const p of others) {
    const s = similarity(mine, p);
    if (s > bestSim) { bestSim = s; other = p; }
  }
  return side === 'after' ? makePair(other, mine) : makePair(mine, other);
}

/** The texts of the files @pairs step through, per side, from the files each side was analysed with. */
export function pairTexts(pairs: PathPair[], before: SourceFile[], after: SourceFile[]): { before: Record<string, string>; after: Record<string, string> } {
  const pick = (side: 'before' | 'after', files: SourceFile[]) => {
    const out: Record<string, string> = {};
    for (const p of pairs) {
      for (const s of p[side]?.steps ?? []) {
        if (s.file in out) continue;
        const f = files.find((x) => x.path === s.file);
        if (f) out[s.file] = f.text;
      }
    }
    return out;
  };
  return { before: pick('before', before), after: pick('after', after) };
}
