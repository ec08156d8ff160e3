// Entry points of the pure core: analyse files (check) and simulate one function (simulate).
import { splitArgs } from './parse/args';
import { ReadLog, Workspace } from './index';
import { cfgOf, fileFact, FunctionDef, isInlineDefinition, parseNotes } from './parse/source';
import { queueDrainers } from './sim/drains';
import { asConsequence, DEFAULT_BOUNDS, detectEra, drain, exploring, ExploreOptions, findingKey } from './sim/explore';
import { HELD_ACROSS_USER_COPY, TAKEN_ON_FAULT_PATH, type Era, type LockOrder } from './sim/machine';
import type { UnitResult, UnitStore } from './memo';

export { AnalysisMemo } from './memo';
import { scenariosFor, scenarioByName, type Scenario } from './sim/scenarios';
import { CONCURRENT, concurrentByName, concurrentFor, exploringConcurrent, type ConcurrentOptions, type ConcurrentScenario } from './sim/concurrent';
import { RULES } from './rules/rules';
import { InputError } from './review/mail';
import { REF_ITERATORS } from './model/refs';
import { setupPair } from './model/setup-pairs';
import { apiChecks } from './checks';
import { checkPageResponse } from './checks/page-response';
import type { AnalysisResult, AnalyzeOptions, Consequence, Finding, FunctionSummary, PathResult, ProgramSummary, SourceFile, UnknownCall } from './types';

export interface SimulationResult {
  function: FunctionSummary;
  paths: PathResult[];
  bounded: boolean;
}

/** Model operations that make a function worth simulating. */
const MODEL_OPS = /^(iopf|sva|attach|detach|iommufd|release|rcu|ref|lock|mem\.(?:free|alloc)|wq|domain)\b/;

/** The IOPF/SVA model's own API, without the kernel primitives (locks, allocation, references). */
const IOPF_OPS = /^(iopf|sva|attach|detach|iommufd|release|domain)\b/;

/** Rules that hold for any kernel object, not only the IOPF/SVA model's (AnalyzeOptions.kernelWide). */
export const KERNEL_WIDE_RULES: ReadonlySet<string> = new Set(['mem/leak', 'mem/null-deref', 'api/err-ptr-check', 'api/user-copy-result', 'api/missing-error-code', 'lock/data-race']);

/**
 * known - whether the model has something to say about @fn: it calls the IOPF/SVA API or its
 * primitives (only the API itself when @kernelWide is false).
 */
export function isKnown(fn: FunctionDef, source?: string, kernelWide = true): boolean {
  if (!kernelWide) return fn.calls.some((c) => IOPF_OPS.test(c.op));
  if (fn.calls.some((c) => MODEL_OPS.test(c.op) && c.op !== 'lock.init' && c.op !== 'lock.assert')) return true;
  // A set-up that a failing path must undo (api/error-unwind).
  if (fn.calls.some((c) => { const p = setupPair(c.field ? `->${c.name}` : c.name); return p && !p.member; })) return true;
  // Iterator macros are rewritten in the parsed text; the file's own text still names them.
  return source !== undefined && REF_ITERATOR_USE.test(source.slice(fn.range.startIndex, fn.range.endIndex));
}


/**
 * reachedFromEntries - the functions a simulated entry point reaches through calls (as deep as the
 * simulator enters bodies): a static helper among them is checked through its callers, where its
 * arguments are real. A static helper whose callers are never simulated themselves (they call
 * nothing the model knows) is reached by none and runs as an entry point of its own.
 */
