// Behaviour diff of a patch or series: apply in memory, simulate the changed functions before and after, and say what changed.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { structuredPatch } from 'diff';
import * as core from '../analyze';
import type { SimulationResult } from '../analyze';
import type { AnalysisResult, AnalyzeOptions, Finding, SourceFile } from '../types';
import { applySeries, TreeState, type AppliedPatch } from './apply';
import { findCalls, findFunctions, maskedText, normalizeType, type CFunction } from './cscan';
import type { Series, SeriesPatch } from './series';
import { LIMITS, LimitError, NotReviewableError } from './policy';
import { findingPair, outcomePair, pairTexts, type PathPair } from './paths';

export type { PathPair } from './paths';

/** The analysis entry points a review runs; the core's by default, replaceable in tests of the review plumbing. */
export interface Analyzer {
  analyzeFiles(files: SourceFile[], opts?: AnalyzeOptions): Promise<AnalysisResult>;
  simulateFunction(files: SourceFile[], file: string, fn: string, opts?: AnalyzeOptions): Promise<SimulationResult>;
  /** the function definitions of a file as the analysis reads them (to check the patch's mapping of lines to functions) */
  functionRanges?(file: SourceFile): Promise<{ name: string; startLine: number; endLine: number }[]>;
}

export const coreAnalyzer: Analyzer = {
  analyzeFiles: (files, opts) => core.analyzeFiles(files, opts),
  simulateFunction: (files, file, fn, opts) => core.simulateFunction(files, file, fn, opts),
  functionRanges: (file) => core.functionRanges(file),
};

/** A path whose outcome differs before and after the patch, in plain words. */
export interface OutcomeChange {
  kind: 'outcome';
  function: string;
  /** tree-relative path and 1-based line of the function after the patch (before, if it was removed) */
  file: string;
  line: number;
  scenario: string;
  before: string;
  after: string;
  /** the outcomes both sides have, those only the side before the patch has, and those it brings */
  kept: string[];
  gone: string[];
  came: string[];
  /** the representative path of this scenario on each side: one whose outcome the patch took away, one it brought */
  paths?: PathPair;
}

/** A finding of a review, with the path that shows it and the same function and scenario on the other side of the patch. */
export type ReviewFinding = Finding & { paths?: PathPair };

/** A caller of a function whose contract (return type) the patch changed. */
export interface CallerUse {
  function: string;
  file: string;
  line: number;
  text: string;
  /** the caller used the return value before the patch */
  usedBefore: boolean;
  /** and still does after it (for int -> void this will not build; for void -> int it now relies on the value) */
  usesAfter: boolean;
}

export interface ContractChange {
  kind: 'contract';
  function: string;
  file: string;
  line: number;
  before: string;
  after: string;
  callers: CallerUse[];
}

export type Change = OutcomeChange | ContractChange;

export interface PatchReview {
  /** 1-based position in the series */
  position: number;
  total: number;
  subject: string;
  source: string;
  /** tree-relative files the patch touches */
  files: string[];
  /** functions whose text the patch changes, plus their direct callers in the analysed files */
  functions: string[];
  introduced: ReviewFinding[];
  fixed: ReviewFinding[];
  changed: Change[];
  /**
   * the text of every file the carried paths step through, per side (tree-relative path -> text): the
   * patched text exists only in memory, and a path's lines refer to its own side's text
   */
  texts: { before: Record<string, string>; after: Record<string, string> };
  /** things a reviewer should know about how far the analysis went */
  notes: string[];
  bounded: boolean;
}

export interface ReviewResult {
  title?: string;
  tree: string;
  /** every finding some patch of the series introduces (a series that breaks and later repairs still breaks bisection) */
  findings: Finding[];
  /** introduced findings still present after the last patch */
  remaining: Finding[];
  patches: PatchReview[];
  /** replies of the thread that carry a diff `git am` of the same mailbox would apply: not reviewed */
  replies: string[];
}

export interface ReviewOptions {
  analyzer?: Analyzer;
  /** most C files handed to the analyser per side of a patch */
  maxFiles?: number;
  cancelled?: () => boolean;
}