function reachedFromEntries(ws: Workspace, known: (fn: FunctionDef, text: string) => boolean): Set<string> {
  const graph = ws.callGraph();
  const called = new Set(Object.values(graph).flat());
  /** What @from reach, as deep as the simulator enters bodies, added to @into. */
  const visit = (from: string[], into: Set<string>) => {
    let frontier = from;
    for (let depth = 0; depth < DEFAULT_BOUNDS.callDepth && frontier.length; depth++) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const c of graph[n] ?? []) {
          if (into.has(c)) continue;
          into.add(c);
          next.push(c);
        }
      }
      frontier = next;
    }
    return into;
  };
  const reached = new Set<string>();
  const helpers: { fn: FunctionDef; text: string }[] = [];
  const entries: string[] = [];
  for (const file of ws.files.values()) {
    for (const fn of file.functions) {
      if (!known(fn, file.text)) continue;
      if (fn.isStatic && called.has(fn.name)) helpers.push({ fn, text: file.text });
      else entries.push(fn.name);
    }
  }
  visit(entries, reached);
  // Helpers no entry reaches become entries in turn, outermost first (one that another of them
  // reaches is checked through it), and what they reach is reached.
  for (;;) {
    const open = helpers.filter((h) => !reached.has(h.fn.name) && !entries.includes(h.fn.name));
    if (!open.length) return reached;
    const inner = new Set<string>();
    for (const h of open) visit([h.fn.name], inner);
    const roots = open.filter((h) => !inner.has(h.fn.name));
    for (const h of roots.length ? roots : open.slice(0, 1)) {
      entries.push(h.fn.name);
      visit([h.fn.name], reached);
    }
  }
}

/** A for_each_*() iterator that holds a reference on its element (model/refs.ts). */
const REF_ITERATOR_USE = new RegExp(`\\b(${Object.keys(REF_ITERATORS).join('|')})\\s*\\(`);


/**
 * hardIrqHandlers - functions the tree registers as hard interrupt handlers: the handler of
 * request_irq()/devm_request_irq(), the primary handler of request_threaded_irq() and its devm_
 * form (its thread function runs in process context).
 */
function hardIrqHandlers(ws: Workspace): Set<string> {
  const out = new Set<string>();
  for (const f of ws.files.values()) {
    for (const h of fileFact(f, 'hard irq handlers', () => irqHandlersIn(f.text))) out.add(h);
  }
  return out;
}

/**
 * installedAs - functions the tree stores in a struct member named @member (`domain->iopf_handler = fn`,
 * `.page_response = fn` in an ops table).
 */
function installedAs(ws: Workspace, member: string): Set<string> {
  const out = new Set<string>();
  const re = new RegExp(`(?:->|\\.)\\s*${member}\\s*=\\s*&?\\s*(\\w+)\\s*[;,}]`, 'g');
  for (const f of ws.files.values()) {
    for (const h of fileFact(f, `installed as ${member}`, () => [...f.text.matchAll(re)].map((m) => m[1]))) {
      if (h !== 'NULL') out.add(h);
    }
  }
  return out;
}

/**
 * The roles the tree gives @name by registering it: a hard interrupt handler, a domain's
 * iopf_handler, a driver's page_response callback.
 */
function rolesIn(ws: Workspace, irq = hardIrqHandlers(ws)): (name: string) => ReadonlySet<string> | undefined {
  const iopf = installedAs(ws, 'iopf_handler');
  const respond = installedAs(ws, 'page_response');
  return (name) => {
    if (!irq.has(name) && !iopf.has(name) && !respond.has(name)) return undefined;
    return new Set([...(irq.has(name) ? ['hard-irq'] : []), ...(iopf.has(name) ? ['iopf-handler'] : []), ...(respond.has(name) ? ['page-response'] : [])]);
  };
}

function irqHandlersIn(text: string): string[] {
  const out: string[] = [];
  const re = /\b(devm_)?request_(threaded_)?irq\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const handler = splitArgs(text, m.index + m[0].length)[(m[1] ? 1 : 0) + 1]?.trim();
    if (handler && /^\w+$/.test(handler) && handler !== 'NULL') out.push(handler);
  }
  return out;
}

/** The functions @fn calls: by name, and through a struct field as `->field`. */
function callsOf(fn: FunctionDef): Set<string> {
  return new Set(fn.calls.map((c) => (c.field ? `->${c.name}` : c.name)));
}

function mentionedOutside(text: string, fn: FunctionDef): boolean {
  const re = new RegExp(`\\b${fn.name}\\b`, 'g');
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at < fn.range.startIndex || at >= fn.range.endIndex) return true;
  }
  return false;
}

function options(opts: AnalyzeOptions, withState: boolean): ExploreOptions {
  return {
    ...DEFAULT_BOUNDS,
    loopBound: opts.loopBound ?? DEFAULT_BOUNDS.loopBound,
    callDepth: opts.callDepth ?? DEFAULT_BOUNDS.callDepth,
    maxPaths: opts.maxPaths ?? DEFAULT_BOUNDS.maxPaths,
    withState,
    cancelled: opts.cancelled,
  };
}

/**
 * analyzeWorkspace - simulate every known function of @ws (or @opts.functions) under each fitting
 * scenario and collect findings, deduplicated across paths and scenarios.
 */
export function analyzeWorkspace(ws: Workspace, opts: AnalyzeOptions = {}, onlyFiles?: Set<string>): AnalysisResult {
  return drain(analyzing(ws, opts, onlyFiles));
}

/**
 * The time a sliced run keeps the thread before giving the event loop a turn: a cancellation (a newer
 * edit, the user's Cancel) is seen within about one slice plus one path.
 */
const SLICE_MS = 10;

/**
 * sliced - drive an analysis generator, giving the event loop a turn every few milliseconds and
 * stopping when @cancelled says so. Resolves to undefined when cancelled.
 */
export async function sliced<T>(g: Generator<void, T>, cancelled?: () => boolean): Promise<T | undefined> {
  let since = performance.now();
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    if (performance.now() - since < SLICE_MS) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
    if (cancelled?.()) {
      g.return(undefined as T);
      return undefined;
    }
  }
}

/** analyzeWorkspaceSliced - analyzeWorkspace() that lets the event loop run and stops on cancellation (undefined). */
export function analyzeWorkspaceSliced(ws: Workspace, opts: AnalyzeOptions = {}, onlyFiles?: Set<string>): Promise<AnalysisResult | undefined> {
  return sliced(analyzing(ws, opts, onlyFiles), opts.cancelled);
}