const MAX_FILES = 48;
const MAX_CALLER_FILES = 4000;
const MAX_CALLERS_ADDED = 16;
const isC = (p: string) => /\.[ch]$/.test(p);

/** A line-free identity of a finding: line numbers shift when a patch adds or removes lines above it. */
export function findingKey(f: Finding): string {
  // model object numbers (`iopf_group#33`) depend on allocation order, which a patch may change too
  const msg = f.message.replace(/\b(line|lines)\s+\d+/gi, '$1 #').replace(/:\d+(:\d+)?\b/g, ':#').replace(/#\d+/g, '#');
  return [f.rule, f.function, f.scenario ?? '', msg].join('\u0000');
}

/** A path outcome with its line numbers taken out, for the same reason. */
function outcomeKey(o: string): string {
  return o.replace(/\b(line|lines)\s+\d+/gi, '$1 #').replace(/:\d+\b/g, ':#').replace(/#\d+/g, '#').trim();
}

/** Functions of @text overlapping the lines in @lines (1-based). */
function overlapping(fns: CFunction[], lines: number[]): CFunction[] {
  return fns.filter((f) => lines.some((l) => l >= f.startLine && l <= f.endLine));
}

/**
 * changedFunctions - per touched C file, the functions whose lines the patch removes (before) or adds (after),
 * found from an exact diff of the two texts so offsets and fuzz do not matter.
 */
/** The lines a file change removes (1-based, in the text before) and adds (in the text after). */
function changedLines(before: string, after: string): { removed: number[]; added: number[] } {
  const d = structuredPatch('a', 'b', before, after, undefined, undefined, { context: 0 });
  const removed: number[] = [];
  const added: number[] = [];
  for (const h of d.hunks) {
    let o = h.oldStart;
    let n = h.newStart;
    for (const l of h.lines) {
      if (l.startsWith('-')) removed.push(o++);
      else if (l.startsWith('+')) added.push(n++);
      else if (l.startsWith(' ')) {
        o++;
        n++;
      }
    }
    // a pure deletion still changes the function around the place where lines went
    if (h.oldLines > 0 && h.newLines === 0) added.push(Math.max(1, h.newStart - 1));
  }
  return { removed, added };
}

/**
 * The top-level brace blocks of @text: 1-based first and last lines, and whether the block is data
 * (an initializer after `=`, a struct, union or enum body) rather than code.
 */
function topLevelBlocks(text: string): { startLine: number; endLine: number; data: boolean }[] {
  const m = maskedText(text);
  const out: { startLine: number; endLine: number; data: boolean }[] = [];
  let depth = 0;
  let line = 1;
  let open = { line: 1, data: false };
  for (let i = 0; i < m.length; i++) {
    const c = m[i];
    if (c === '\n') line++;
    else if (c === '{') {
      if (depth++ === 0) {
        const before = m.slice(Math.max(0, i - 200), i).replace(/\s+$/, '');
        open = { line, data: before.endsWith('=') || /\b(struct|union|enum)(\s+\w+)?$/.test(before) };
      }
    } else if (c === '}' && depth > 0 && --depth === 0) out.push({ startLine: open.line, endLine: line, data: open.data });
  }
  if (depth > 0) out.push({ startLine: open.line, endLine: line, data: open.data });
  return out;
}

/**
 * Every changed line is read as the same function by the scan that maps hunks to functions and
 * by the C parser the analysis runs on, and a changed line inside a block of code belongs to a
 * function both can name: else the review would simulate another function than the one changed
 * (an attribute or macro before the name, a brace inside #ifdef, a K&R parameter list).
 */
async function checkMapping(label: string, applied: AppliedPatch, analyzer: Analyzer): Promise<void> {
  if (!analyzer.functionRanges) return;
  for (const fc of applied.files) {
    const path = fc.newPath ?? fc.oldPath!;
    if (fc.binary || !isC(path)) continue;
    const { removed, added } = changedLines(fc.before ?? '', fc.after ?? '');
    for (const [text, lines] of [[fc.before ?? '', removed], [fc.after ?? '', added]] as const) {
      if (!lines.length) continue;
      const scan = findFunctions(text);
      const parsed = await analyzer.functionRanges({ path, text });
      const blocks = topLevelBlocks(text);
      for (const l of lines) {
        const a = scan.find((f) => l >= f.startLine && l <= f.endLine)?.name;
        const b = parsed.find((f) => l >= f.startLine && l <= f.endLine)?.name;
        if (a !== b) throw new NotReviewableError(label, path, `line ${l} is in ${a ? `${a}()` : 'no function'} for the scan that maps the patch and in ${b ? `${b}()` : 'no function'} for the C parser: which function changed cannot be told`);
        const block = blocks.find((k) => l > k.startLine && l < k.endLine);
        if (!a && block && !block.data) throw new NotReviewableError(label, path, `line ${l} is inside a block of code (lines ${block.startLine}-${block.endLine}) no parser reads as a function`);
      }
    }
  }
}

export function changedFunctions(applied: AppliedPatch): { name: string; file: string; before?: CFunction; after?: CFunction }[] {
  const out = new Map<string, { name: string; file: string; before?: CFunction; after?: CFunction }>();
  for (const fc of applied.files) {
    if (fc.binary) continue;
    const path = fc.newPath ?? fc.oldPath!;
    if (!isC(path)) continue;
    const before = fc.before ?? '';
    const after = fc.after ?? '';
    const { removed, added } = changedLines(before, after);
    const fb = findFunctions(before);
    const fa = findFunctions(after);
    for (const f of overlapping(fb, removed)) {
      const key = `${path}\u0000${f.name}`;
      out.set(key, { ...(out.get(key) ?? { name: f.name, file: path }), before: f });
    }
    for (const f of overlapping(fa, added)) {
      const key = `${path}\u0000${f.name}`;
      out.set(key, { ...(out.get(key) ?? { name: f.name, file: path }), after: f });
    }
    // a function present on both sides keeps its other half, for contract comparison
    for (const v of out.values()) {
      if (v.file !== path) continue;
      v.before ??= fb.find((f) => f.name === v.name);
      v.after ??= fa.find((f) => f.name === v.name);
    }
  }
  return [...out.values()];
}

/**
 * analysisFiles - the C files one side of a patch is analysed with: the touched files, the .c/.h files
 * beside each touched .c file, and include/linux/iommu.h when the tree has it. Bounded, touched files first.
 */
function analysisFiles(state: TreeState, touched: string[], max: number): SourceFile[] {
  const paths: string[] = [];
  const add = (p: string) => {
    if (isC(p) && !paths.includes(p) && state.exists(p)) paths.push(p);
  };
  for (const t of touched) add(t);
  // Every changed file is analysed; the cap only limits the files around them.
  const changed = paths.length;
  for (const t of touched) {
    if (!t.endsWith('.c')) continue;
    for (const p of state.list(posix.dirname(t) === '.' ? '' : posix.dirname(t))) add(p);
  }
  add('include/linux/iommu.h');
  return paths.slice(0, Math.max(max, changed)).map((p) => ({ path: p, text: state.read(p)! }));
}

/** Directories searched for callers when a contract changes: the subsystem folder of each touched .c file. */
function callerFiles(state: TreeState, touched: string[]): string[] {
  const roots = new Set<string>();
  for (const t of touched) {
    if (!t.endsWith('.c')) continue;
    const parts = t.split('/');
    roots.add(parts.length > 2 ? parts.slice(0, 2).join('/') : posix.dirname(t) === '.' ? '' : posix.dirname(t));
  }
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (out.length >= MAX_CALLER_FILES || depth > 6) return;
    for (const f of state.list(dir)) if (f.endsWith('.c') && out.length < MAX_CALLER_FILES) out.push(f);
    for (const d of state.dirs(dir)) walk(d, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  for (const t of touched) if (t.endsWith('.c') && !out.includes(t) && state.exists(t)) out.push(t);
  return out;
}

class Memo {
  private analyses = new Map<string, Promise<AnalysisResult>>();
  private sims = new Map<string, Promise<SimulationResult | undefined>>();
  /** keys used by the patch under review: the state after it is the state before the next one */
  private live = new Set<string>();
  constructor(readonly analyzer: Analyzer) {}

  /** Forgets results no later patch can reuse, so a long series holds one patch's results, not all of them. */
  nextPatch(): void {
    for (const k of this.analyses.keys()) if (!this.live.has(k)) this.analyses.delete(k);
    for (const k of this.sims.keys()) if (!this.live.has(k)) this.sims.delete(k);
    this.live = new Set();
  }

  private static key(files: SourceFile[], extra: string): string {
    const h = createHash('sha1');
    for (const f of files) h.update(f.path).update('\0').update(f.text).update('\0');
    return `${h.digest('hex')}|${extra}`;
  }

  analyze(files: SourceFile[], functions: string[], opts: AnalyzeOptions): Promise<AnalysisResult> {
    const k = Memo.key(files, functions.slice().sort().join(','));
    this.live.add(k);
    let p = this.analyses.get(k);
    if (!p) {
      p = this.analyzer.analyzeFiles(files, { ...opts, functions });
      this.analyses.set(k, p);
    }
    return p;
  }

  /** Paths of one function; undefined when the simulator cannot run it (the outcome diff is then skipped). */
  simulate(files: SourceFile[], file: string, fn: string, opts: AnalyzeOptions): Promise<SimulationResult | undefined> {
    const k = Memo.key(files, `${file}#${fn}`);
    this.live.add(k);
    let p = this.sims.get(k);
    if (!p) {
      p = this.analyzer.simulateFunction(files, file, fn, opts).catch(() => undefined);
      this.sims.set(k, p);
    }
    return p;
  }
}

/** Outcomes per scenario, line numbers neutralised. */
function outcomesByScenario(sim: SimulationResult | undefined): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const p of sim?.paths ?? []) {
    const m = out.get(p.scenario) ?? new Map<string, string>();
    m.set(outcomeKey(p.outcome), p.outcome);
    out.set(p.scenario, m);
  }
  return out;
}

function outcomeChanges(fn: string, file: string, line: number, before: SimulationResult | undefined, after: SimulationResult | undefined): OutcomeChange[] {
  if (!before || !after) return [];
  const b = outcomesByScenario(before);
  const a = outcomesByScenario(after);
  const out: OutcomeChange[] = [];
  for (const scenario of [...new Set([...b.keys(), ...a.keys()])]) {
    const bo = b.get(scenario) ?? new Map<string, string>();
    const ao = a.get(scenario) ?? new Map<string, string>();
    const gone = [...bo.keys()].filter((k) => !ao.has(k));
    const came = [...ao.keys()].filter((k) => !bo.has(k));
    if (!gone.length && !came.length) continue;
    // Every outcome of the scenario on each side, so "before — X; after — X / Y" reads without guessing what stayed.
    out.push({
      kind: 'outcome', function: fn, file, line, scenario,
      before: bo.size ? [...bo.values()].join(' / ') : 'scenario did not apply',
      after: ao.size ? [...ao.values()].join(' / ') : 'scenario no longer applies',
      kept: [...ao.entries()].filter(([k]) => bo.has(k)).map(([, v]) => v),
      gone: gone.map((k) => bo.get(k)!),
      came: came.map((k) => ao.get(k)!),
      paths: outcomePair(before.paths, after.paths, scenario, new Set(gone), new Set(came), outcomeKey),
    });
  }
  return out;
}

/**
 * A finding's identity on one side of a patch: its key and the statement it points at (the
 * allocation that leaks, the call that sleeps), whitespace folded. Two leaks of the same kind in one
 * function differ by the allocation each one names.
 */
function identity(f: Finding, files: SourceFile[]): string {
  const text = files.find((x) => x.path === f.file)?.text;
  const line = text?.split('\n')[f.line - 1]?.trim().replace(/\s+/g, ' ') ?? '';
  return `${findingKey(f)}\u0000${line}`;
}

/**
 * matchFindings - what a patch introduced and what it fixed. A finding matches one on the other side
 * with the same identity; those left match by key alone, one for one, so a patch that rewrites the
 * statement an old finding points at does not turn it into a new one, and a new failure of a kind a
 * function already had is still introduced.
 */
export function matchFindings(before: Finding[], beforeFiles: SourceFile[], after: Finding[], afterFiles: SourceFile[]): { introduced: Finding[]; fixed: Finding[] } {
  const unique = (fs: Finding[], files: SourceFile[]) => {
    const m = new Map<string, Finding>();
    for (const f of fs) {
      const id = identity(f, files);
      if (!m.has(id)) m.set(id, f);
    }
    return m;
  };
  const b = unique(before, beforeFiles);
  const a = unique(after, afterFiles);
  const lonely = (x: Map<string, Finding>, y: Map<string, Finding>) => [...x].filter(([id]) => !y.has(id)).map(([, f]) => f);
  let introduced = lonely(a, b);
  let fixed = lonely(b, a);
  const left = new Map<string, number>();
  for (const f of fixed) left.set(findingKey(f), (left.get(findingKey(f)) ?? 0) + 1);
  const paired = new Map<string, number>();
  introduced = introduced.filter((f) => {
    const k = findingKey(f);
    const n = left.get(k) ?? 0;
    if (!n) return true;
    left.set(k, n - 1);
    paired.set(k, (paired.get(k) ?? 0) + 1);
    return false;
  });
  fixed = fixed.filter((f) => {
    const k = findingKey(f);
    const n = paired.get(k) ?? 0;
    if (!n) return true;
    paired.set(k, n - 1);
    return false;
  });
  return { introduced, fixed };
}

/**
 * entryPoints - @names with every static function that has callers in @files replaced by those callers,
 * up the call chain (bounded), so helpers are simulated in the context that gives them real arguments.
 */
export function entryPoints(files: SourceFile[], names: string[]): string[] {
  const defs = new Map<string, CFunction>();
  for (const f of files) for (const d of findFunctions(f.text)) if (!defs.has(d.name) || !d.isStatic) defs.set(d.name, d);
  const callersOf = (name: string): string[] => {
    const out = new Set<string>();
    for (const f of files) for (const c of findCalls(f.text, name)) if (c.caller !== name) out.add(c.caller);
    return [...out];
  };
  const out = new Set<string>();
  const seen = new Set<string>();
  let frontier = names.map((n) => ({ n, depth: 0 }));
  while (frontier.length) {
    const next: { n: string; depth: number }[] = [];
    for (const { n, depth } of frontier) {
      if (seen.has(n)) continue;
      seen.add(n);
      const d = defs.get(n);
      if (!d) continue; // not on this side
      const up = d.isStatic ? callersOf(n) : [];
      if (!up.length || depth >= 4) out.add(n);
      else for (const c of up) next.push({ n: c, depth: depth + 1 });
    }
    frontier = next;
  }
  return [...out];
}

/** Refuses, before any simulation, a series that changes more functions than one review simulates. */
function checkWork(applied: AppliedPatch[]): void {
  let n = 0;
  for (const a of applied) {
    n += changedFunctions(a).length;
    if (n > LIMITS.changedFunctions) throw new LimitError(`the series changes more than the ${LIMITS.changedFunctions} C functions one review simulates`);
  }
}

/** reviewPatch - the behaviour diff of one applied patch. */
async function reviewPatch(patch: SeriesPatch, total: number, applied: AppliedPatch, memo: Memo, opts: ReviewOptions): Promise<PatchReview> {
  const touched = applied.files.map((f) => f.newPath ?? f.oldPath!).filter(Boolean);
  const review: PatchReview = {
    position: patch.position, total, subject: patch.label, source: patch.source, files: touched, functions: [],
    introduced: [], fixed: [], changed: [], texts: { before: {}, after: {} }, notes: [...applied.notes], bounded: false,
  };
  await checkMapping(patch.label, applied, memo.analyzer);
  const changed = changedFunctions(applied);
  if (!changed.length) {
    review.notes.push('no C function body changed: nothing to simulate');
    return review;
  }
  const max = opts.maxFiles ?? MAX_FILES;
  const beforeFiles = analysisFiles(applied.before, applied.files.map((f) => f.oldPath).filter((p): p is string => Boolean(p)), max);
  const afterFiles = analysisFiles(applied.after, applied.files.map((f) => f.newPath).filter((p): p is string => Boolean(p)), max);

  // Entry points, chosen as `check` chooses them: a static helper that something in the analysed files
  // calls is run through its callers, where its arguments are real (alone, every argument would be
  // unconstrained and a getter would look like a leak); every other changed function runs itself.
  // The direct callers of the entry points run too, as their paths go through the change.
  const names = changed.map((c) => c.name);
  const callers = new Set<string>();
  for (const side of [beforeFiles, afterFiles]) {
    for (const f of side) {
      for (const n of names) {
        for (const c of findCalls(f.text, n)) if (!names.includes(c.caller) && callers.size < MAX_CALLERS_ADDED) callers.add(c.caller);
      }
    }
  }
  const entry = new Set<string>();
  for (const side of [beforeFiles, afterFiles]) for (const n of entryPoints(side, [...names, ...callers])) entry.add(n);
  // Outcomes are compared for every function the change runs through, helpers included: a path outcome
  // is not a verdict, so an unconstrained argument does no harm there.
  const entryList = [...entry];
  const outcomeList = [...new Set([...names, ...callers, ...entry])];
  review.functions = outcomeList;
  const defined = (files: SourceFile[]) => {
    const s = new Set<string>();
    for (const f of files) for (const fn of findFunctions(f.text)) s.add(fn.name);
    return s;
  };
  const inBefore = defined(beforeFiles);
  const inAfter = defined(afterFiles);
  const aopts: AnalyzeOptions = { cancelled: opts.cancelled };
  const beforeEntry = entryList.filter((n) => inBefore.has(n));
  const afterEntry = entryList.filter((n) => inAfter.has(n));
  const [rb, ra] = await Promise.all([
    beforeEntry.length ? memo.analyze(beforeFiles, beforeEntry, aopts) : Promise.resolve(undefined),
    afterEntry.length ? memo.analyze(afterFiles, afterEntry, aopts) : Promise.resolve(undefined),
  ]);
  review.bounded = Boolean(rb?.bounded || ra?.bounded);
  if (review.bounded) review.notes.push('exploration hit a bound: the verdict is bounded, not a proof');
  const matched = matchFindings(rb?.findings ?? [], beforeFiles, ra?.findings ?? [], afterFiles);
  review.introduced = matched.introduced;
  review.fixed = matched.fixed;

  // Path outcomes, scenario by scenario: of the functions whose text changed, and of their callers, whose
  // paths change through them (a driver that logged a failed report and no longer can).
  const where = (files: SourceFile[], name: string) => {
    for (const f of files) {
      const d = findFunctions(f.text).find((x) => x.name === name);
      if (d) return { file: f.path, fn: d };
    }
    return undefined;
  };
  for (const name of outcomeList) {
    const c = changed.find((x) => x.name === name);
    if (c && (!c.before || !c.after)) continue;
    const wb = c ? { file: c.file, fn: c.before! } : where(beforeFiles, name);
    const wa = c ? { file: c.file, fn: c.after! } : where(afterFiles, name);
    if (!wb || !wa || wb.file !== wa.file) continue;
    const [sb, sa] = await Promise.all([
      memo.simulate(beforeFiles, wb.file, name, aopts),
      memo.simulate(afterFiles, wa.file, name, aopts),
    ]);
    review.changed.push(...outcomeChanges(name, wa.file, wa.fn.nameLine, sb, sa));
  }

  // Each finding with the path that shows it, and the same function and scenario across the patch.
  const findingPaths = async (f: ReviewFinding, side: 'before' | 'after') => {
    const entryFn = f.function.split(' → ')[0].trim();
    const wh = where(side === 'before' ? beforeFiles : afterFiles, entryFn);
    const wt = where(side === 'before' ? afterFiles : beforeFiles, entryFn);
    if (!wh || f.scenario === undefined) return;
    const [here, there] = await Promise.all([
      memo.simulate(side === 'before' ? beforeFiles : afterFiles, wh.file, entryFn, aopts),
      wt ? memo.simulate(side === 'before' ? afterFiles : beforeFiles, wt.file, entryFn, aopts) : Promise.resolve(undefined),
    ]);
    const pair = findingPair(f, side, here?.paths ?? [], there?.paths ?? [], findingKey);
    if (pair) f.paths = pair;
  };
  review.introduced = review.introduced.map((f) => ({ ...f }));
  review.fixed = review.fixed.map((f) => ({ ...f }));
  for (const f of review.introduced) await findingPaths(f, 'after');
  for (const f of review.fixed) await findingPaths(f, 'before');

  // Contract changes: a new return type, and the callers in the tree that relied on the old one.
  for (const c of changed) {
    if (!c.before || !c.after) continue;
    const tb = normalizeType(c.before.returnType);
    const ta = normalizeType(c.after.returnType);
    if (!tb || !ta || tb === ta) continue;
    review.changed.push({
      kind: 'contract', function: c.name, file: c.file, line: c.after.nameLine, before: tb, after: ta,
      callers: contractCallers(c.name, applied, touched),
    });
  }
  const pairs = [...review.introduced, ...review.fixed, ...review.changed].flatMap((x) => ('paths' in x && x.paths ? [x.paths] : []));
  review.texts = pairTexts(pairs, beforeFiles, afterFiles);
  return review;
}

function contractCallers(name: string, applied: AppliedPatch, touched: string[]): CallerUse[] {
  const files = [...new Set([...callerFiles(applied.before, touched), ...callerFiles(applied.after, touched)])];
  const out: CallerUse[] = [];
  for (const path of files) {
    const before = applied.before.read(path);
    const after = applied.after.read(path);
    const cb = before !== undefined ? findCalls(before, name) : [];
    const ca = after !== undefined ? findCalls(after, name) : [];
    const callers = new Set([...cb.map((c) => c.caller), ...ca.map((c) => c.caller)]);
    for (const caller of callers) {
      const b = cb.filter((c) => c.caller === caller);
      const a = ca.filter((c) => c.caller === caller);
      const usedBefore = b.some((c) => c.usesValue);
      const usesAfter = a.some((c) => c.usesValue);
      if (!usedBefore && !usesAfter) continue;
      const site = (usedBefore ? b.find((c) => c.usesValue) : a.find((c) => c.usesValue))!;
      const after = a.find((c) => c.usesValue) ?? a[0];
      out.push({ function: caller, file: path, line: (after ?? site).line, text: (after ?? site).text, usedBefore, usesAfter });
    }
  }
  return out;
}

/**
 * reviewSeries - apply @series to the tree at @tree in memory, patch after patch, and diff the behaviour
 * of each. Throws InputError/ApplyError for input that cannot be reviewed; the tree is only read.
 */
export async function reviewSeries(series: Series, tree: string, opts: ReviewOptions = {}): Promise<ReviewResult> {
  const state = TreeState.open(tree);
  const applied = applySeries(state, series.patches);
  checkWork(applied);
  const memo = new Memo(opts.analyzer ?? coreAnalyzer);
  const patches: PatchReview[] = [];
  for (let i = 0; i < applied.length; i++) {
    if (opts.cancelled?.()) break;
    patches.push(await reviewPatch(series.patches[i], series.patches.length, applied[i], memo, opts));
    memo.nextPatch();
  }
  const findings = patches.flatMap((p) => p.introduced);
  // What the series leaves behind: introduced findings that no later patch fixed.
  const remaining: Finding[] = [];
  patches.forEach((p, i) => {
    for (const f of p.introduced) {
      const k = findingKey(f);
      const fixedLater = patches.slice(i + 1).some((q) => q.fixed.some((g) => findingKey(g) === k));
      if (!fixedLater) remaining.push(f);
    }
  });
  return { title: series.title, tree, findings, remaining, patches, replies: series.replies ?? [] };
}

/** reviewApplied - the behaviour diff of one patch already applied in memory (b4-check reviews mails one at a time). */
export async function reviewApplied(patch: SeriesPatch, applied: AppliedPatch, opts: ReviewOptions = {}): Promise<PatchReview> {
  checkWork([applied]);
  return reviewPatch(patch, patch.subject.total ?? 1, applied, new Memo(opts.analyzer ?? coreAnalyzer), opts);
}