/** analyzing - analyzeWorkspace() as a generator that pauses after every path and schedule. */
export function* analyzing(ws: Workspace, opts: AnalyzeOptions = {}, onlyFiles?: Set<string>): Generator<void, AnalysisResult> {
  const era = detectEra(ws);
  const lockOrder: LockOrder = new Map();
  const findings = new Map<string, Finding>();
  const functions: FunctionSummary[] = [];
  const programs: ProgramSummary[] = [];
  const unknown = new Map<string, UnknownCall>();
  let bounded = false;
  const eo = options(opts, false);
  const kernelWide = opts.kernelWide !== false;
  const irq = hardIrqHandlers(ws);
  const rolesOf = rolesIn(ws, irq);
  const drainers = new Set(queueDrainers(ws).map((d) => `${d.file}\0${d.name}`));
  const throughCallers = reachedFromEntries(ws, (fn, text) => isKnown(fn, text, kernelWide) || rolesOf(fn.name) !== undefined);
  const memo = opts.memo;
  const stores = [memo, opts.units].filter((s): s is UnitStore => s !== undefined);
  // Everything a unit's result depends on besides what it reads.
  const shape = stores.length ? JSON.stringify([era, eo.loopBound, eo.callDepth, eo.maxPaths, opts.maxStates ?? 0, opts.scenarios ?? [],
    opts.functions ?? [], kernelWide, workFunctions(ws)]) : '';
  /**
   * A unit of work, re-used from a store when nothing it read changed. @home is the file of its own
   * definitions; a unit given what the tree's files say (@wholeTree) depends on all of them.
   */
  function* unit(key: string, run: () => Generator<void, UnitResult>, home?: string, wholeTree = false): Generator<void, UnitResult> {
    const share = opts.share;
    if (!share) return yield* kept(key, run, home, wholeTree);
    if (!share.claim(key)) return { scenarios: [], paths: 0, bounded: false, findings: [], unknown: [], lockOrder: [] };
    const r = yield* kept(key, run, home, wholeTree);
    share.done(key, r);
    return r;
  }
  /** A unit's result, from a store when one has it, else run (and kept in the stores). */
  function* kept(key: string, run: () => Generator<void, UnitResult>, home?: string, wholeTree = false): Generator<void, UnitResult> {
    if (!stores.length) return yield* run();
    const k = `${key}\0${shape}`;
    for (const s of stores) {
      const hit = s.reuse(k, ws, home);
      if (hit) return hit;
    }
    const log = new ReadLog();
    log.all = wholeTree;
    const outer = ws.reads;
    ws.reads = log;
    let r: UnitResult;
    try {
      r = yield* run();
    } finally {
      ws.reads = outer;
    }
    for (const s of stores) s.store(k, r, log, ws, home);
    return r;
  }
  const merge = (r: UnitResult) => {
    if (r.bounded) bounded = true;
    for (const f of r.findings) {
      if (!kernelWide && KERNEL_WIDE_RULES.has(f.rule)) continue;
      const k = findingKey(f);
      if (!findings.has(k)) findings.set(k, f);
    }
    for (const u of r.unknown) unknown.set(`${u.file}:${u.line}:${u.name}`, u);
    for (const [k, v] of r.lockOrder) if (!lockOrder.has(k)) lockOrder.set(k, v);
  };
  // Headers given beside C files are context: their static inline functions run inside their callers (or
  // stand aside for the model's contract), they are not entry points of their own. A lock wrapper
  // (cgroup_lock()) returns holding what it took, which only its callers can judge.
  const cFiles = [...ws.files.keys()].some((p) => /\.c$/.test(p) && (!onlyFiles || onlyFiles.has(p)));
  for (const file of ws.files.values()) {
    if (onlyFiles && !onlyFiles.has(file.path)) continue;
    const context = cFiles && /\.h$/.test(file.path);
    for (const fn of file.functions) {
      if (opts.functions && !opts.functions.includes(fn.name)) continue;
      if (context && isInlineDefinition(file.text, fn.range.startIndex) && !opts.functions) continue;
      // A hard interrupt handler is checked for what may sleep, whatever else it calls; a driver's
      // page_response callback, for what it does with the response it sends.
      // And the thread that drains the hardware's queue into a reporter, for every descriptor it may hold.
      const known = isKnown(fn, file.text, kernelWide) || rolesOf(fn.name) !== undefined || drainers.has(`${file.path}\0${fn.name}`);
      const summary: FunctionSummary = {
        name: fn.name, file: fn.file, line: fn.range.start.line + 1, range: fn.range,
        known, paths: 0, findings: 0, bounded: false, scenarios: [],
      };
      functions.push(summary);
      if (!known && !opts.functions) continue;
      const cfg = cfgOf(fn, file);
      const scenarios = scenariosFor(cfg, opts.scenarios, callsOf(fn), fn.text, rolesOf(fn.name));
      // Static helpers called from elsewhere in the workspace are checked through their callers,
      // where their arguments are real; on their own every argument would be unconstrained. Unless
      // what they do gives them a role of their own (a driver's fault path that reports to the core).
      if (!opts.functions && fn.isStatic && throughCallers.has(fn.name) && !scenarios.some((s) => s.role)) continue;
      // A static function nothing calls and nothing takes the address of is dead code here.
      if (!opts.functions && fn.isStatic && !mentionedOutside(file.text, fn)) continue;
      if (opts.cancelled?.()) {
        bounded = true;
        continue;
      }
      const r = yield* unit(`fn\0${file.path}\0${fn.name}\0${scenarios.map((s) => s.name).join(',')}`,
        () => functionUnit(ws, fn.name, file.path, scenarios, eo, era), file.path);
      summary.scenarios = r.scenarios;
      summary.paths = r.paths;
      summary.bounded = r.bounded;
      if (r.cut) summary.cut = r.cut;
      summary.findings = r.findings.length;
      merge(r);
    }
  }
  // Concurrent entry points: the interleavings that fit what was analysed (io-pgfault.c gets them).
  const wanted = opts.functions ? []
    : opts.scenarios?.length ? opts.scenarios.map((n) => concurrentByName(n, ws))
      // Asked for by name, a scenario still needs the bodies its threads run.
      .filter((c): c is ConcurrentScenario => c !== undefined && (c.requires ?? []).every((e) => ws.definition(e))) : concurrentFor(ws, onlyFiles);
  const concurrentKey = (c: ConcurrentScenario) => `concurrent\0${c.name}`;
  if (memo && opts.onPartial && !opts.cancelled?.()) {
    // Every function has its result; interleavings that read what changed are explored again
    // next. Until then an editor shows their previous findings.
    const stale: UnitResult[] = [];
    const pending: string[] = [];
    for (const c of wanted) {
      const p = memo.peek(`${concurrentKey(c)}\0${shape}`, ws);
      if (p?.fresh) continue;
      pending.push(c.name);
      if (p) stale.push(p.result);
    }
    if (pending.length) opts.onPartial({ ...result(stale), pending });
  }
  for (const c of wanted) {
    if (opts.cancelled?.()) {
      bounded = true;
      break;
    }
    // A lifecycle program built from the tree's roles (not one of CONCURRENT) is what the whole tree made it.
    const r = yield* unit(concurrentKey(c), () => concurrentUnit(ws, c, { ...eo, maxStates: opts.maxStates }, era), undefined, !CONCURRENT.includes(c));
    programs.push({ name: c.name, paths: r.paths, bounded: r.bounded, findings: r.findings.length });
    merge(r);
  }
  // A driver's page_response callback: what it sends the hardware names the group it answers.
  const responses: Finding[] = [];
  for (const file of ws.files.values()) {
    if ((onlyFiles && !onlyFiles.has(file.path)) || !file.path.endsWith('.c')) continue;
    for (const fn of file.functions) {
      if ((opts.functions && !opts.functions.includes(fn.name)) || !rolesOf(fn.name)?.has('page-response')) continue;
      const f = checkPageResponse(ws, fn, file);
      if (f) responses.push(f);
    }
  }
  if (responses.length) merge({ scenarios: [], paths: 0, bounded: false, findings: responses, unknown: [], lockOrder: [] });
  // API-contract checks (checks/*): each function read on its own, every function of the files.
  if (kernelWide && !opts.share) merge({ scenarios: [], paths: 0, bounded: false, findings: yield* apiChecks(ws, opts, onlyFiles), unknown: [], lockOrder: [] });
  return result([]);

  /** What was found so far, with @extra units' findings as well (not kept). */
  function result(extra: UnitResult[]): AnalysisResult {
    const all = new Map(findings);
    const orders: LockOrder = new Map(lockOrder);
    const unknownAll = new Map(unknown);
    let isBounded = bounded;
    for (const r of extra) {
      if (r.bounded) isBounded = true;
      for (const f of r.findings) if (!all.has(findingKey(f))) all.set(findingKey(f), f);
      for (const u of r.unknown) unknownAll.set(`${u.file}:${u.line}:${u.name}`, u);
      for (const [k, v] of r.lockOrder) if (!orders.has(k)) orders.set(k, v);
    }
    // A mutex the fault path takes while some other path holds it across a user copy: the IOMMU's
    // fault thread, and every page request behind it, waits on user space.
    for (const [key, seen] of orders) {
      if (!key.startsWith(TAKEN_ON_FAULT_PATH)) continue;
      const cls = key.slice(TAKEN_ON_FAULT_PATH.length);
      const hold = orders.get(HELD_ACROSS_USER_COPY + cls);
      if (!hold) continue;
      const copy = hold.trace[hold.trace.length - 1];
      const f: Finding = {
        rule: 'lock/sleep-in-atomic', severity: RULES['lock/sleep-in-atomic'].severity, file: seen.file, line: seen.line, column: 1,
        function: seen.fn,
        message: `${seen.fn}() takes ${cls} on the fault path, while ${hold.fn}() (${hold.file}:${hold.line}) holds it across ${hold.what ?? 'a user copy'}, which waits for user space to fault its pages in: the IOMMU's fault thread, and every page request after this one, waits on user space`,
        trace: copy ? [...seen.trace, { ...copy, op: `${hold.fn}(): ${copy.op}`, detail: `holds ${cls} while it waits on user space` }] : seen.trace,
      };
      all.set(findingKey(f), f);
    }
    // Lock order: two classes taken in both orders somewhere in what was analysed.
    for (const [key, seen] of orders) {
      if (key.includes('\0')) continue;
      const [a, b] = key.split(' -> ');
      const reverse = orders.get(`${b} -> ${a}`);
      if (reverse && a < b) {
        const f: Finding = {
          rule: 'lock/order', severity: RULES['lock/order'].severity, file: seen.file, line: seen.line, column: 1,
          function: seen.fn,
          message: `${a} is taken before ${b} here, but ${reverse.fn}() (${reverse.file}:${reverse.line}) takes them in the opposite order: the two paths can deadlock`,
          trace: seen.trace,
        };
        all.set(findingKey(f), f);
      }
    }
    const sorted = [...all.values()].sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line || x.rule.localeCompare(y.rule));
    const notes = parseNotes(ws.files.values(), onlyFiles);
    return { findings: sorted, functions: functions.map((f) => ({ ...f })), unknownCalls: [...unknownAll.values()], bounded: isBounded, ...(notes.length ? { notes } : {}),
      ...(programs.length ? { programs: programs.map((p) => ({ ...p })) } : {}) };
  }
}

/** One function under its scenarios: paths, findings (one per key, first scenario wins), unknown calls, lock orders. */
function* functionUnit(ws: Workspace, fn: string, file: string, scenarios: Scenario[], eo: ExploreOptions, era: Era): Generator<void, UnitResult> {
  const lockOrder: LockOrder = new Map();
  const r: UnitResult = { scenarios: [], paths: 0, bounded: false, findings: [], unknown: [], lockOrder: [] };
  const seen = new Set<string>();
  const followed = new Map<string, Map<string, Consequence>>();
  const unknown = new Map<string, UnknownCall>();
  for (const s of scenarios) {
    let res;
    try {
      res = yield* exploring(ws, fn, file, s, eo, era, lockOrder);
    } catch {
      // A construct the interpreter cannot follow must not hide the other functions' results.
      r.bounded = true;
      continue;
    }
    r.scenarios.push(s.name);
    r.paths += res.paths.length;
    if (res.bounded) r.bounded = true;
    const cut = res.paths.filter((p) => p.bounded).length;
    if (cut) r.cut = (r.cut ?? 0) + cut;
    for (const p of res.paths) {
      // One root cause per path: the first violation is the finding, what follows it on the same
      // path its consequences.
      // Allocations a path leaks together are each their own mistake, each with its own fix.
      const [first, ...rest] = p.findings;
      if (!first) continue;
      const leaks = first.rule === 'mem/leak' ? rest.filter((f) => f.rule === 'mem/leak') : [];
      const then = rest.filter((f) => !leaks.includes(f));
      for (const root of [first, ...leaks]) {
        const k = findingKey(root);
        if (!seen.has(k)) {
          seen.add(k);
          r.findings.push({ ...root, scenario: s.name });
        }
        const list = followed.get(k) ?? new Map<string, Consequence>();
        followed.set(k, list);
        if (root !== first) continue;
        for (const c of then) {
          const ck = findingKey(c);
          if (ck !== k && !list.has(ck)) list.set(ck, asConsequence(c));
        }
      }
    }
    for (const u of res.unknownCalls) unknown.set(`${u.file}:${u.line}:${u.name}`, u);
  }
  // A consequence that is also the first violation on some path stays a finding of its own.
  const roots = new Set(r.findings.map(findingKey));
  r.findings = r.findings.map((f) => {
    const cs = [...(followed.get(findingKey(f))?.entries() ?? [])].filter(([ck]) => !roots.has(ck)).map(([, c]) => c);
    return cs.length ? { ...f, consequences: cs } : f;
  });
  r.unknown = [...unknown.values()];
  r.lockOrder = [...lockOrder];
  return r;
}

/** One concurrent scenario, as a unit like a function's. */
function* concurrentUnit(ws: Workspace, c: ConcurrentScenario, opts: ConcurrentOptions, era: Era): Generator<void, UnitResult> {
  const lockOrder: LockOrder = new Map();
  const res = yield* exploringConcurrent(ws, c, opts, era, lockOrder);
  return {
    scenarios: [c.name], paths: res.paths.length, bounded: res.bounded,
    findings: res.findings.map((f) => ({ ...f, scenario: c.name })), unknown: [], lockOrder: [...lockOrder],
  };
}

/** Work functions named by INIT_WORK anywhere: their locks matter to flushes (machine.ts workLockClasses). */
function workFunctions(ws: Workspace): string[] {
  const names = new Set<string>();
  for (const f of ws.files.values()) for (const m of f.text.matchAll(/INIT_WORK\s*\([^,]+,\s*(\w+)\s*\)/g)) names.add(m[1]);
  return [...names].sort();
}

/**
 * analyzeFiles - simulate every known function of @files under every scenario that fits it.
 * Functions defined in any of @files serve as callee bodies for one another.
 */
export async function analyzeFiles(files: SourceFile[], opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const ws = await Workspace.create(files);
  try {
    return analyzeWorkspace(ws, opts);
  } finally {
    ws.dispose();
  }
}

/** functionRanges - the function definitions of @file as the C parser reads them: name and 1-based first and last lines. */
export async function functionRanges(file: SourceFile): Promise<{ name: string; startLine: number; endLine: number }[]> {
  const ws = await Workspace.create([file]);
  try {
    const parsed = ws.files.get(file.path)!;
    return [
      ...parsed.functions.map((f) => ({ name: f.name, startLine: f.range.start.line + 1, endLine: f.range.end.line + 1 })),
      // Too deeply nested to simulate, but a function all the same.
      ...(parsed.tooDeep ?? []).filter((t) => t.name).map((t) => ({ name: t.name!, startLine: t.line + 1, endLine: (t.endLine ?? t.line) + 1 })),
    ];
  } finally {
    ws.dispose();
  }
}

/** simulateInWorkspace - every path of @fn in @file under its scenarios (or @opts.scenarios), with state. */
export function simulateInWorkspace(ws: Workspace, file: string, fn: string, opts: AnalyzeOptions = {}): SimulationResult {
  return drain(simulating(ws, file, fn, opts));
}

/** simulateInWorkspaceSliced - simulateInWorkspace() that lets the event loop run and stops on cancellation (undefined). */
export function simulateInWorkspaceSliced(ws: Workspace, file: string, fn: string, opts: AnalyzeOptions = {}): Promise<SimulationResult | undefined> {
  return sliced(simulating(ws, file, fn, opts), opts.cancelled);
}

function* simulating(ws: Workspace, file: string, fn: string, opts: AnalyzeOptions): Generator<void, SimulationResult> {
  const def = ws.definition(fn, file);
  if (!def || def.fn.file !== file) throw new Error(`${file}: no function named ${fn}`);
  const cfg = cfgOf(def.fn, def.file);
  const concurrent = opts.scenarios?.length === 1 ? concurrentByName(opts.scenarios[0], ws) : undefined;
  const missing = concurrent?.requires?.filter((e) => !ws.definition(e)) ?? [];
  if (missing.length) throw new InputError(`scenario ${concurrent!.name} runs ${missing.join(', ')}, which ${missing.length === 1 ? 'has' : 'have'} no body in the given files`);
  if (concurrent) {
    const res = yield* exploringConcurrent(ws, concurrent, { ...options(opts, true), maxStates: opts.maxStates }, detectEra(ws), new Map());
    const keys = new Set(res.paths.flatMap((p) => p.findings.map(findingKey)));
    return {
      function: {
        name: fn, file, line: def.fn.range.start.line + 1, range: def.fn.range, known: isKnown(def.fn, def.file.text),
        paths: res.paths.length, findings: keys.size, bounded: res.bounded, scenarios: [concurrent.name],
      },
      paths: res.paths,
      bounded: res.bounded,
    };
  }
  const scenarios = opts.scenarios?.length
    ? opts.scenarios.map((n) => {
      const s = scenarioByName(n);
      if (!s) throw new Error(`no scenario named ${n}`);
      return s;
    })
    : scenariosFor(cfg, undefined, callsOf(def.fn), def.fn.text, rolesIn(ws)(def.fn.name));
  const era = detectEra(ws);
  const eo = options(opts, true);
  const paths: PathResult[] = [];
  let bounded = false;
  for (const s of scenarios) {
    const res = yield* exploring(ws, fn, file, s, eo, era, new Map());
    for (const p of res.paths) paths.push({ ...p, id: paths.length + 1 });
    bounded ||= res.bounded;
  }
  const keys = new Set(paths.flatMap((p) => p.findings.map(findingKey)));
  return {
    function: {
      name: fn, file, line: def.fn.range.start.line + 1, range: def.fn.range, known: isKnown(def.fn, def.file.text),
      paths: paths.length, findings: keys.size, bounded, scenarios: scenarios.map((s) => s.name),
    },
    paths,
    bounded,
  };
}

/** simulateFunction - every path of @fn in @file, with traces. */
export async function simulateFunction(files: SourceFile[], file: string, fn: string,
  opts: AnalyzeOptions = {}): Promise<SimulationResult> {
  const ws = await Workspace.create(files);
  try {
    return simulateInWorkspace(ws, file, fn, opts);
  } finally {
    ws.dispose();
  }
}
