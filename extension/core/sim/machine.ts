// The interpreter for the kernel-C subset: walks CFGs with model objects as values, forks on what the
// model cannot decide (through the oracle), and runs threads as generators so interleavings can be explored.
import type { Ast } from '../parse/ast';
import { opsImplementations, sleepChain, sleepsWithoutBody } from './might-sleep';
import { CHANGES_NOTHING, inertCallee, lockBalancedCallee, pureCallee } from './inert';
import { containerOfValue } from '../model/primitives/list';
import { setupPair, shownCall, UNDOES } from '../model/setup-pairs';
import { expandExpr } from '../parse/macros';
import { callerUndoes, guardedTeardowns, memberOf, reachesCall, undoneMembers } from './teardown';
import { child, rangeOf } from '../parse/ast';
import { astOf, expressionAst } from '../parse/source';
import type { Cfg, CfgNode } from '../parse/cfg';
import { declaratorName, typeName } from '../parse/cfg';
import { replayable, type Workspace } from '../index';
import { fileFact, isInlineDefinition, type FunctionDef } from '../parse/source';
import { cleanupFunction } from '../model/primitives/cleanup';
import { CONSTANTS, errnoName } from '../model/constants';
import { Obj, Value, World, ZERO, int, ptr, valueKey } from '../model/world';
import type { Finding, Severity, SourceRange, StateSnapshot, TraceStep } from '../types';
import { contractFor, fieldContractFor, LAZY } from '../model/contracts';
import { Cut } from './cut';
import { drainsQueue } from './drains';
import { REF_GETTERS, REF_ITERATORS } from '../model/refs';
import type { PageRequest } from '../model/world';
import { RULES } from '../rules/rules';
import { fieldType } from '../model/types';

/** A scheduling point: the thread pauses before a shared-state operation, or waits on a lock. */
/** A scheduling point before a lock acquisition names the lock: the thread cannot go on while another holds it. */
export type Yield = { kind: 'sched'; lock?: number } | { kind: 'blocked'; lock: number } | { kind: 'flush' };
export type Gen<T> = Generator<Yield, T, void>;

export { Cut };

/** The lvalue `*pp` of a pointer to a pointer: the pointer it holds, not a struct to copy into. */
const POINTER_SLOT = '*slot';

/** List walks that read the next entry from the current one after the body ran. */
const UNSAFE_LIST_WALK = /^h?list_for_each_entry(?:_continue|_reverse|_from)?$/;

/** Integer types: a local of one whose address is taken is a slot, not an object. */
const SCALAR = /^(?:(?:un)?signed\b.*|int|long|short|char|bool|long long|u8|u16|u32|u64|s8|s16|s32|s64|__u\d+|__s\d+|u?int\d+_t|size_t|ssize_t|loff_t|pgoff_t|gfp_t|ioasid_t|dma_addr_t|phys_addr_t|resource_size_t)$/;

/** @e names a variable declared as a pointer. */
function pointerVar(e: Ast, frame: Frame): boolean {
  return e.type === 'identifier' && (frame.types.get(e.text!)?.pointer ?? 0) > 0;
}

/** @e names a variable of an unsigned integer type (`unsigned int nr`, `u32 pasid`, `size_t len`). */
function unsignedVar(e: Ast, frame: Frame): boolean {
  if (e.type !== 'identifier') return false;
  const t = frame.types.get(e.text!);
  return !!t && t.pointer === 0 && /^(unsigned\b.*|u8|u16|u32|u64|__u8|__u16|__u32|__u64|size_t|uint\d+_t|ioasid_t|dma_addr_t|phys_addr_t|resource_size_t)$/.test(t.type.trim());
}

/** @e names a variable declared as a pointer to a pointer (`struct foo **out`). */
function pointsToPointer(e: Ast, frame: Frame): boolean {
  return e.type === 'identifier' && (frame.types.get(e.text!)?.pointer ?? 0) >= 2;
}

/** Decisions of one run: replayed from a prefix, extended with first choices, widths recorded. */
export class Oracle {
  taken: number[] = [];
  widths: number[] = [];
  /**
   * While above 0, every decision takes its first choice and is not recorded: a callee that touches
   * nothing the model follows is run along one path (Machine.runOneWay()).
   */
  pinned = 0;
  /** decisions taken while pinned */
  guessed = 0;
  constructor(private prefix: number[]) {}
  /** true while the run is still replaying decisions of an earlier run */
  replaying(): boolean {
    return this.taken.length < this.prefix.length;
  }
  choose(n: number): number {
    if (this.pinned > 0) {
      this.guessed++;
      return 0;
    }
    const k = this.taken.length;
    const c = k < this.prefix.length ? Math.min(this.prefix[k], n - 1) : 0;
    this.taken.push(c);
    this.widths.push(n);
    return c;
  }
}

/**
 * The runs still to make, taken in turn in two orders. Depth first, as the runs of the depth-first
 * half find them: the paths that need many decisions in a row (the third pass of a loop failing).
 * And fewest deviations first: the run that takes the first choice at every decision (no
 * allocation fails, no thread is preempted), then the runs that differ from it in one decision, then
 * in two... so the early error branches of a long function are explored too. When a bound stops
 * the exploration, both kinds of path have had their share.
 */
export class Frontier {
  /** runs to make, by how many decisions they take other than the first choice */
  private readonly buckets: FrontierEntry[][] = [];
  private readonly heads: number[] = [];
  /** the runs the depth-first runs found, in the order found (the depth-first half takes from the end) */
  private readonly order: FrontierEntry[] = [];
  /** the last run handed out was a depth-first one */
  private depthFirst = true;
  private size = 0;
  private turn = 0;
  /** some runs were dropped to keep the frontier small: the exploration is not complete */
  dropped = false;

  constructor(private readonly cap = 200_000) {
    this.add(0, { base: [], at: 0, alt: -1, done: false });
  }

  /** The next run's decisions to replay, or undefined when every run is made. */
  pop(): number[] | undefined {
    let deep = this.turn++ % 2 === 0;
    let e = deep ? this.deepest() : this.fewest();
    if (!e) {
      deep = !deep;
      e = deep ? this.deepest() : this.fewest();
    }
    if (!e) return undefined;
    this.depthFirst = deep;
    e.done = true;
    this.size--;
    return e.alt < 0 ? [] : [...e.base.slice(0, e.at), e.alt];
  }

  /** After a run that replayed @prefix: every other choice at each decision it made first. */
  expand(o: Oracle, prefix: number[]): void {
    let dev = 0;
    for (const c of prefix) if (c !== 0) dev++;
    const base = o.taken;
    for (let i = prefix.length; i < base.length; i++) {
      for (let alt = 1; alt < o.widths[i]; alt++) this.add(dev + 1, { base, at: i, alt, done: false });
    }
  }

  private fewest(): FrontierEntry | undefined {
    for (let d = 0; d < this.buckets.length; d++) {
      const b = this.buckets[d];
      while (b && this.heads[d] < b.length) {
        const e = b[this.heads[d]++];
        if (!e.done) return e;
      }
      if (b?.length) {
        this.buckets[d] = [];
        this.heads[d] = 0;
      }
    }
    return undefined;
  }

  private deepest(): FrontierEntry | undefined {
    while (this.order.length) {
      const e = this.order.pop()!;
      if (!e.done) return e;
    }
    return undefined;
  }

  private add(dev: number, e: FrontierEntry): void {
    (this.buckets[dev] ??= []).push(e);
    this.heads[dev] ??= 0;
    if (this.depthFirst) this.order.push(e);
    this.size++;
    if (this.size <= this.cap) return;
    // Too many runs waiting: one with the most deviations goes.
    for (let d = this.buckets.length - 1; d >= 0; d--) {
      const b = this.buckets[d];
      while (b && b.length > this.heads[d]) {
        const gone = b.pop()!;
        if (gone.done) continue;
        gone.done = true;
        this.size--;
        this.dropped = true;
        return;
      }
    }
  }
}

interface FrontierEntry {
  /** the decisions of the run that found this one; it replays them up to @at */
  base: number[];
  at: number;
  /** the other choice it takes at @at (-1: the first run, which replays nothing) */
  alt: number;
  done: boolean;
}

/** The bits of a flag operand (`b3` of a number, `s<id>` of an undefined flag constant), maybe complemented. */
interface FlagMask {
  bits: Set<string>;
  complement: boolean;
  value: Value;
}

export interface Frame {
  fn: string;
  file: string;
  cfg: Cfg;
  env: Map<string, Value>;
  types: Map<string, { type: string; pointer: number }>;
  iters: Map<number, { members: number[]; i: number; pos: string; next?: string; kind: string; keys?: number[]; index?: string; holds?: number }>;
  visits: Map<number, number>;
  retval?: Value;
  /** locks held when the frame started, to find the ones it leaves behind */
  heldAtEntry: number[];
  rcuAtEntry: number;
  stackObjs: number[];
  depth: number;
  /** the function text announces lock hand-over (__acquires/__releases) */
  lockHelper: boolean;
  /** locals whose address the body takes (`&id`, `&ptr`): their value lives in this object's fields */
  addressed?: Obj;
  /** the return statement this frame left by */
  returnAt?: SourceRange;
  /** the syntax type of the returned expression (`identifier`, `number_literal`, ...) */
  returnExpr?: string;
  /** how many set-ups the path had made when the frame was entered (model/setup-pairs.ts) */
  setupsAtEntry: number;
  /** the CFG node being run, for state hashing */
  node?: number;
  /** Machine.epoch when each loop head was first reached */
  loopEpochs?: Map<number, number>;
  /** ring loops being run (CfgNode.ring): how many descriptors are still to handle, by the loop's test */
  rings?: Map<number, number>;
  /**
   * the queue loop whose ordinary entry is being handled along one path (Oracle.pinned), or, once it
   * held an entry of any kind, whose tail is
   */
  ringPinned?: number;
  /** queue loops that hold an entry of any kind (two entries: an ordinary one, then any) */
  ringAny?: Set<number>;
}

/** The closing brace of a definition: where a function without a return leaves. */
export function closingBrace(r: SourceRange): SourceRange {
  return { start: { line: r.end.line, column: Math.max(0, r.end.column - 1) }, end: r.end, startIndex: r.endIndex - 1, endIndex: r.endIndex };
}

export interface Bounds {
  loopBound: number;
  callDepth: number;
  maxSteps: number;
}

export interface Era {
  /** iommu_report_device_fault returns int */
  reportReturnsInt: boolean;
  /** on failure the caller answers the request (before the core answered itself) */
  callerCompletes: boolean;
  /** iopf_group holds an attach handle (not a domain) */
  groupHasHandle: boolean;
  /** the tree's iommu_ops has a release_domain (drivers fill it, the core reads it) */
  releaseDomain?: boolean;
  /** the core tracks the groups it handed out on fault_param->faults, linked by pending_node */
  pendingGroups?: boolean;
  /** iommufd attaches fault-capable page tables at a PASID, not only at the RID */
  iommufdPasidAttach?: boolean;
}

/** Global lock order seen across a whole analysis: "A -> B" with where it was seen. */
/**
 * Lock facts kept across the functions of an analysis: "a -> b" (b taken while a is held), and the
 * keys below: a mutex class held across a user copy, a mutex class the fault path takes.
 */
export type LockOrder = Map<string, { file: string; line: number; fn: string; trace: TraceStep[]; what?: string }>;
export const HELD_ACROSS_USER_COPY = 'held across a user copy\0';
export const TAKEN_ON_FAULT_PATH = 'taken on the fault path\0';

export class Machine {
  world = new World();
  steps: TraceStep[] = [];
  findings: Finding[] = [];
  bounded = false;
  decisions: string[] = [];
  unknownCalls: { name: string; file: string; line: number; function: string }[] = [];
  /** current thread id */
  tid = 0;
  stacks: Frame[][] = [];
  scenario: import('./scenarios').Scenario | undefined;
  /** the scenario's device, once its world is built */
  worldDevice: Obj | undefined;
  /** what the iopf_handler contract returns for the handed group; undefined forks both ways */
  handlerResult: number | undefined = 0;
  stepCount = 0;
  concurrent = false;
  /** threads started while running (the fault work a handler queues), picked up by the scheduler */
  spawned: { tid: number; gen: Gen<Value> }[] = [];
  /** threads that are queued work (a flush waits for them) */
  workTids = new Set<number>();
  /**
   * Happens-before edges between threads: list accesses of @before up to index @at of listAccesses
   * are ordered before every later access of @after (queueing work forks it, a flush joins it).
   */
  ordered: { before: number; after: number; at: number }[] = [];
  /** per thread, the last top-level frame it left and where: end checks of a concurrent scenario point there */
  exits = new Map<number, { frame: Frame; at: SourceRange }>();

  /** Whether queued work is still running: flush_workqueue() waits for it in concurrent exploration. */
  workRunning(): boolean {
    for (const t of this.workTids) if (!this.world.threads[t].done) return true;
    return false;
  }

  /** spawn - start a thread running @body (concurrent exploration only). */
  spawn(name: string, body: (m: Machine) => Gen<Value>): void {
    const tid = this.world.threads.length;
    this.world.threads.push({ id: tid, name, held: [], rcuDepth: 0, atomic: 0, done: false });
    this.stacks[tid] = [];
    this.workTids.add(tid);
    // What this thread did before queueing the work happens before anything the work does.
    this.ordered.push({ before: this.tid, after: tid, at: this.listAccesses.length });
    const self = this;
    const outer = this.frame();
    function* run(): Gen<Value> {
      // The new thread starts with a frame standing for its work function.
      self.stacks[tid].push({ ...outer, fn: name, env: new Map(), iters: new Map(), visits: new Map(), heldAtEntry: [], rcuAtEntry: 0, stackObjs: [], depth: 0 });
      try {
        return yield* body(self);
      } finally {
        self.stacks[tid].pop();
      }
    }
    this.spawned.push({ tid, gen: run() });
  }

  /** A canonical text of everything that decides the future: shared state and each thread's place. */
  fingerprint(): string {
    let s = `${this.world.fingerprint()}#`;
    // State the world keeps outside its objects: attachments, xarrays, SVA bonds, RCU readers, IS_ERR() decisions.
    for (const [k, v] of this.attached) s += `${k}>${v},`;
    s += '|';
    for (const [x, e] of this.xas) {
      s += `${x}{`;
      for (const [k, v] of e) s += `${k}>${v},`;
      s += '},';
    }
    s += '|';
    for (const [k, v] of this.svaBinds) s += `${k}>${v},`;
    s += '|';
    for (const [k, v] of this.symErr) s += `${k}${v ? 'E' : ''},`;
    s += '|';
    for (const o of this.world.objs.values()) if (o.rcuReaders?.size) s += `${o.id}r${[...o.rcuReaders].join('.')},`;
    s += '#';
    for (let t = 0; t < this.stacks.length; t++) {
      s += `${t}:`;
      for (const f of this.stacks[t]) {
        s += `${f.fn}@${f.node ?? -1}[`;
        for (const [k, v] of f.env) s += `${k}=${valueKey(v)},`;
        s += ']';
        for (const i of f.iters.values()) s += `${i.i}.`;
        s += '/';
      }
      s += '|';
    }
    return s;
  }

  constructor(
    readonly ws: Workspace,
    readonly oracle: Oracle,
    readonly bounds: Bounds,
    readonly era: Era,
    readonly lockOrder: LockOrder,
    readonly withState: boolean,
  ) {}

  // -- bookkeeping --------------------------------------------------------------------------------

  /** The running frame; between calls of a scenario, a stand-in for the entry point. */
  frame(): Frame {
    const s = this.stacks[this.tid];
    if (s.length) return s[s.length - 1];
    if (!this.idle) throw new Error('no frame');
    return this.idle;
  }

  idle: Frame | undefined;

  snapshot(): StateSnapshot {
    const w = this.world;
    const refs: Record<string, number> = {};
    const freed: string[] = [];
    for (const o of w.objs.values()) {
      if (o.count !== undefined && !w.root(o.id).freed) refs[w.name(o.id)] = o.count;
      if (o.freed && !o.parent && o.alloc !== 'stack') freed.push(`${w.name(o.id)}${o.freed === 'rcu' ? ' (kfree_rcu, grace period pending)' : ''}`);
    }
    const locks: string[] = [];
    for (const t of w.threads) for (const l of t.held) locks.push(`${w.name(l)}${w.threads.length > 1 ? ` (${t.name})` : ''}`);
    const lists: Record<string, string[]> = {};
    for (const [h, m] of w.lists) if (m.length && !w.root(h).freed) lists[w.name(h)] = m.map((n) => w.name(w.root(n).id));
    const requests: Record<string, string> = {};
    for (const r of w.requests) {
      const key = `grpid ${r.grpid}${r.pasid ? ` pasid ${r.pasid}` : ''}${r.last ? '' : ' (partial)'}`;
      requests[key] = r.responses.length
        ? r.responses.map((x) => `answered ${x.code === undefined ? '?' : x.code}`).join(', ')
        : r.owedBy ? `waiting (${r.owedBy} owes the answer)` : r.last ? 'waiting' : 'collected';
    }
    return { refs, locks, lists, requests, freed, rcuDepth: w.threads[this.tid]?.rcuDepth ?? 0 };
  }

  /** Records a trace step at @at. */
  step(at: Ast | SourceRange | undefined, op: string, detail = ''): void {
    const f = this.frame();
    const range = at ? ('children' in at ? rangeAt(at) : at) : f.cfg.range;
    const s: TraceStep = { file: f.file, line: range.start.line + 1, range, op, detail, function: f.fn };
    if (this.concurrent) s.thread = this.world.threads[this.tid].name;
    if (this.withState) s.state = this.snapshot();
    this.steps.push(s);
  }

  /** A step the scenario takes itself, between or after the calls it makes: it is at no statement. */
  scenarioStep(at: SourceRange, op: string, detail = ''): void {
    this.step(at, op, detail);
    this.steps[this.steps.length - 1]!.origin = 'scenario';
  }

  report(rule: string, message: string, at?: Ast | SourceRange, severity?: Severity): void {
    const f = this.frame();
    const range = at ? ('children' in at ? rangeOf(at) : at) : f.cfg.range;
    this.step(range, `✗ ${rule}`, message);
    const entry = this.stacks[this.tid][0] ?? f;
    this.findings.push({
      rule,
      severity: severity ?? RULES[rule]?.severity ?? 'error',
      file: f.file,
      line: range.start.line + 1,
      column: range.start.column + 1,
      function: f.fn === entry.fn ? f.fn : `${entry.fn} → ${f.fn}`,
      message,
      trace: [...this.steps],
    });
  }

  tick(): void {
    if (++this.stepCount > this.bounds.maxSteps) {
      this.bounded = true;
      throw new Cut('bounded');
    }
  }

  name(v: Value): string {
    switch (v.k) {
      case 'ptr': return this.world.name(v.obj);
      case 'int': return v.v < 0 ? errnoName(v.v) : String(v.v);
      case 'err': return `ERR_PTR(${errnoName(v.code)})`;
      case 'sym': return this.world.symNames.get(v.id) ?? `?${v.id}`;
      case 'fn': return v.name;
      case 'str': return JSON.stringify(v.s);
    }
  }

  // -- values -------------------------------------------------------------------------------------

  /**
   * The outcome the condition being decided is expected to have, when its code says so: an
   * `unlikely()` or `WARN_ON()` condition is false on the main path, a `likely()` one true. A path
   * takes the expected outcome first, so the main path of a long function is among the first runs
   * and the rare branches among its one-decision deviations.
   */
  private expect: boolean | undefined;

  /** Decides whether @v is non-zero: concrete values decide, symbols fork once and stay decided. */
  truthy(v: Value, why: string): boolean {
    switch (v.k) {
      case 'int': return v.v !== 0;
      case 'ptr': case 'err': case 'fn': case 'str': return true;
      case 'sym': {
        const same = this.truthOf.get(v.id);
        if (same !== undefined) return this.truthy({ k: 'sym', id: same }, why);
        const known = this.world.symTruth.get(v.id);
        if (known !== undefined) return known;
        // An unknown whose range the path has narrowed past 0 (n > 1 held) is not 0.
        if (this.ranges.has(v.id) || this.positive.has(v.id)) {
          const [lo, hi] = this.rangeOf(v.id);
          if (lo > 0 || hi < 0 || (lo === 0 && hi === 0)) {
            this.world.symTruth.set(v.id, lo !== 0 || hi !== 0);
            return lo !== 0 || hi !== 0;
          }
        }
        // A comparison of an unknown with a constant follows from what the path knows of the unknown...
        const cmp = this.comparisons.get(v.id);
        const base = cmp ? this.world.symTruth.get(cmp.sym) : undefined;
        if (cmp?.c === 0 && base === true && (cmp.op === '==' || cmp.op === '!=')) {
          const t = cmp.op === '!=';
          this.world.symTruth.set(v.id, t);
          return t;
        }
        if (cmp?.c !== undefined) {
          const d = this.decided(cmp.sym, cmp.op, cmp.c);
          if (d !== undefined) {
            this.world.symTruth.set(v.id, d);
            return d;
          }
        }
        const first = this.expect ?? true;
        const t = this.oracle.choose(2) === 0 ? first : !first;
        this.world.symTruth.set(v.id, t);
        this.decisions.push(`${why} = ${t}`);
        this.assumed.push({ syms: cmp ? [v.id, cmp.sym] : [v.id], t });
        if (cmp?.c !== undefined) this.constrain(cmp.sym, cmp.op, cmp.c, t);
        // ...and tells it something: ret < 0 means ret is not 0 (if (ret) later agrees).
        if (cmp?.c === 0 && base === undefined) {
          const nonzero = t ? cmp.op === '<' || cmp.op === '>' || cmp.op === '!=' : cmp.op === '==' ? true : cmp.op === '>=' || cmp.op === '<=';
          const zero = t ? cmp.op === '==' : cmp.op === '!=';
          if (nonzero) this.world.symTruth.set(cmp.sym, true);
          else if (zero) this.world.symTruth.set(cmp.sym, false);
        }
        return t;
      }
    }
  }

  // -- references taken by kernel getters (model/refs.ts) -------------------------------------------

  /** References taken on this path: on which object, by which call, dropped by which, still held. */
  refs: { obj: number; getter: string; putter: string; at: SourceRange; file: string; open: boolean; droppedAt?: SourceRange; label?: string; found?: boolean; shownPutter?: string; failureOnly?: boolean }[] = [];

  /**
   * takeRef - a reference on @obj: @found when the getter found a new object (its count is what
   * this path took), else taken on an object the path was given (its count is not known).
   */
  takeRef(obj: number, getter: string, putter: string, at: Ast | SourceRange, label?: string, found = false, failureOnly = false): void {
    const range = 'children' in at ? rangeOf(at) : at;
    this.refs.push({ obj, getter, putter, at: range, file: this.frame().file, open: true, label, found, ...(failureOnly ? { failureOnly } : {}) });
  }

  /** How a reference's object reads in a message: the code's own words when known. */
  refName(r: { obj: number; label?: string }): string {
    return r.label && !/^\s*$/.test(r.label) ? `${r.label.trim()} (${this.world.name(r.obj)})` : this.world.name(r.obj);
  }

  /**
   * dropRef - @putter drops a reference on @obj: one this path took, else one it was given. A drop
   * of what this path took and already dropped is a second drop.
   */
  dropRef(obj: number, putter: string, at: Ast): void {
    // An object seen since as the member of a container (to_pci_dev(dev)) is the same object:
    // references are compared by what each one is part of now.
    const root = this.world.root(obj).id;
    const mine = this.refs.filter((r) => (r.obj === obj || this.world.root(r.obj).id === root) && r.putter === putter);
    const open = mine.filter((r) => r.open).pop();
    if (open) {
      open.open = false;
      open.droppedAt = rangeOf(at);
      return;
    }
    // Only an object this path found knows its count: another may hold references from before.
    const last = mine.pop();
    if (last && mine.concat(last).every((r) => r.found)) {
      this.report('iopf/refcount-imbalance', `${putter}() drops the reference on ${this.refName(last)} that ${last.getter}() took at line ${last.at.start.line + 1} a second time (it was dropped at line ${(last.droppedAt?.start.line ?? 0) + 1})`, at);
    }
  }

  private settleCalleeRefs(refsAtEntry: number, storedAtEntry: number, retval: Value | undefined, api: boolean, callee: string,
    at: Ast | undefined): void {
    const open = this.refs.slice(refsAtEntry).filter((r) => r.open);
    if (!open.length) return;
    const returned = this.reachableFrom(retval ? [retval] : []);
    const stored = this.reachableFrom(this.stored.slice(storedAtEntry));
    const caller = this.stacks[this.tid][this.stacks[this.tid].length - 2];
    for (const r of open) {
      if (returned.has(r.obj) && at && caller) {
        // A getter of the tree (iommu_group_get()) hands its reference to the caller: for the caller
        // it was taken at the call.
        r.getter = callee;
        r.at = rangeOf(at);
        r.file = caller.file;
        r.label = undefined;
        r.shownPutter = REF_GETTERS[callee]?.putter;
        continue;
      }
      if (stored.has(r.obj) || this.handedOver.has(r.obj) || !api) continue;
      r.open = false;
    }
  }

  /** Roots reachable from @values through object fields (and from a member to its container). */
  reachableFrom(values: Value[]): Set<number> {
    const w = this.world;
    const out = new Set<number>();
    const todo: number[] = [];
    const add = (v: Value | undefined) => {
      if (!v) return;
      const n = this.norm(v);
      if (n.k !== 'ptr' || !w.objs.has(n.obj)) return;
      const r = w.root(n.obj).id;
      if (!out.has(r)) {
        out.add(r);
        todo.push(r);
      }
    };
    for (const v of values) add(v);
    for (;;) {
      while (todo.length) {
        const o = w.objs.get(todo.pop()!);
        if (o) for (const v of o.fields.values()) add(v);
      }
      for (const [container, member] of w.pendingMember) if (out.has(w.root(member).id)) add(ptr(container));
      if (!todo.length) break;
    }
    return out;
  }

  /** An iterator moving on (or ending) drops the reference it held on the element it stood on. */
  private iterMoves(it: { holds?: number; kind: string }, at: SourceRange): void {
    if (it.holds === undefined) return;
    const r = this.refs.filter((x) => x.obj === it.holds && x.getter === it.kind && x.open).pop();
    if (r) {
      r.open = false;
      r.droppedAt = at;
    }
    it.holds = undefined;
  }

  /** Comparisons of an unknown with 0, by the unknown that stands for their result. */
  private comparisons = new Map<number, { sym: number; op: string; c?: number }>();
  /** unknowns that are NULL exactly when another is (a pointer moved by arithmetic) */
  private truthOf = new Map<number, number>();

  /** nullWith - @v is NULL exactly when @of is (a pointer moved by arithmetic, a member's container). */
  nullWith(v: Value, of: Value): Value {
    if (v.k === 'sym' && of.k === 'sym') this.truthOf.set(v.id, of.id);
    return v;
  }
  /** what the path has decided of an unknown integer: its least and greatest possible values */
  private ranges = new Map<number, [number, number]>();

  /** The range the path allows for @sym: its decisions so far, and what the model knows of it. */
  private rangeOf(sym: number): [number, number] {
    let [lo, hi] = this.ranges.get(sym) ?? [-Infinity, Infinity];
    if (this.positive.has(sym)) lo = Math.max(lo, 1);
    else if (this.nonNegative.has(sym)) lo = Math.max(lo, 0);
    const truth = this.world.symTruth.get(sym);
    if (truth === false) return [Math.max(lo, 0), Math.min(hi, 0)];
    // Not 0: a range that starts or ends at 0 moves past it.
    if (truth === true && lo === 0) lo = 1;
    if (truth === true && hi === 0) hi = -1;
    return [lo, hi];
  }

  /** Whether `sym op c` follows from the path's decisions (undefined: either may hold). */
  private decided(sym: number, op: string, c: number): boolean | undefined {
    const [lo, hi] = this.rangeOf(sym);
    switch (op) {
      case '<': return hi < c ? true : lo >= c ? false : undefined;
      case '<=': return hi <= c ? true : lo > c ? false : undefined;
      case '>': return lo > c ? true : hi <= c ? false : undefined;
      case '>=': return lo >= c ? true : hi < c ? false : undefined;
      case '==': return lo === c && hi === c ? true : c < lo || c > hi ? false : undefined;
      case '!=': return lo === c && hi === c ? false : c < lo || c > hi ? true : undefined;
      default: return undefined;
    }
  }

  /** Records that `sym op c` is @holds on this path. */
  private constrain(sym: number, op: string, c: number, holds: boolean): void {
    let [lo, hi] = this.ranges.get(sym) ?? [-Infinity, Infinity];
    const o = holds ? op : ({ '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' } as Record<string, string>)[op];
    if (o === '<') hi = Math.min(hi, c - 1);
    else if (o === '<=') hi = Math.min(hi, c);
    else if (o === '>') lo = Math.max(lo, c + 1);
    else if (o === '>=') lo = Math.max(lo, c);
    else if (o === '==') { lo = Math.max(lo, c); hi = Math.min(hi, c); }
    else return;
    this.ranges.set(sym, [lo, hi]);
  }

  /** What user space wrote into the buffers the scenario's writes copy from: fields by name. */
  userWrites: Map<string, Value> | undefined;

  /** Unknowns known never to be negative (an id from ida_alloc_max()). */
  nonNegative = new Set<number>();
  /** iterators over a set the code does not name (CPUs): whether the path found it empty */
  globalWalks = new Map<string, boolean>();
  /** unknowns with bits known set or known clear, by flag arithmetic (`flags | F`, `flags & ~F`) */
  bitsSet = new Map<number, Set<string>>();
  bitsClear = new Map<number, Set<string>>();
  /** branches whose condition decided unknowns (assumed[index..end)), by the condition's place */
  guessedBranches: { file: string; start: number; stop: number; index: number; end: number }[] = [];
  /** unknowns the path decided, in order: which (and what they compare), and whether taken as non-zero */
  assumed: { syms: number[]; t: boolean }[] = [];
  /** bits of bitmaps the path set, cleared or decided (model/primitives/bitops.ts) */
  bitmapBits = new Map<string, boolean>();
  bitmapUnknown = new Map<string, Value>();
  /** unknowns that are `~F` of a flag F (its bits) */
  complementOf = new Map<number, Set<string>>();

  /**
   * A flag operand of `x | F` / `x & F` / `x & ~F`: a number, a flag constant the tree does not define
   * (UACCE_DEV_SVA, an upper-case name), or the complement of one; each bit a key. @x is the other side.
   */
  private flagOperands(l: Value, r: Value): { x: Value & { k: 'sym' }; mask: FlagMask } | undefined {
    const ml = this.flagMask(l);
    const mr = this.flagMask(r);
    if (r.k === 'sym' && ml && !(mr && this.bitsSet.has(r.id))) return { x: r, mask: ml };
    if (l.k === 'sym' && mr) return { x: l, mask: mr };
    return undefined;
  }

  private flagMask(v: Value): FlagMask | undefined {
    if (v.k === 'int') {
      const n = v.v < 0 ? ~v.v : v.v;
      const bits = new Set<string>();
      for (let i = 0; i < 32; i++) if ((n >>> i) & 1) bits.add(`b${i}`);
      return { bits, complement: v.v < 0, value: v };
    }
    if (v.k !== 'sym') return undefined;
    const c = this.complementOf.get(v.id);
    if (c) return { bits: c, complement: true, value: v };
    const name = this.world.symNames.get(v.id) ?? '';
    return /^[A-Z][A-Z0-9_]*$/.test(name) && this.world.globals.get(name) === v ? { bits: new Set([`s${v.id}`]), complement: false, value: v } : undefined;
  }

  /** unknowns known to be greater than 0 (the element count of an array) */
  positive = new Set<number>();

  /** The object a pointer value designates; a non-zero symbol becomes a fresh world object. */
  deref(v: Value, at: Ast | undefined, hint = '?', holder?: { obj: number; field: string }): Obj | undefined {
    if (v.k === 'ptr') return this.world.obj(v.obj);
    if (v.k === 'sym') {
      this.world.symTruth.set(v.id, true);
      const o = this.world.alloc(hint, 'world');
      this.world.symNames.set(v.id, this.world.name(o.id));
      // Remember the materialised object where the symbol was read from, so it stays the same object.
      if (holder) this.world.obj(holder.obj).fields.set(holder.field, ptr(o.id));
      this.symObj.set(v.id, o.id);
      return o;
    }
    if (v.k === 'int' && v.v === 0) {
      // A NULL a call returned on this path (an allocation that failed), never tested: a bug. Any
      // other NULL reaching a dereference is taken for a path the code rules out.
      if (v.why) {
        this.report('mem/null-deref', `${at ? this.src(at).replace(/\s+/g, ' ').slice(0, 60) : 'a pointer'} dereferences NULL: ${v.why}${v.tested ? '' : ' and nothing on this path tested it'}`, at);
        throw new Cut('stop');
      }
      this.step(at, 'NULL dereference', 'the path dereferences a NULL pointer');
      throw new Cut('infeasible');
    }
    if (v.k === 'err') {
      if (v.why) {
        this.report('mem/null-deref', `${at ? this.src(at).replace(/\s+/g, ' ').slice(0, 60) : 'a pointer'} dereferences an error pointer: ${v.why} and nothing on this path tested it with IS_ERR()`, at);
        throw new Cut('stop');
      }
      this.step(at, 'ERR_PTR dereference', 'the path dereferences an error pointer');
      throw new Cut('infeasible');
    }
    return undefined;
  }

  private symObj = new Map<number, number>();
  private memo = new Map<string, Value>();

  // -- world services used by contracts -----------------------------------------------------------

  refTouched = new Set<number>();
  svaBinds = new Map<string, number>();
  private xas = new Map<number, Map<number, number>>();
  private symErr = new Map<number, boolean>();
  private workLocks: Set<string> | undefined;

  /** Objects stored in an xarray whose owner is still live: reachable, not leaked. */
  xaHeld(): Set<number> {
    const out = new Set<number>();
    for (const [x, entries] of this.xas) {
      if (this.world.root(x).freed) continue;
      for (const id of entries.values()) if (this.world.objs.has(id)) out.add(this.world.root(id).id);
    }
    return out;
  }

  /**
   * listOf - the nodes on the list @head. A list the path knows nothing of (the head of an object it
   * did not build, never initialised nor linked by it) is empty or holds an entry the path does not
   * know, linked by @member: the choice is made at the first look and kept for the path. Only with
   * unconstrained arguments (the `default` scenario): a named scenario, a program or an interleaving
   * describes the world it runs in (a process that never bound a device has no SVA domain on its
   * mm), and an entry the path does not know keeps none of the invariants of the list it is on.
   */
  listOf(head: Obj, member = 'list'): number[] {
    const w = this.world;
    if (!this.concurrent && this.scenario?.name === 'default' && !w.lists.has(head.id) && !w.nodeOn.has(head.id)) {
      const root = w.root(head.id);
      if (root.alloc === 'world' && !root.zeroedBut && head.id !== root.id) {
        w.lists.set(head.id, []);
        if (this.oracle.choose(2) === 1) {
          const entry = w.alloc('?', 'world');
          w.listAdd(w.sub(entry.id, /^\w+$/.test(member) ? member : 'list', 'list_head').id, head.id, true);
        }
      }
    }
    return w.listMembers(head.id);
  }

  private xaUnknown = new Map<string, Value>();

  /**
   * unknownXaEntry - what xa_load() finds at index @key (an unknown) of @x, an xarray inside an object
   * the path was given and has stored nothing into: NULL or an entry the path does not know,
   * decided once per index (default scenario, one thread). Undefined when the xarray is the path's own.
   */
  unknownXaEntry(x: Obj, key: Value): Value | undefined {
    const w = this.world;
    const root = w.root(x.id);
    if (this.concurrent || this.scenario?.name !== 'default' || root.alloc !== 'world' || root.zeroedBut || x.id === root.id) return undefined;
    if (this.xas.get(x.id)?.size) return undefined;
    const k = `${x.id}:${valueKey(this.norm(key))}`;
    let v = this.xaUnknown.get(k);
    if (!v) {
      v = this.oracle.choose(2) === 1 ? ptr(w.alloc('?', 'world').id) : ZERO;
      this.xaUnknown.set(k, v);
    }
    return v;
  }

  /**
   * What an index the path does not know finds in an xarray the path itself filled (a registry a
   * device's probe stored it in, looked up by minor number in the file's open): one of the entries or
   * nothing, the same answer for the same index on the whole path.
   */
  storedXaEntry(x: Obj, key: Value): Value | undefined {
    const entries = this.xas.get(x.id);
    if (!entries?.size) return undefined;
    const k = `${x.id}:${valueKey(this.norm(key))}`;
    let v = this.xaUnknown.get(k);
    if (!v) {
      const ids = [...entries.values()];
      const i = this.oracle.choose(ids.length + 1);
      v = i < ids.length ? ptr(ids[i]) : ZERO;
      this.xaUnknown.set(k, v);
    }
    return v;
  }

  /** An entry stored (@v) or erased (ZERO) at an index the path does not know: the same index finds it so from now on. */
  rememberXaEntry(x: Obj, key: Value, v: Value): void {
    this.xaUnknown.set(`${x.id}:${valueKey(this.norm(key))}`, v);
  }

  xa(id: number): Map<number, number> {
    let x = this.xas.get(id);
    if (!x) {
      x = new Map();
      this.xas.set(id, x);
    }
    return x;
  }

  /** IS_ERR() of a symbolic pointer: forks once, then stays decided. */
  isErr(v: Value & { k: 'sym' }, why: string): boolean {
    let e = this.symErr.get(v.id);
    if (e === undefined) {
      e = this.oracle.choose(2) === 1;
      this.symErr.set(v.id, e);
      this.decisions.push(`IS_ERR(${why}) = ${e}`);
      if (e) this.world.symTruth.set(v.id, true);
    }
    return e;
  }

  /** The iommu_ops of @dev's driver: one world object per device, shaped by the scenario. */
  opsOf(dev: Obj): Value {
    const have = dev.fields.get('__ops');
    if (have) return have;
    const ops = this.world.alloc('iommu_ops', 'world');
    ops.fields.set('page_response', { k: 'fn', name: 'page_response' });
    ops.fields.set('release_device', { k: 'fn', name: 'release_device' });
    ops.fields.set('user_pasid_table', ZERO);
    ops.fields.set('release_domain', this.scenario?.releaseDomain && this.era.releaseDomain ? ptr(this.world.alloc('iommu_domain', 'world').id) : ZERO);
    dev.fields.set('__ops', ptr(ops.id));
    return ptr(ops.id);
  }

  /**
   * Attach handles recorded by iommu_attach_device_pasid() (and by the scenario), by group and PASID:
   * `group|pasid`. The same PASID (an mm's, global) is attached on each device's group of its own.
   */
  attached = new Map<string, number>();

  /** The key of @pasid on @group (default: the scenario device's group). */
  attachKey(pasid: Value, group?: Value): string {
    const g = group ? this.norm(group) : this.worldDevice?.fields.get('iommu_group');
    const gk = !g ? 'g' : g.k === 'ptr' ? `g${this.world.root(g.obj).id}` : g.k === 'sym' ? `s${g.id}` : 'g';
    const pk = pasid.k === 'int' ? String(pasid.v) : pasid.k === 'sym' ? `s${pasid.id}` : '?';
    return `${gk}|${pk}`;
  }

  /** The iommu_group of device @dev, as attach and detach by device find it. */
  groupOfDevice(dev: Value | undefined): Value | undefined {
    const d = dev ? this.norm(dev) : undefined;
    if (d?.k !== 'ptr') return undefined;
    return this.readField(this.world.obj(d.obj), 'iommu_group');
  }

  /** iommu_attach_handle_get(): the handle attached at @pasid of @group, else ERR_PTR(-ENOENT). */
  attachHandle(pasid: Value, at: Ast, quiet = false, group?: Value): Value {
    const key = this.attachKey(pasid, group);
    let h = this.attached.get(key);
    if (h === undefined && this.scenario?.anyPasid && !this.scenario.noDomain && pasid.k !== 'err') {
      this.attach(pasid, this.world.alloc('iommu_attach_handle', 'world'), ptr(this.faultDomain().id), group);
      h = this.attached.get(key);
    }
    if (h === undefined || this.world.root(h).freed) {
      if (quiet) return { k: 'err', code: -CONSTANTS.ENOENT };
      this.step(at, 'iommu_attach_handle_get()', `nothing attached at PASID ${pasid.k === 'int' ? pasid.v : '?'}: ERR_PTR(-ENOENT)`);
      return { k: 'err', code: -CONSTANTS.ENOENT };
    }
    this.step(at, 'iommu_attach_handle_get()', `${this.world.name(h)}`);
    return ptr(h);
  }

  /** A fault-capable domain whose handler accepts groups. */
  private faultDomain(): Obj {
    const d = this.world.alloc('iommu_domain', 'world');
    d.fields.set('iopf_handler', { k: 'fn', name: 'iopf_handler' });
    return d;
  }

  /** Records @handle as attached at @pasid of @group (default: the scenario device's), with @domain. */
  attach(pasid: Value, handle: Obj, domain: Value, group?: Value): void {
    handle.fields.set('domain', domain);
    this.attached.set(this.attachKey(pasid, group), handle.id);
  }

  /**
   * In a driver's fault path, the event the driver hands to the core's iommu_report_device_fault()
   * (its body or its contract) is a request the device made and waits on.
   */
  hardwareRequest(dev: Value | undefined, evt: Value | undefined): void {
    if (!this.scenario?.hardwareRequests || evt?.k !== 'ptr') return;
    // The device the driver looked up for the request (its stream table, its PCI function) is
    // the scenario's device: IOPF enabled, its group and driver ops, unless the path already
    // learned something else about it.
    const d = dev ? this.norm(dev) : undefined;
    const world = this.worldDevice;
    if (d?.k === 'ptr' && world && d.obj !== world.id) {
      const o = this.world.obj(d.obj);
      for (const f of ['iommu', 'iommu_group', '__ops']) {
        const v = world.fields.get(f);
        if (v && !o.fields.has(f)) o.fields.set(f, v);
      }
    }
    this.requestFor(this.world.obj(evt.obj));
  }

  /**
   * In the era where iommu_report_device_fault() returns int and a failed report leaves the answer
   * to the driver, a request whose report failed is owed by the reporter ('reporter'): it answers
   * it itself or hands the failure on to its own caller.
   */
  reportReturned(evt: Value | undefined, ret: Value | undefined): void {
    if (!this.era.callerCompletes || evt?.k !== 'ptr' || !ret) return;
    const r = this.world.requests.find((q) => q.evt === evt.obj);
    if (!r || r.responses.length || r.owedBy) return;
    if (this.isFailure(ret)) r.owedBy = 'reporter';
    // Called by a driver (the core's report is not the function under review): a report that
    // succeeded handed the request to the fault handler the driver registered, which answers it.
    // The core's own paths are checked when it is the entry point.
    else if (this.stacks[this.tid].length > 1 && this.isSuccess(ret)) r.owedBy = 'core';
  }

  /** Whether a returned value is 0: an int 0, or an unknown the path decided to be 0. */
  isSuccess(v: Value): boolean {
    const n = this.norm(v);
    if (n.k === 'int') return n.v === 0;
    return n.k === 'sym' && this.world.symTruth.get(n.id) === false;
  }

  /** Whether a returned value is an error: a negative int, an error pointer, an unknown known to be nonzero. */
  isFailure(v: Value): boolean {
    const n = this.norm(v);
    if (n.k === 'int') return n.v !== 0;
    if (n.k === 'err') return true;
    return n.k === 'sym' && this.world.symTruth.get(n.id) === true;
  }

  /** The device's page request an event carries, registered on first sight. */
  requestFor(evt: Obj): PageRequest {
    const have = this.world.requests.find((r) => r.evt === evt.id);
    if (have) return have;
    const fault = this.world.sub(evt.id, 'fault', 'iommu_fault');
    const prm = this.world.sub(fault.id, 'prm', 'iommu_fault_page_request');
    const g = prm.fields.get('grpid');
    // A field never written of a zeroed or stack event (`struct iopf_fault event = { };`) is 0.
    const zeroed = (o: Obj) => o.alloc === 'zeroed' || o.alloc === 'stack' || this.world.root(o.id).alloc === 'stack';
    const flags = prm.fields.get('flags') ?? (zeroed(prm) ? ZERO : undefined);
    const last = flags?.k === 'int' ? (flags.v & CONSTANTS.IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE) !== 0 : true;
    const r: PageRequest = { grpid: g?.k === 'int' ? g.v : this.world.requests.length + 1, pasid: 0, last, responses: [], evt: evt.id };
    this.world.requests.push(r);
    return r;
  }

  /**
   * The function a static ops table of the tree names for @member (`.release = iommufd_fault_fops_release`
   * in `iommufd_fault_fops`), read from the table's designated initializer.
   */
  opsMember(table: string, member: string): string | undefined {
    return this.ws.treeAnswer('ops member', [table, member], () => opsMemberOf(this.ws, table, member));
  }

  /** Field names of locks that work functions take (flushing while holding one deadlocks). */
  workLockClasses(): Set<string> {
    this.workLocks ??= this.ws.treeAnswer('work lock classes', [], () => workLockClassesOf(this.ws));
    return this.workLocks;
  }

  /** An lvalue for contracts that assign (rcu_assign_pointer). */
  *lvalueOf(e: Ast): Gen<{ local: string } | { obj: Obj; field: string } | undefined> {
    return yield* this.lvalue(e, this.frame());
  }

  /** The object a value key (valueKey()) names now: a pointer's, or the one an unknown has since become. */
  keyObject(key: string): number | undefined {
    const id = Number(key.slice(1));
    if (key[0] === 'p') return id;
    return key[0] === 's' ? this.symObj.get(id) : undefined;
  }

  /** Normalises a symbol already materialised into an object. */
  norm(v: Value): Value {
    if (v.k === 'sym') {
      const o = this.symObj.get(v.id);
      if (o !== undefined) return ptr(o);
    }
    return v;
  }

  /** Checks that @o may be touched now: not freed, not reclaimed after a grace period. */
  touch(o: Obj, at: Ast | undefined, what: string): void {
    const root = this.world.root(o.id);
    if (!root.freed || root.alloc === 'stack') {
      if (root.freed && root.alloc === 'stack') this.report('iopf/use-after-free', `${what} ${this.world.name(o.id)} after the function that owned it returned`, at);
      return;
    }
    if (root.freed === 'rcu') {
      const t = this.world.thread(this.tid);
      if (root.rcuReaders?.has(this.tid) && t.rcuDepth > 0) return;
      this.report('iopf/use-after-free', `${what} ${this.world.name(o.id)} after kfree_rcu(): only readers that were already inside rcu_read_lock() may still use it`, at);
      throw new Cut('stop');
    }
    this.report('iopf/use-after-free', `${what} ${this.world.name(o.id)} after it was freed${root.freed === 'kfree' ? ' with kfree()' : ''}`, at);
    throw new Cut('stop');
  }

  readField(o: Obj, field: string, at?: Ast): Value {
    this.touch(o, at, `reads ${field} of`);
    const v = o.fields.get(field);
    if (v) return this.norm(v);
    let fresh: Value;
    if ((o.alloc === 'zeroed' || o.alloc === 'stack') && !this.world.root(o.id).unknownContents) fresh = ZERO;
    else if (o.zeroedBut && !o.zeroedBut.has(field)) fresh = ZERO;
    else {
      // The model's own field table first, then the tree's struct definitions.
      const known = fieldType(o.type, field) ?? (o.type !== '?' ? this.ws.memberType(o.type, field) : undefined);
      fresh = this.world.sym(`${this.world.name(o.id)}->${field}`);
      if (known) this.symType.set((fresh as { id: number }).id, known);
    }
    o.fields.set(field, fresh);
    return fresh;
  }

  symType = new Map<number, string>();

  writeField(o: Obj, field: string, v: Value, at?: Ast): void {
    this.epoch++;
    this.touch(o, at, `writes ${field} of`);
    const old = o.fields.get(field);
    if (old?.k === 'ptr' && at && (v.k !== 'ptr' || v.obj !== old.obj) && this.world.objs.has(old.obj)) {
      const target = this.world.root(old.obj);
      if (target.alloc === 'heap' || target.alloc === 'zeroed') this.overwritten.set(target.id, { file: this.frame().file, at });
    }
    o.fields.set(field, v);
    this.stored.push(v);
  }

  /** Where a field holding a pointer to an allocation was last given another value (a leak says where it lost it). */
  overwritten = new Map<number, { file: string; at: Ast }>();

  /** Values this path stored into a field or a global: what it keeps, for reference checks. */
  stored: Value[] = [];

  // -- running functions --------------------------------------------------------------------------

  /**
   * A contract reads its arguments by position; a call with too few of them (code being typed, or cut
   * by a macro the neutralizer could not follow) gets an empty NULL for each missing one.
   */
  private padArgs(args: Value[], argAsts: Ast[], at: Ast): [Value[], Ast[]] {
    if (args.length >= CONTRACT_ARGS && argAsts.length >= CONTRACT_ARGS) return [args, argAsts];
    const a = [...args];
    const as = [...argAsts];
    while (a.length < CONTRACT_ARGS) a.push(ZERO);
    const none: Ast = { type: 'null', text: '', start: at.end, end: at.end, startLine: at.endLine, startCol: at.endCol, endLine: at.endLine, endCol: at.endCol, children: [] };
    while (as.length < CONTRACT_ARGS) as.push(none);
    return [a, as];
  }

  /**
   * Set-ups this path made (model/setup-pairs.ts) and not yet undone: the call, the objects it names,
   * what it returned, and how deep the stack was.
   */
  setups: {
    /** the set-up call, and the values of the arguments its undo names (model/setup-pairs.ts) */
    name: string; vals: Value[];
    /** how many unknowns the path had decided when it was made (guardGuessed()) */
    assumedAt: number;
    result: Value; tid: number; at: SourceRange; file: string; open: boolean;
    /** the struct member it was made on (`amd_iommu.iommu`), when its first argument names one */
    member?: string;
    /** a function of the tree that can undo it was called since and did not (see call()) */
    maybeUndone?: boolean;
    /** a function returned failure with it made: reported when the path ends without undoing it */
    left?: { message: string; clause?: string; returns: string; at: SourceRange; file: string; fn: string };
  }[] = [];
  /** Undo calls this path made: which set-up they undo, on what, and how many set-ups there were then. */
  undos: { name: string; keys: string[]; tid: number; index: number; line: number; fn: string }[] = [];

  /** Calls @name with @args (call() does the calling), keeping account of set-ups and their undoing. */
  *call(name: string, args: Value[], argAsts: Ast[], at: Ast, fromFile: string): Gen<Value> {
    this.noteUndo(name, args, at);
    const before = this.setups.length;
    const r = yield* this.callInner(name, args, argAsts, at, fromFile);
    // A function of the tree that undoes a set-up on some path of its body, called and returned
    // without undoing it: which path it took rests on what the model could not decide (a count the
    // path does not know, `if (--idev->iopf_enabled == 0)`), so the set-up is no longer known open.
    if (this.ws.known(name)) {
      for (const s of this.setups.slice(0, before)) {
        if (s.open && !s.maybeUndone && reachesCall(this.ws, name, setupPair(s.name)!.undo, fromFile)) s.maybeUndone = true;
      }
    }
    // What a callee set up for the object it returns (the attach under iommu_sva_bind_device()) is
    // that object's: releasing it undoes them, and what the caller owes is that release.
    if (this.norm(r).k === 'ptr') for (const s of this.setups.slice(before)) s.open = false;
    this.noteSetup(name, args, argAsts, at, r);
    return r;
  }

  /** An undo call (model/setup-pairs.ts): closes the set-ups it undoes; one that only failed here is reported. */
  private noteUndo(name: string, args: Value[], at: Ast): void {
    for (const setupName of UNDOES.get(name) ?? []) {
      const p = setupPair(setupName)!;
      if (!p.undoArgs.every((i) => args[i] !== undefined)) continue;
      const keys = p.undoArgs.map((i) => valueKey(this.norm(args[i])));
      this.undos.push({ name: setupName, keys, tid: this.tid, index: this.setups.length, line: at.startLine + 1, fn: this.frame().fn });
      // Compared as they are now: an unknown the path has since learned to be an object is that object.
      const same = this.setups.filter((s) => s.name === setupName && s.tid === this.tid && keys.every((k, j) => k === valueKey(this.norm(s.vals[j]))));
      for (const s of same) {
        if (s.open || s.left) {
          s.open = false;
          s.left = undefined;
        }
      }
      // This path tried the set-up on these objects, it failed, and nothing set it up since: the
      // undo takes down what is not there (or what someone else set up).
      const last = same[same.length - 1];
      // Not when the undo sits under a test the path passed by taking something unknown as set
      // since the set-up (a flag or field that may say an earlier set-up is there): it may be that one's.
      const res = last && this.norm(last.result);
      const rid = res?.k === 'sym' ? res.id : -1;
      const guessed = last && this.guardGuessed(at, last.assumedAt, rid);
      if (last && !guessed && !this.concurrent && this.failedResult(last.result)) {
        this.report('api/undo-not-set-up', `${shownCall(name)}() undoes the ${shownCall(setupName)}() that failed at ${this.siteName(last, this.frame().file)} on this path for the same ${p.undoArgs.length > 1 ? 'objects' : 'object'}: it takes down what was never set up`, at);
      }
    }
  }

  /**
   * Whether a condition that encloses the call @at in its function was passed, since assumption
   * @from, by taking as set an unknown other than @except (the set-up's own result).
   */
  private guardGuessed(at: Ast, from: number, except: number): boolean {
    const f = this.frame();
    const guesses = this.guessedBranches.filter((g) => g.file === f.file && g.index >= from && this.assumed.slice(g.index, g.end).some((a) => a.t && !a.syms.includes(except)));
    if (!guesses.length) return false;
    const def = this.ws.definition(f.fn, f.file);
    if (!def) return false;
    const conds: Ast[] = [];
    const visit = (n: Ast): void => {
      if (n.type === 'if_statement') {
        const c = child(n, 'condition');
        if (c && !(c.start <= at.start && at.end <= c.end)) conds.push(c);
      }
      for (const k of n.children) if (k.start <= at.start && at.end <= k.end) visit(k);
    };
    visit(astOf(def.fn, def.file));
    return guesses.some((g) => conds.some((c) => c.start <= g.start && g.stop <= c.end));
  }

  /** Where a set-up was made, as a finding in @file names it: `line 12`, or `file.c:12` in another file. */
  private siteName(s: { file: string; at: SourceRange }, file: string): string {
    return s.file === file ? `line ${s.at.start.line + 1}` : `${s.file.split('/').pop()}:${s.at.start.line + 1}`;
  }

  /** Whether a set-up's result says it failed: a negative errno, an error pointer, or an unknown the path took as non-zero. */
  private failedResult(v: Value): boolean {
    const r = this.norm(v);
    return r.k === 'err' || (r.k === 'int' ? r.v < 0 : r.k === 'sym' && this.world.symTruth.get(r.id) === true && !(this.ranges.has(r.id) && this.rangeOf(r.id)[0] > 0));
  }

  /** A set-up call (model/setup-pairs.ts) made: recorded with the objects it names and what it returned. */
  private noteSetup(name: string, args: Value[], argAsts: Ast[], at: Ast, r: Value): void {
    const setup = setupPair(name);
    if (!setup || this.concurrent || !setup.args.every((i) => args[i] !== undefined)) return;
    const f = this.frame();
    const keys = setup.args.map((i) => valueKey(this.norm(args[i])));
    // Setting up again what this function took down (a disable that restores on failure) is no
    // new set-up: it puts back what its caller had.
    const restore = this.undos.some((u) => u.name === name && u.tid === this.tid && u.index >= f.setupsAtEntry && u.keys.every((k, j) => k === keys[j]));
    // The member of an object it was made on (`&iommu->iommu` of a struct amd_iommu), if it was.
    const a0 = argAsts[setup.args[0]];
    const text = a0 && this.ws.files.get(f.file)?.text;
    const m = text ? memberOf(text.slice(a0.start, a0.end)) : undefined;
    const type = m && f.types.get(m.base)?.type;
    this.setups.push({ name, vals: setup.args.map((i) => args[i]), assumedAt: this.assumed.length, result: r, tid: this.tid, at: rangeOf(at), file: f.file, open: !restore, member: m && type ? `${type}.${m.field}` : undefined });
  }

  /**
   * A frame that returns failure with a set-up made on its path (by itself or a callee that
   * succeeded) and not undone: its caller takes the failure to mean nothing was set up.
   */
  private unwound(frame: Frame, fn: FunctionDef): void {
    if (!frame.retval || this.concurrent) return;
    const ret = this.norm(frame.retval);
    const open = this.setups.some((s, i) => s.open && i >= frame.setupsAtEntry);
    // An unknown returned as it came (`return register(...);`): with a set-up open, whether it
    // failed is decided here, both ways.
    if (open && ret.k === 'sym' && !frame.cfg.returnType.endsWith('*') && returnsErrno(fn) && this.world.symTruth.get(ret.id) === undefined) {
      this.truthy(ret, `${frame.fn}() returns ${this.name(ret)}`);
    }
    // A failure: an error pointer, a negative errno, or an unknown the path took as non-zero in a
    // function that reports failures as negative errnos (`return ret;` after `if (ret)`).
    const failed = ret.k === 'err' || (!frame.cfg.returnType.endsWith('*') && this.failedResult(ret) && (ret.k !== 'sym' || returnsErrno(fn)));
    if (!failed) return;
    for (const [i, s] of this.setups.entries()) {
      if (!s.open || s.maybeUndone || i < frame.setupsAtEntry) continue;
      const pairing = setupPair(s.name)!;
      if (pairing.member) {
        // State inside an object: owed when the failing path frees the object, and the tree pairs it.
        const v = this.norm(s.vals[0]);
        if (v.k !== 'ptr' || !this.world.objs.has(v.obj) || !this.world.root(v.obj).freed) continue;
        // Handed to a function the model cannot see into (a destroy callback called through a
        // table) before it was freed: that may have undone it.
        if (this.world.root(v.obj).unseenCallback) continue;
        if (!s.member || !undoneMembers(this.ws, pairing.undo).has(s.member)) continue;
      } else {
        // Only a set-up known to have succeeded: its result tested as 0.
        const r = this.norm(s.result);
        const ok = r.k === 'int' ? r.v === 0 : r.k === 'sym' && this.world.symTruth.get(r.id) === false;
        if (!ok) continue;
      }
      s.open = false;
      // Undone by the object's own teardown, which checks whether it was set up.
      if (s.member && guardedTeardowns(this.ws, pairing.undo).has(s.member)) continue;
      // The path's entry point: its callers in the tree were not run; one that undoes it cleans up.
      if (frame.depth === 0 && callerUndoes(this.ws, frame.fn, pairing.undo)) continue;
      const where = this.siteName(s, frame.file);
      const at = frame.returnAt ?? closingBrace(frame.cfg.range);
      this.step(at, `${frame.fn}() fails with ${shownCall(s.name)}() made`, `it has not called ${shownCall(pairing.undo)}()`);
      s.left = {
        message: pairing.member
          ? `${frame.fn}() returns failure (${this.name(ret)}) having freed ${this.world.name(this.world.root((this.norm(s.vals[0]) as { obj: number }).obj).id)} with the lock ${s.name}() initialised at ${where} and no ${pairing.undo}(), which the tree calls on the same member when it tears the object down: the error path skips the pairing the rest of the tree keeps (mutex_destroy() is how lock debugging marks a mutex dead)`
          : `${frame.fn}() returns failure (${this.name(ret)}) without ${shownCall(pairing.undo)}() for the ${shownCall(s.name)}() at ${where}, and nothing on the path after it does: its caller takes the failure to mean nothing was set up`,
        clause: pairing.member ? undefined : `${shownCall(pairing.undo)}() for the ${shownCall(s.name)}() at ${where}`,
        returns: `${frame.fn}() returns failure (${this.name(ret)})`,
        at, file: frame.file, fn: frame.fn,
      };
    }
  }

  /** At the end of a path: the set-ups a failing function left and nothing after it undid. */
  leftSetUp(): void {
    // Set-ups left at one return are one finding that names them all.
    const byReturn = new Map<string, NonNullable<Machine['setups'][number]['left']>[]>();
    for (const s of this.setups) {
      if (!s.left) continue;
      const k = s.left.clause ? `${s.left.file}\0${s.left.at.startIndex}` : `${byReturn.size}\0mutex`;
      byReturn.set(k, [...(byReturn.get(k) ?? []), s.left]);
      s.left = undefined;
    }
    for (const group of byReturn.values()) {
      const { at, file, fn } = group[0];
      const message = group.length === 1 ? group[0].message
        : `${group[0].returns} without ${group.map((g) => g.clause).join(', nor ')}, and nothing on the path after it does: its caller takes the failure to mean nothing was set up`;
      const entry = this.stacks[this.tid][0]?.fn ?? fn;
      // The path shows it where the function returned, as the last step.
      this.steps.push({ file, line: at.start.line + 1, range: at, op: '✗ api/error-unwind', detail: message, function: fn });
      this.findings.push({
        rule: 'api/error-unwind', severity: RULES['api/error-unwind'].severity, file, line: at.start.line + 1, column: at.start.column + 1,
        function: entry === fn ? fn : `${entry} → ${fn}`, message, trace: [...this.steps],
      });
    }
  }

  /** how many macro expansions the expression being evaluated sits in */
  private expanding = 0;

  /**
   * The expression a call of the tree's expression macro @name stands for at @at, its arguments
   * substituted as written. Only arguments without side effects are substituted (they were
   * evaluated once already); nested expansions stop at a depth a real macro never needs.
   */
  private expansion(name: string, argAsts: Ast[], at: Ast, fromFile: string): Ast | undefined {
    if (this.expanding >= 8 || argAsts.some(hasEffects)) return undefined;
    const mac = this.ws.exprMacro(name, fromFile);
    if (!mac || mac.params.length !== argAsts.length) return undefined;
    const file = this.ws.files.get(fromFile);
    const cache = file ? fileFact(file, 'expansions', () => new Map<string, Ast | null>()) : new Map<string, Ast | null>();
    const key = `${name}@${at.start}:${at.end}`;
    let ast = cache.get(key);
    if (ast === undefined) {
      // Each node keeps the text it has in the expansion (an argument's, for a macro called inside).
      ast = expressionAst(expandExpr(mac, argAsts.map((a) => this.src(a))), at, (n, text) => srcs.set(n, text)) ?? null;
      if (ast) srcs.set(ast, this.src(at));
      cache.set(key, ast);
    }
    return ast ?? undefined;
  }

  /** Calls @name with @args: its body when the workspace has one (to a bounded depth), else its contract. */
  private *callInner(name: string, args: Value[], argAsts: Ast[], at: Ast, fromFile: string): Gen<Value> {
    const depth = this.stacks[this.tid].length;
    const onStack = this.stacks[this.tid].some((f) => f.fn === name);
    const def = this.ws.definition(name, fromFile);
    const contract = contractFor(name);
    // The model's contract stands for a kernel primitive whose static inline body a header gives
    // (IS_ERR(), kzalloc(), spin_unlock_irqrestore(), refcount_dec_and_test(), list_add()): the
    // body reads state the model keeps elsewhere (an atomic, a debug check) and would lose it.
    const headerBody = def !== undefined && inlineInHeader(def.fn, def.file.text);
    if (def && !onStack && depth < this.bounds.callDepth && !(contract && (PREFER_CONTRACT.has(name) || headerBody))) {
      if (!contract && this.oneWay(name, args, fromFile)) return yield* this.runOneWay(name, args, at, fromFile);
      return yield* this.runFunction(name, args, at, fromFile);
    }
    if (contract) {
      if (!CHANGES_NOTHING.has(name)) this.epoch++;
      return yield* contract(this, ...this.padArgs(args, argAsts, at), at);
    }
    // A macro of the tree that wraps container_of() (`confdev_to_idxd_dev(dev)`): the container.
    const wrapped = !def && args.length === 1 ? this.ws.containerMacro(name, fromFile) : undefined;
    if (wrapped) return containerOfValue(this, args[0], wrapped.type, wrapped.member);
    // Any other macro of the tree whose body is one expression: that expression, in the caller.
    const expansion = !def && !KEEPS_NOTHING.test(name) ? this.expansion(name, argAsts, at, fromFile) : undefined;
    if (expansion) {
      this.expanding++;
      try {
        return yield* this.eval(expansion, this.frame());
      } finally {
        this.expanding--;
      }
    }
    // A message printed, a tracepoint hit: nothing written that a loop's next pass could read.
    if (def || !PRINTS_ONLY.test(name)) this.epoch++;
    if (def && !onStack) {
      this.bounded = true;
      this.step(at, `${name}() not entered`, 'call depth bound reached; its effects are unknown');
      this.sleepsUnfollowed(at, name, fromFile);
    } else if (!def) {
      const f = this.frame();
      this.unknownCalls.push({ name, file: f.file, line: at.startLine + 1, function: f.fn });
      // Without a body, its name and arguments still say whether it sleeps (drain_workqueue(), GFP_KERNEL).
      if (this.inAtomic() && sleepsWithoutBody(name, argAsts.map((x) => this.src(x)))) this.mightSleep(at, `${name}()`);
    }
    if (!KEEPS_NOTHING.test(name)) this.escape(args);
    if (!def && HANDS_OVER.test(name)) this.handOver(args);
    // to_iommufd_handle(h) and friends wrap container_of(): the argument's container.
    if (!def && /^to_\w+$/.test(name) && args.length === 1 && args[0].k === 'ptr') {
      const o = this.world.obj(args[0].obj);
      if (o.parent) return ptr(o.parent.obj);
      const c = this.world.alloc(name.slice(3), 'world');
      this.world.pendingMember.set(c.id, o.id);
      return ptr(c.id);
    }
    // An unknown call gives the same result for the same arguments along one path
    // (IS_ENABLED(CONFIG_X86), arch_pgtable_dma_compat(mm)): the world does not change its mind.
    // Unless the object it returned has been freed since: whatever freed it (iommu_fwspec_free())
    // may also have cleared where it came from (dev_iommu_fwspec_set(dev, NULL)), which an unknown
    // getter cannot show, so the next call is a new unknown rather than the freed object.
    const key = `${name}(${args.map(valueKey).join(',')})`;
    let v = this.memo.get(key);
    if (v?.k === 'sym' && this.symObj.has(v.id) && this.world.root(this.symObj.get(v.id)!).freed) v = undefined;
    if (!v) {
      v = this.world.sym(`${name}()`);
      this.memo.set(key, v);
    }
    return v;
  }

  *callField(field: string, base: Obj | undefined, args: Value[], argAsts: Ast[], at: Ast): Gen<Value> {
    this.noteUndo(`->${field}`, args, at);
    const r = yield* this.callFieldInner(field, base, args, argAsts, at);
    this.noteSetup(`->${field}`, args, argAsts, at, r);
    return r;
  }

  private *callFieldInner(field: string, base: Obj | undefined, args: Value[], argAsts: Ast[], at: Ast): Gen<Value> {
    const contract = fieldContractFor(field);
    if (contract) return yield* contract(this, ...this.padArgs(args, argAsts, at), at, base);
    // A function pointer the model knows nothing about: its value may name a workspace function.
    const fnv = base ? base.fields.get(field) : undefined;
    if (fnv?.k === 'fn' && this.ws.definition(fnv.name)) return yield* this.call(fnv.name, args, argAsts, at, this.frame().file);
    const f = this.frame();
    this.unknownCalls.push({ name: `->${field}`, file: f.file, line: at.startLine + 1, function: f.fn });
    this.sleepsUnfollowed(at, field, f.file, base?.type ?? '?');
    this.escape(args);
    // A callback the model cannot see (`ops[obj->type].destroy(obj)`) may undo what was set up in them.
    for (const a of args) {
      const v = this.norm(a);
      if (v.k === 'ptr' && this.world.objs.has(v.obj)) this.world.root(v.obj).unseenCallback = true;
    }
    return this.world.sym(`${field}()`);
  }

  /**
   * Objects handed, as themselves (not a member's address), to a call the model cannot see into
   * whose name says it keeps what it is given (component_match_add_release(), list or xarray
   * insertions, registrations): their references go with them.
   */
  handedOver = new Set<number>();

  private handOver(args: Value[]): void {
    for (const a of args) {
      const v = this.norm(a);
      if (v.k === 'ptr' && this.world.objs.has(v.obj) && !this.world.obj(v.obj).parent) this.handedOver.add(v.obj);
    }
  }

  /**
   * List accesses of an interleaving, with the locks each thread held: two threads touching the same
   * list head or node, one of them changing it, with no lock in common, race (lock/data-race).
   */
  listAccesses: { obj: number; tid: number; write: boolean; locks: number[]; rcu: boolean; at: SourceRange; op: string; fn: string; file: string }[] = [];

  noteListAccess(obj: number, write: boolean, at: Ast, op: string): void {
    if (!this.concurrent) return;
    const t = this.world.thread(this.tid);
    const f = this.frame();
    this.listAccesses.push({ obj, tid: this.tid, write, locks: [...t.held], rcu: t.rcuDepth > 0, at: rangeOf(at), op, fn: f.fn, file: f.file });
  }

  /** Objects handed to a call the model cannot see into may be kept by it: not leaks of ours. */
  private escape(args: Value[]): void {
    for (const a of args) {
      const v = this.norm(a);
      if (v.k === 'ptr' && this.world.objs.has(v.obj)) this.world.root(v.obj).escaped = true;
    }
  }

  /** runFunction - enter @name's body with @args, run its CFG, return its value. */
  *runFunction(name: string, args: Value[], at: Ast | undefined, fromFile?: string): Gen<Value> {
    const def = this.ws.definition(name, fromFile);
    if (!def) throw new Error(`no body for ${name}`);
    const cfg = this.ws.cfg(name, fromFile)!;
    const t = this.world.thread(this.tid);
    const frame: Frame = {
      fn: name,
      file: def.fn.file,
      cfg,
      env: new Map(),
      types: new Map(),
      iters: new Map(),
      visits: new Map(),
      heldAtEntry: [...t.held],
      rcuAtEntry: t.rcuDepth,
      stackObjs: [],
      depth: this.stacks[this.tid].length,
      lockHelper: isLockHelper(def.fn, def.file.text),
      setupsAtEntry: this.setups.length,
    };
    cfg.params.forEach((p, i) => {
      frame.env.set(p.name, args[i] ?? this.world.sym(p.name));
      frame.types.set(p.name, { type: p.type, pointer: p.pointer });
      const v = args[i];
      if (v?.k === 'ptr' && p.pointer > 0) this.typeObj(v.obj, p.type);
    });
    if (this.stacks[this.tid].length > 0 && at) this.step(at, `call ${name}()`, '');
    if (name === 'iommu_report_device_fault') this.hardwareRequest(args[0], args[1]);
    const refsAtEntry = this.refs.length;
    const storedAtEntry = this.stored.length;
    const stepsAtEntry = this.steps.length;
    this.stacks[this.tid].push(frame);
    if (this.stacks[this.tid].length === 1) this.idle = { ...frame };
    try {
      yield* this.runCfg(frame);
      this.missingErrorCode(frame, def.fn, stepsAtEntry);
      this.unwound(frame, def.fn);
      this.leaveFrame(frame);
      if (name === 'iommu_report_device_fault') this.reportReturned(args[1], frame.retval);
      // A reference a callee of the tree's API took and neither returned nor kept is that callee's
      // leak, found when it is checked itself: its callers' paths do not report it again.
      if (this.stacks[this.tid].length > 1) this.settleCalleeRefs(refsAtEntry, storedAtEntry, frame.retval, !def.fn.isStatic, name, at);
    } finally {
      this.stacks[this.tid].pop();
      if (frame.ringPinned !== undefined) this.unpinQueue(frame);
    }
    return frame.retval ?? ZERO;
  }

  /** Counts writes to memory and calls that may change it: a one-way callee's result holds while it stands still. */
  private epoch = 0;
  /** How many of the oracle's pins stand for an ordinary queue entry being handled (CfgNode.ring, loopTest). */
  private ringPins = 0;

  /** pinQueue - what @frame runs until the test of queue loop @id comes again (or it returns) takes its usual way. */
  private pinQueue(frame: Frame, id: number): void {
    frame.ringPinned = id;
    this.oracle.pinned++;
    this.ringPins++;
  }

  private unpinQueue(frame: Frame): void {
    frame.ringPinned = undefined;
    this.oracle.pinned--;
    this.ringPins--;
  }

  /** Results of one-way callees (runOneWay()) by callee, arguments and, unless pure, epoch. */
  private oneWayResults = new Map<string, Value>();

  /**
   * What the path knows of its unknowns now (their truth, error-pointer-ness, ranges), as a function
   * that takes back whatever it learns after: a guess made only to look ahead.
   */
  private knowledge(): () => void {
    const truths = new Set(this.world.symTruth.keys());
    const errs = new Set(this.symErr.keys());
    const ranges = new Map(this.ranges);
    return () => {
      for (const k of [...this.world.symTruth.keys()]) if (!truths.has(k)) this.world.symTruth.delete(k);
      for (const k of [...this.symErr.keys()]) if (!errs.has(k)) this.symErr.delete(k);
      this.ranges = ranges;
    };
  }

  /**
   * compoundTest - the value of a test of one record's flags (CfgNode.compound): what the path knows
   * decides it; when it would have to guess an operand, the whole test is one unknown instead, and
   * its operands stay unknown for the record's later tests.
   */
  private *compoundTest(e: Ast, frame: Frame, raw: string): Gen<Value> {
    if (this.concurrent || this.oracle.pinned > 0) return yield* this.eval(e, frame);
    const ahead = this.lookAhead();
    let v: Value;
    let guessed = false;
    try {
      v = yield* this.eval(e, frame);
    } finally {
      guessed = ahead();
    }
    return guessed ? this.world.sym(raw) : v;
  }

  /**
   * lookAhead - start running with every decision taking its first choice and none recorded; the
   * function returned ends that, and tells whether a guess was needed: what the path could deduce
   * instead (a range, a comparison already decided) it keeps; a guess is taken back.
   */
  private lookAhead(): () => boolean {
    const forget = this.knowledge();
    const decisions = this.decisions.length;
    const assumed = this.assumed.length;
    const guessed = this.oracle.guessed;
    this.oracle.pinned++;
    return () => {
      this.oracle.pinned--;
      if (this.oracle.guessed === guessed) return false;
      forget();
      this.decisions.length = decisions;
      this.assumed.length = assumed;
      this.oracle.guessed = guessed;
      return true;
    };
  }

  /** Whether deciding @v would take a guess (a choice of the oracle) on this path (lookAhead()). */
  private wouldGuess(v: Value): boolean {
    if (v.k !== 'sym' || this.concurrent || this.oracle.pinned > 0) return false;
    const ahead = this.lookAhead();
    let guessed = false;
    try {
      this.truthy(v, '');
    } finally {
      guessed = ahead();
    }
    return guessed;
  }

  /**
   * Whether the call of @name is followed along one path (runOneWay()): a callee of the tree that
   * touches nothing the model follows (sim/inert.ts), called with no NULL, error or freed pointer
   * (what it does with those is followed on every path), on a path of one thread.
   */
  private oneWay(name: string, args: Value[], fromFile?: string): boolean {
    // An ordinary queue entry (ringPins) runs its callees as any path does: one that would retry
    // on its first answers leaves with its result unknown instead of cutting the path.
    if (this.concurrent || this.oracle.pinned > this.ringPins) return false;
    // One that takes and releases its own locks, when it is also checked as an entry point of its own.
    if (!inertCallee(this.ws, name, fromFile) && (this.ws.definition(name, fromFile)?.fn.isStatic !== false || !lockBalancedCallee(this.ws, name, fromFile))) return false;
    const cfg = this.ws.cfg(name, fromFile);
    if (!cfg) return false;
    return cfg.params.every((p, i) => {
      if (p.pointer === 0 || !args[i]) return true;
      const v = this.norm(args[i]);
      if (v.k === 'int' || v.k === 'err') return false;
      return v.k !== 'ptr' || !this.world.objs.has(v.obj) || !this.world.root(v.obj).freed;
    });
  }

  /**
   * runOneWay - a callee that touches nothing the model follows, run along one path: every decision
   * takes its first choice and none is left for another run, so the caller's paths are not multiplied
   * by the callee's (a register poll, a ring index). What that path writes stays and what it finds is
   * reported. When the path had to guess (a value read from the hardware) its result is unknown and
   * what it guessed is forgotten; when nothing was guessed its result is the callee's own.
   */
  private *runOneWay(name: string, args: Value[], at: Ast, fromFile?: string): Gen<Value> {
    // The same question asked again of the same state has the same answer: a function of its
    // scalar arguments alone whatever happened since, any other while nothing was written or called.
    const pure = pureCallee(this.ws, name, fromFile);
    const key = `${name}(${args.map(valueKey).join(',')})${pure ? '' : `@${this.epoch}`}`;
    const again = this.oneWayResults.get(key);
    if (again) {
      this.step(at, `${name}()`, `${this.name(again)}, as when it was called before with the same arguments; it touches nothing the model follows`);
      return again;
    }
    const epoch = this.epoch;
    const steps = this.steps.length;
    const decisions = this.decisions.length;
    const assumed = this.assumed.length;
    const guessedBranches = this.guessedBranches.length;
    const bounded = this.bounded;
    const forget = this.knowledge();
    const sleeps = () => this.findings.filter((f) => f.rule === 'lock/sleep-in-atomic').length;
    const slept = sleeps();
    const guessed = this.oracle.guessed;
    const t = this.world.thread(this.tid);
    const [held, atomic, rcuDepth] = [[...t.held], t.atomic, t.rcuDepth];
    let v: Value | undefined;
    this.oracle.pinned++;
    try {
      v = yield* this.runFunction(name, args, at, fromFile);
    } catch (e) {
      // Its one path met a loop bound or contradicted itself: what it wrote stays, its result is unknown.
      if (!(e instanceof Cut) || e.reason === 'stop' || this.stepCount > this.bounds.maxSteps) throw e;
      this.oracle.guessed++;
      // A lock it took on the way it would have released (it releases every lock it takes).
      for (const id of t.held) if (!held.includes(id)) this.world.locks.get(id)!.owner = undefined;
      [t.held, t.atomic, t.rcuDepth] = [held, atomic, rcuDepth];
    } finally {
      this.oracle.pinned--;
    }
    this.bounded = bounded;
    this.steps.length = steps;
    this.decisions.length = decisions;
    this.assumed.length = assumed;
    this.guessedBranches.length = guessedBranches;
    const exact = this.oracle.guessed === guessed && v !== undefined;
    if (!exact) {
      forget();
      // What its other paths may call that sleeps.
      if (sleeps() === slept) this.sleepsUnfollowed(at, name, fromFile);
    }
    const cfg = this.ws.cfg(name, fromFile)!;
    const result = exact ? v! : cfg.returnType === 'void' ? ZERO : this.world.sym(`${name}()`);
    if (pure || this.epoch === epoch) this.oneWayResults.set(key, result);
    this.step(at, `${name}()`, exact && result.k !== 'sym' ? `returns ${this.name(result)}; it touches nothing the model follows`
      : exact ? 'touches nothing the model follows (no allocation, lock, reference or IOPF object); its result is what it read'
        : 'touches nothing the model follows (no allocation, lock, reference or IOPF object): followed along one path for what it writes; its result is unknown');
    return result;
  }

  /**
   * A call of @frame's own body failed (an allocation, an id, adding a device), and the function,
   * which reports failure as a negative errno elsewhere, returns 0 on this path: its caller takes
   * the failure for success and goes on with what was never set up.
   */
  private missingErrorCode(frame: Frame, fn: FunctionDef, from: number): void {
    const ret = frame.retval;
    if (this.concurrent || ret?.k !== 'int' || ret.v !== 0) return;
    // Only a function that reports failure by its int result, returning a variable that still holds
    // 0 (`return ret;`): NULL is how a pointer-returning function fails, and a literal `return 0;`
    // after a failure the path went on from is the code saying the failure is tolerated.
    if (frame.cfg.returnType.endsWith('*') || frame.returnExpr !== 'identifier') return;
    let failure: TraceStep | undefined;
    for (let i = from; i < this.steps.length && !failure; i++) {
      const st = this.steps[i];
      if (st.function === frame.fn && isMachineFailure(st)) failure = st;
    }
    if (!failure || !returnsErrno(fn)) return;
    this.report('api/missing-error-code', `${failure.op.replace(/ fails$/, '')} failed at line ${failure.line} (${failure.detail}), yet ${frame.fn}() returns 0 on this path, though it returns a negative errno on its other failures: the caller takes the failure for success`,
      frame.returnAt ?? closingBrace(frame.cfg.range));
  }

  /** Gives an object its struct type once a typed pointer refers to it. */
  typeObj(id: number, type: string): void {
    const o = this.world.obj(id);
    if (o.type === '?' && /^[a-z_][a-z0-9_]*$/.test(type) && !['void', 'int', 'char', 'long', 'u32', 'u64'].includes(type)) o.type = type;
  }

  private leaveFrame(frame: Frame): void {
    const t = this.world.thread(this.tid);
    const exitAt = frame.returnAt ?? closingBrace(frame.cfg.range);
    if (frame.depth === 0) {
      this.lastReturn = exitAt;
      this.exits.set(this.tid, { frame, at: exitAt });
    }
    // A callee may take a lock for its caller or drop one the caller took (a lock wrapper, an
    // unlock-and-free helper): whether that leaves a lock held is judged where the entry point
    // returns, on the whole path.
    if (!frame.lockHelper && frame.depth === 0) {
      const leaked = t.held.filter((l) => !frame.heldAtEntry.includes(l));
      for (const l of leaked) this.report('lock/imbalance', `returns with ${this.world.name(l)} still held`, exitAt);
      const dropped = frame.heldAtEntry.filter((l) => !t.held.includes(l));
      for (const l of dropped) this.report('lock/imbalance', `returns after releasing ${this.world.name(l)}, which its caller holds`, exitAt);
      if (t.rcuDepth !== frame.rcuAtEntry) {
        this.report('lock/imbalance', t.rcuDepth > frame.rcuAtEntry ? 'returns inside an RCU read-side critical section (rcu_read_lock() without rcu_read_unlock())' : 'returns after leaving an RCU read-side critical section it did not enter', exitAt);
      }
    }
    // Stack objects die with the frame: a pointer to one used later is a use-after-free.
    for (const id of frame.stackObjs) {
      const o = this.world.obj(id);
      o.freed = 'kfree';
    }
  }

  lastReturn: SourceRange | undefined;

  /** Makes the locals @names of @frame unknown (each a fresh symbol), wherever they live. */
  private forgetLocals(frame: Frame, names: readonly string[]): void {
    for (const name of names) {
      const fresh = this.world.sym(name);
      if (frame.addressed?.fields.has(name)) frame.addressed.fields.set(name, fresh);
      else frame.env.set(name, fresh);
    }
  }

  /**
   * Whether the condition of loop @s holds for certain (`i < MAX_UNITS` with both known: true),
   * fails for certain (false), or is not known (undefined), read only when it calls nothing. Past
   * the loop bound a loop that goes on for certain cannot be left by its condition, where one that
   * may stop (`i < count` with count unknown) has already been left on another path.
   */
  private *goesOn(s: Ast, frame: Frame): Gen<boolean | undefined> {
    const c = child(s, 'condition');
    if (!c || hasEffects(c)) return undefined;
    const v = yield* this.eval(c, frame);
    return v.k === 'int' ? v.v !== 0 : undefined;
  }

  *runCfg(frame: Frame): Gen<void> {
    const cfg = frame.cfg;
    let id = cfg.entry;
    for (;;) {
      this.tick();
      const node: CfgNode = cfg.nodes[id];
      frame.node = id;
      if (node.loopHead) {
        const n = (frame.visits.get(id) ?? 0) + 1;
        frame.visits.set(id, n);
        // Each iteration of this loop meets the loops inside it afresh.
        for (const i of node.inner ?? []) {
          frame.visits.delete(i);
          frame.loopEpochs?.delete(i);
        }
        if (n === 1) (frame.loopEpochs ??= new Map()).set(id, this.epoch);
        // A callee run along one path (runOneWay()) passes through a loop once: its result is
        // unknown past a guess anyway, and a poll would otherwise spin to the bound on every call.
        let bound = this.oracle.pinned > 0 ? 1 : this.bounds.loopBound;
        // Iterations that wrote no memory and called nothing that could (a search down a tree, a
        // poll): leaving with what they assign unknown stands for every further iteration.
        const quiet = node.widen !== undefined && frame.loopEpochs?.get(id) === this.epoch;
        const widens = node.kind !== 'iter-next' && node.widen !== undefined;
        const going = widens && (n > bound + 1 || (quiet && n > 2)) ? yield* this.goesOn(node.widen!.stmt, frame) : undefined;
        // A quiet loop whose going on the path cannot tell: one iteration stands for every further one.
        if (quiet && widens && n > 2 && going === undefined) bound = 1;
        // A loop whose condition is known to fail now leaves by it: no bound is needed.
        if (n > bound + 1 && node.kind !== 'iter-next' && going !== false) {
          if (!quiet) this.bounded = true;
          if (!node.widen) {
            this.step(node.ast, 'loop bound', `loop unrolled ${bound} times; the path is cut here`);
            throw new Cut('bounded');
          }
          // A loop that would go on (a count such as `i < MAX_UNITS`), or may (a count the path does
          // not know): the path leaves it, with the variables its iterations assign unknown, instead
          // of ending here, so what follows the loop is still checked.
          const names = assignedNames(node.widen.stmt).filter((v) => frame.env.has(v) || frame.addressed?.fields.has(v));
          this.forgetLocals(frame, names);
          this.step(node.ast, 'loop bound', `loop unrolled ${bound} times${quiet ? ', changing nothing but its locals' : ''}; the path leaves it${names.length ? ` with ${names.join(', ')} unknown` : ''}`);
          id = node.widen.exit;
          continue;
        }
      }
      switch (node.kind) {
        case 'entry':
        case 'nop':
          id = node.succ[0];
          break;
        case 'exit':
          return;
        case 'stmt':
          yield* this.evalStmt(node.ast!, frame);
          id = node.succ[0];
          break;
        case 'decl':
          yield* this.declare(node.ast!, frame);
          id = node.succ[0];
          break;
        case 'branch': {
          const before = this.assumed.length;
          // The wrapper speaks of the condition as written; a negated one is evaluated as its operand.
          const rare = node.wrapper === 'unlikely' || node.wrapper?.startsWith('WARN');
          this.expect = rare || node.wrapper === 'likely' ? !rare !== !!node.negated : undefined;
          let v: Value, t: boolean;
          const raw = this.src(node.ast!);
          try {
            // Back at the test of a queue whose ordinary entry was handled along one path.
            if (frame.ringPinned === node.id) this.unpinQueue(frame);
            v = node.compound ? yield* this.compoundTest(node.ast!, frame, raw) : yield* this.eval(node.ast!, frame);
            if (node.either && this.wouldGuess(v)) {
              // Either arm only sets locals that are stored, never tested: one path, with them unknown.
              this.forgetLocals(frame, node.either.names);
              this.step(node.ast, `if (${raw})`, `either way: ${node.either.names.join(', ')} ${node.either.names.length > 1 ? 'are' : 'is'} unknown after it (stored, never tested)`);
              id = node.either.join;
              break;
            }
            const file = node.loopTest && this.ws.files.get(frame.file);
            const drain = node.ring ? 'ring' : file && drainsQueue(file, node.loopTest!.stmt) ? node.loopTest!.kind : undefined;
            // Once the path has picked what the queue holds, the loop runs that many times, whatever
            // its test reads (a callee that found the queue empty once answers the same while
            // nothing was written).
            if (drain && (frame.rings?.has(node.id) || this.wouldGuess(v))) {
              // A queue the hardware wrote (a ring between head and tail, or entries a callee takes
              // off one by one for the loop to hand to the core): the path picks how many entries it
              // holds when the loop first tests it (one, none, two), and the loop runs once for each.
              const body = node.negated ? node.succ[1] : node.succ[0];
              const test = node.negated ? `!(${raw})` : raw;
              const out = node.negated ? node.succ[0] : node.succ[1];
              let left = frame.rings?.get(node.id);
              if (left === undefined) {
                // A do-while has handled one entry before its first test: one more, or none.
                left = drain === 'do' ? [0, 1][this.oracle.choose(2)] : [1, 0, 2][this.oracle.choose(3)];
                (frame.rings ??= new Map()).set(node.id, left);
                // The test as first made (`handled = head != tail;` before the loop) agrees.
                if (v.k === 'sym') this.world.symTruth.set(v.id, node.negated ? left === 0 : left > 0);
                const what = drain === 'ring' ? `descriptor${left === 1 ? '' : 's'} in the ring` : `${drain === 'do' ? 'more ' : ''}entr${left === 1 ? 'y' : 'ies'} in the queue`;
                this.decisions.push(`${node.ast!.startLine + 1}: ${left} ${what}`);
                const ordinary = 'every test takes its usual answer';
                this.step(node.ast, `while (${test})`, drain === 'ring'
                  ? `the ring holds ${left === 0 ? 'no descriptor' : left === 1 ? `one ordinary descriptor (${ordinary})` : `two descriptors: an ordinary one (${ordinary}), then any the hardware may write`}`
                  : drain === 'do' ? (left === 0 ? 'the queue holds nothing more' : `the queue holds one more batch, an ordinary one (${ordinary})`)
                    : `the queue holds ${left === 0 ? 'no entry' : left === 1 ? `one ordinary entry (${ordinary})` : `two entries: an ordinary one (${ordinary}), then any the hardware may write`}`);
                // The first entry is an ordinary one, alone or before one of any kind: every kind
                // is met, after what an ordinary entry leaves for the next, without the product of
                // every kind with every kind. A do-while has met one of any kind before its test.
                if (left > 0) this.pinQueue(frame, node.id);
              }
              const more = left > 0;
              if (more) frame.rings!.set(node.id, left - 1);
              else frame.rings!.delete(node.id);
              this.step(node.ast, `if (${test})`, more ? `true: ${drain === 'ring' ? 'a descriptor' : 'an entry'} to handle` : `false: the ${drain === 'ring' ? 'ring' : 'queue'} is drained`);
              if (left === 2 && drain !== 'do') (frame.ringAny ??= new Set()).add(node.id);
              if (!more && frame.ringAny?.delete(node.id) && frame.ringPinned === undefined) {
                // What follows a queue that held an entry of any kind takes its usual way: each of
                // its own branches is met after an ordinary queue, not once per kind of entry.
                this.pinQueue(frame, node.id);
                this.step(node.ast, 'after the queue', 'what follows runs its usual way (every test takes its usual answer); its other ways are run after an ordinary queue');
              }
              id = more ? body : out;
              break;
            }
            t = this.truthy(v, `${frame.fn}:${node.ast!.startLine + 1} ${raw}`);
          } finally {
            this.expect = undefined;
          }
          if (this.assumed.length > before) this.guessedBranches.push({ file: frame.file, start: node.ast!.start, stop: node.ast!.end, index: before, end: this.assumed.length });
          else if (v.k === 'sym') {
            // Decided by a guess made earlier on the path (the same field tested in another function):
            // this branch stands on that guess too.
            let i = this.assumed.length - 1;
            while (i >= 0 && this.assumed[i].syms[0] !== v.id) i--;
            if (i >= 0) this.guessedBranches.push({ file: frame.file, start: node.ast!.start, stop: node.ast!.end, index: i, end: i + 1 });
          }
          // Show the condition as written: `!attach_handle` is true, not `attach_handle` false.
          const text = node.negated ? `!${/^[\w>.-]+$/.test(raw) ? raw : `(${raw})`}` : raw;
          const shown = node.negated ? !t : t;
          this.step(node.ast, `${node.wrapper ? `${node.wrapper}(${text})` : `if (${text})`}`, shown ? 'true' : 'false');
          if (node.wrapper?.startsWith('WARN') && shown) this.step(node.ast, 'WARN_ON fires', 'the kernel prints a warning with a backtrace');
          this.decisions.push(`${node.ast!.startLine + 1}: ${text} = ${shown}`);
          id = t ? node.succ[0] : node.succ[1];
          break;
        }
        case 'switch': {
          const v = yield* this.eval(node.ast!, frame);
          let pick = -1;
          if (v.k === 'int') {
            for (let i = 0; i < node.cases!.length; i++) {
              const c = node.cases![i];
              if (c === null) continue;
              const cv = yield* this.eval(c, frame);
              if (cv.k === 'int' && cv.v === v.v) {
                pick = i;
                break;
              }
            }
            if (pick < 0) pick = node.cases!.findIndex((c) => c === null);
          } else {
            // Cases that share their code (`case A: case B: break;`) are one path, not one each;
            // so are cases that only set locals stored and never tested (`case X: reason = R; break;`).
            const merged = node.eitherCases && this.oracle.pinned === 0 && !this.concurrent ? new Set(node.eitherCases.targets) : undefined;
            const targets = [...new Set(node.succ)].filter((t) => !merged?.has(t));
            const choice = this.oracle.choose(targets.length + (merged ? 1 : 0));
            if (merged && choice === targets.length) {
              this.forgetLocals(frame, node.eitherCases!.names);
              const n = node.succ.filter((t) => merged.has(t)).length;
              this.step(node.ast, `switch (${this.src(node.ast!)})`, `one of ${n} cases that only set ${node.eitherCases!.names.join(', ')}: unknown after it (stored, never tested)`);
              id = node.eitherCases!.join;
              break;
            }
            pick = node.succ.indexOf(targets[choice]);
          }
          const c = node.cases![pick];
          const alike = v.k === 'int' ? 0 : node.succ.filter((s) => s === node.succ[pick]).length - 1;
          this.step(node.ast, `switch (${this.src(node.ast!)})`, `${c ? `case ${this.src(c)}` : 'default'}${alike ? ` (or ${alike} other case${alike > 1 ? 's' : ''} with the same code)` : ''}`);
          id = node.succ[pick];
          break;
        }
        case 'return': {
          const e = node.ast!.children[0];
          frame.retval = e ? yield* this.eval(e, frame) : undefined;
          frame.returnAt = rangeOf(node.ast!);
          frame.returnExpr = e ? (e.type === 'parenthesized_expression' ? e.children[0]?.type : e.type) : undefined;
          this.step(node.ast, 'return', frame.retval ? this.name(frame.retval) : '');
          id = node.succ[0];
          break;
        }
        case 'iter-init':
          yield* this.iterInit(node, frame);
          id = node.succ[0];
          break;
        case 'iter-next': {
          const it = frame.iters.get(node.loop!);
          if (!it) {
            // reached without its iter-init: a goto into the loop body (or a body the parser had to guess)
            this.bounded = true;
            this.step(node.range, 'loop entered by a jump', 'its iterator was never set up; the loop is left here');
            id = node.succ[1];
            break;
          }
          // list_for_each_entry() finds the next entry through the one it stands on: freed in the
          // body, that read is a use-after-free (the _safe form keeps the next entry first).
          if (it.i > 0 && UNSAFE_LIST_WALK.test(it.kind)) {
            const prev = it.members[it.i - 1];
            const root = prev && this.world.objs.has(prev) ? this.world.root(prev) : undefined;
            if (root?.freed === 'kfree' && root.alloc !== 'stack') {
              this.report('iopf/use-after-free', `${it.kind}() moves on through ${this.world.name(root.id)}, which the loop body freed: the next entry is read from freed memory (${it.kind.replace(/_rcu$/, '')}_safe() keeps the next entry before the body runs)`, node.range);
              throw new Cut('stop');
            }
          }
          if (it.i < it.members.length) {
            if (it.i >= this.bounds.loopBound) {
              this.bounded = true;
              this.step(node.range, 'loop bound', `${it.members.length} entries; only ${this.bounds.loopBound} are followed`);
              id = node.succ[1];
              break;
            }
            if (it.index && it.keys) frame.env.set(it.index, int(it.keys[it.i]));
            this.iterMoves(it, node.range ?? frame.cfg.range);
            const m = it.members[it.i++];
            // for_each_pci_dev() and friends hold a reference on the element they stand on.
            const iter = REF_ITERATORS[it.kind];
            if (iter && m !== 0 && this.world.objs.has(m)) {
              it.holds = this.world.root(m).id;
              this.takeRef(it.holds, it.kind, iter.putter, node.range ?? frame.cfg.range);
            }
            if (it.pos) frame.env.set(it.pos, m === 0 ? ZERO : ptr(m));
            if (it.next !== undefined) {
              const n = it.members[it.i];
              frame.env.set(it.next, n === undefined ? ZERO : ptr(n));
            }
            this.step(node.range, `${it.kind}`, `${it.pos} = ${m === 0 ? '?' : this.world.name(m)}`);
            id = node.succ[0];
          } else {
            this.iterMoves(it, node.range ?? frame.cfg.range);
            id = node.succ[1];
          }
          break;
        }
        case 'scope-acquire': {
          const lockArg = node.site!.args[1];
          const lock = lockArg ? yield* this.evalText(lockArg.text, lockArg.start, node, frame) : undefined;
          if (lock) yield* this.lockAcquire(lock, node.site!.args[0]?.text ?? 'mutex', node.ast!);
          id = node.succ[0];
          break;
        }
        case 'scope-release': {
          if (node.guardAst) {
            const call = node.guardAst.children[0];
            const arg = child(call, 'arguments')?.children[0];
            if (arg) {
              const v = yield* this.eval(arg, frame);
              yield* this.lockRelease(v, node.guardAst, 'end of guard() scope');
            }
          } else if (node.free) {
            // The variable's __free() cleanup, on the value it holds now (NULL or an error pointer: nothing to do).
            const held = frame.addressed?.fields.get(node.free.variable) ?? frame.env.get(node.free.variable);
            const v = held ? this.norm(held) : undefined;
            if (v?.k === 'ptr') {
              const fn = cleanupFunction(this.ws, node.free.cleanup);
              const at = node.ast!;
              const arg: Ast = { ...at, type: 'identifier', text: node.free.variable, children: [] };
              if (fn) yield* this.call(fn, [v], [arg], at, frame.file);
              else this.escape([v]);
            }
          } else if (node.site) {
            const lockArg = node.site.args[1];
            const lock = lockArg ? yield* this.evalText(lockArg.text, lockArg.start, node, frame) : undefined;
            if (lock) yield* this.lockRelease(lock, node.ast!, 'end of scoped_guard()');
          }
          id = node.succ[0];
          break;
        }
      }
    }
  }

  src(n: Ast): string {
    let text = srcs.get(n);
    if (text === undefined) {
      const file = this.ws.files.get(this.frame().file);
      text = (file?.text.slice(n.start, n.end) ?? '?').replace(/\s+/g, ' ');
      if (file) srcs.set(n, text);
    }
    return text;
  }

  /** Evaluates a macro argument given as text by finding its AST inside the loop/scope node. */
  *evalText(text: string, start: number, node: CfgNode, frame: Frame): Gen<Value> {
    const found = findAt(node.ast!, start, start + text.length);
    if (found) return yield* this.eval(found, frame);
    const name = text.replace(/^&/, '');
    if (frame.env.has(name)) return frame.env.get(name)!;
    return this.world.sym(text);
  }

  private *iterInit(node: CfgNode, frame: Frame): Gen<void> {
    const site = node.site!;
    let args = site.args;
    let nm = site.name;
    // A macro of the tree that walks a list in an object it is given (`for_each_group_device(group,
    // pos)` is list_for_each_entry(pos, &(group)->devices, list)): that list, the same on every walk.
    let headOf: { arg: { text: string; start: number }; field: string } | undefined;
    const mac = /^(h?list_for_each|xa_for_each)/.test(nm) || REF_ITERATORS[nm] ? undefined : this.ws.listMacro(nm, frame.file);
    if (mac) {
      const hi = /_safe$/.test(mac.target) ? 2 : 1;
      const hm = /^&\s*\(?\s*(\w+)\s*\)?\s*->\s*(\w+)$/.exec(mac.args[hi] ?? '');
      const from = (t: string) => site.args[mac.params.indexOf(t)];
      if (hm && from(hm[1]) && from(mac.args[0]) && (hi === 1 || from(mac.args[1]))) {
        headOf = { arg: from(hm[1]), field: hm[2] };
        args = mac.args.map((t: string) => from(t) ?? { text: t, start: -1 });
        nm = mac.target;
      }
    }
    let members: number[] = [];
    let pos = args[0]?.text ?? '';
    let next: string | undefined;
    let keys: number[] | undefined;
    let index: string | undefined;
    if (/^list_for_each_entry/.test(nm) || /^hlist_for_each_entry/.test(nm)) {
      const safe = /_safe/.test(nm);
      const headArg = safe ? args[2] : args[1];
      if (safe) next = args[1]?.text;
      let ho: Obj | undefined;
      if (headOf) {
        const base = yield* this.evalText(headOf.arg.text, headOf.arg.start, node, frame);
        const bo = this.deref(base, node.ast);
        ho = bo ? this.world.sub(bo.id, headOf.field, 'list_head') : undefined;
      } else {
        const head = headArg ? yield* this.evalText(headArg.text, headArg.start, node, frame) : undefined;
        ho = head ? this.deref(head, node.ast) : undefined;
      }
      if (ho) {
        this.touch(ho, node.ast, 'walks');
        members = this.listOf(ho, (safe ? args[3] : args[2])?.text.trim()).map((n) => this.world.obj(n).parent?.obj ?? n);
      }
    } else if (/^xa_for_each/.test(nm)) {
      const xa = args[0] ? yield* this.evalText(args[0].text, args[0].start, node, frame) : undefined;
      const xo = xa ? this.deref(xa, node.ast) : undefined;
      pos = args[2]?.text ?? pos;
      if (xo) {
        // The entries in index order; the loop's index variable follows them.
        const entries = [...this.xa(xo.id)].sort((a, b) => a[0] - b[0]);
        members = entries.length ? entries.map((e) => e[1]) : this.world.listMembers(xo.id);
        if (entries.length && args[1]) {
          keys = entries.map((e) => e[0]);
          index = args[1].text;
        }
      }
    } else if (REF_ITERATORS[nm]) {
      // for_each_pci_dev(d) and friends: zero or one element, each held with a reference, in the
      // cursor the macro names first.
      members = this.oracle.choose(2) === 0 ? [] : [this.world.alloc('?', 'world').id];
      pos = args[REF_ITERATORS[nm].cursor]?.text ?? '';
    } else {
      // An iterator the model does not know: zero or one element, given to the locals the macro
      // assigns (those not yet initialised), never to the container it walks.
      // One that walks nothing the code names (for_each_possible_cpu(cpu): its one argument is the
      // cursor) walks a set fixed for the path: empty or not, it is the same set on every walk (the
      // loop that allocates per CPU and the one that frees per CPU see the same CPUs).
      const global = args.length === 1 && /^\w+$/.test(args[0].text);
      const cursor = global ? args[0] : args.find((a) => {
        const v = frame.env.get(a.text);
        return v?.k === 'sym' && (this.world.symNames.get(v.id) ?? '').startsWith('uninitialised');
      });
      const walked = global ? this.globalWalks.get(nm) : undefined;
      const empty = walked ?? this.oracle.choose(2) === 0;
      if (global) this.globalWalks.set(nm, empty);
      members = empty ? [] : [this.world.alloc('?', 'world').id];
      pos = cursor?.text ?? '';
    }
    const snapshot = [...members];
    frame.iters.set(node.loop!, { members: snapshot, i: 0, pos, next, kind: nm, keys, index });
    frame.visits.delete(node.succ[0]);
    this.step(node.range, nm, `${snapshot.length} entr${snapshot.length === 1 ? 'y' : 'ies'}`);
  }

  // -- statements and expressions -----------------------------------------------------------------

  private *evalStmt(s: Ast, frame: Frame): Gen<void> {
    if (s.type === 'expression_statement') {
      for (const c of s.children) yield* this.eval(c, frame);
    } else {
      yield* this.eval(s, frame);
    }
  }

  private *declare(d: Ast, frame: Frame): Gen<void> {
    const tn = typeName(child(d, 'type'));
    for (const c of d.children) {
      if (c.field !== 'declarator') continue;
      const declNode = c.type === 'init_declarator' ? child(c, 'declarator') : c;
      const { name, pointer, array } = declaratorName(declNode);
      if (!name) continue;
      frame.types.set(name, { type: tn, pointer });
      const init = c.type === 'init_declarator' ? child(c, 'value') : undefined;
      const isStruct = pointer === 0 && !array && (child(d, 'type')?.type === 'struct_specifier');
      if (isStruct) {
        const o = this.world.alloc(tn, 'stack');
        frame.stackObjs.push(o.id);
        frame.env.set(name, ptr(o.id));
        if (init?.type === 'initializer_list') yield* this.initList(o, init, frame);
        else if (init) {
          const v = yield* this.eval(init, frame);
          if (v.k === 'ptr') this.copyStruct(this.world.obj(v.obj), o);
        }
        continue;
      }
      if (init) {
        const v = yield* this.eval(init, frame);
        frame.env.set(name, v);
        if (v.k === 'ptr' && pointer > 0) this.typeObj(v.obj, tn);
      } else {
        frame.env.set(name, array ? ptr(this.world.alloc(tn, 'stack').id) : this.world.sym(`uninitialised ${name}`));
      }
    }
  }

  private *initList(o: Obj, list: Ast, frame: Frame): Gen<void> {
    for (const item of list.children) {
      if (item.type === 'initializer_pair') {
        const designator = item.children.find((c) => c.field === 'designator');
        const value = child(item, 'value');
        const fname = designator?.children[0]?.text ?? designator?.text?.replace(/^\./, '');
        if (fname && value) {
          if (value.type === 'initializer_list') yield* this.initList(this.world.sub(o.id, fname), value, frame);
          else o.fields.set(fname, yield* this.eval(value, frame));
        }
      }
    }
  }

  copyStruct(from: Obj, to: Obj): void {
    this.touch(from, undefined, 'copies');
    for (const [k, v] of from.fields) {
      const sub = v.k === 'ptr' ? this.world.objs.get(v.obj) : undefined;
      if (sub?.parent?.obj === from.id) {
        this.copyStruct(sub, this.world.sub(to.id, k, sub.type));
      } else to.fields.set(k, v);
    }
  }

  /** An lvalue: a local, or a field of an object. */
  private *lvalue(e: Ast, frame: Frame): Gen<{ local: string } | { obj: Obj; field: string } | undefined> {
    if (e.type === 'identifier') return { local: e.text! };
    if (e.type === 'parenthesized_expression') return yield* this.lvalue(e.children[0], frame);
    if (e.type === 'field_expression') {
      const base = yield* this.baseObj(e, frame);
      const field = child(e, 'field')?.text;
      if (base && field) return { obj: base, field };
      return undefined;
    }
    if (e.type === 'subscript_expression') {
      const el = yield* this.element(e, frame);
      if (el) return el;
    }
    if (e.type === 'pointer_expression' && e.op === '*') {
      const inner = e.children[0];
      const v = yield* this.eval(inner, frame);
      const o = this.deref(v, e);
      // `*out = p` through a pointer to a pointer (an out-parameter) stores the pointer itself.
      if (o) return { obj: o, field: pointsToPointer(inner, frame) ? POINTER_SLOT : '*' };
    }
    return undefined;
  }

  /** The slot of `a[i]`: the array's object and a field named after the index's value. */
  private *element(e: Ast, frame: Frame): Gen<{ obj: Obj; field: string } | undefined> {
    const base = yield* this.eval(child(e, 'argument')!, frame);
    const idx = yield* this.eval(child(e, 'index')!, frame);
    if (base.k !== 'ptr' && base.k !== 'sym') return undefined;
    const o = this.deref(base, e);
    return o ? { obj: o, field: `[${valueKey(idx)}]` } : undefined;
  }

  /** The object whose field a field_expression reads: `a->b` derefs a; `a.b` uses a's object. */
  private *baseObj(e: Ast, frame: Frame): Gen<Obj | undefined> {
    const arg = child(e, 'argument')!;
    let v: Value;
    if (e.op === '.') {
      // a.b: a is a struct (local, or an embedded member of something)
      if (arg.type === 'field_expression') {
        const inner = yield* this.baseObj(arg, frame);
        const f = child(arg, 'field')?.text;
        if (!inner || !f) return undefined;
        this.touch(inner, arg, `reads ${f} of`);
        return this.world.sub(inner.id, f, fieldType(inner.type, f) ?? '?');
      }
      if (arg.type === 'subscript_expression') return this.world.alloc('?', 'world');
      v = yield* this.eval(arg, frame);
    } else {
      v = yield* this.eval(arg, frame);
    }
    const hint = arg.type === 'identifier' ? frame.types.get(arg.text!)?.type : undefined;
    let holder: { obj: number; field: string } | undefined;
    if (arg.type === 'field_expression') {
      const hb = yield* this.peekHolder(arg, frame);
      if (hb) holder = hb;
    }
    const symHint = v.k === 'sym' ? this.symType.get(v.id) : undefined;
    const o = this.deref(v, e, hint ?? symHint ?? '?', holder);
    if (o && arg.type === 'identifier' && v.k === 'sym') frame.env.set(arg.text!, ptr(o.id));
    if (o && hint) this.typeObj(o.id, hint);
    return o;
  }

  /** Where a field_expression's value lives, without side effects beyond materialising its base. */
  private *peekHolder(e: Ast, frame: Frame): Gen<{ obj: number; field: string } | undefined> {
    const lv = yield* this.lvalue(e, frame);
    if (lv && 'obj' in lv) return { obj: lv.obj.id, field: lv.field };
    return undefined;
  }

  *assign(lv: { local: string } | { obj: Obj; field: string }, v: Value, frame: Frame, at: Ast): Gen<void> {
    if ('local' in lv) {
      // A name the function never declared is a file-scope variable (iommu_wq = alloc_workqueue()).
      if (frame.env.has(lv.local) || frame.types.has(lv.local)) {
        frame.env.set(lv.local, v);
        if (frame.addressed?.fields.has(lv.local)) frame.addressed.fields.set(lv.local, v);
        const t = frame.types.get(lv.local);
        if (t && v.k === 'ptr' && t.pointer > 0) this.typeObj(v.obj, t.type);
      } else {
        this.epoch++;
        this.world.globals.set(lv.local, v);
        this.stored.push(v);
      }
      return;
    }
    if (lv.field === POINTER_SLOT) {
      if (lv.obj.slot && lv.obj.parent) this.writeField(this.world.obj(lv.obj.parent.obj), lv.obj.parent.field, v, at);
      else this.writeField(lv.obj, '*', v, at);
      this.stored.push(v);
      return;
    }
    if (lv.field === '*') {
      if (lv.obj.slot && lv.obj.parent) this.writeField(this.world.obj(lv.obj.parent.obj), lv.obj.parent.field, v, at);
      else if (v.k === 'ptr') this.copyStruct(this.world.obj(v.obj), lv.obj);
      return;
    }
    const known = fieldType(lv.obj.type, lv.field);
    if (known && v.k === 'ptr') this.typeObj(v.obj, known);
    this.writeField(lv.obj, lv.field, v, at);
  }

  /**
   * The file to resolve a call through a function pointer from: the caller's own, unless the function
   * it points to is a static one of another file (a comparator handed to rb_find() in a header).
   */
  private fnFile(name: string, from: string): string {
    return this.ws.definition(name, from) ? from : this.ws.definition(name)?.fn.file ?? from;
  }

  *eval(e: Ast, frame: Frame): Gen<Value> {
    switch (e.type) {
      case 'number_literal': {
        const t = (e.text ?? '0').replace(/[uUlL]+$/, '');
        const n = Number(t);
        return int(Number.isFinite(n) ? n : 0);
      }
      case 'true': return int(1);
      case 'false': case 'null': return ZERO;
      case 'string_literal': case 'concatenated_string': return { k: 'str', s: this.src(e) };
      case 'char_literal': return int(1);
      case 'identifier': {
        const n = e.text!;
        if (frame.addressed?.fields.has(n)) return this.norm(frame.addressed.fields.get(n)!);
        if (frame.env.has(n)) return this.norm(frame.env.get(n)!);
        if (n in CONSTANTS) return int(CONSTANTS[n]);
        if (this.world.globals.has(n)) return this.norm(this.world.globals.get(n)!);
        if (this.ws.definition(n)) return { k: 'fn', name: n };
        const macro = this.ws.macroConstant(n, frame.file);
        if (macro !== undefined) return int(macro);
        const s = this.world.sym(n);
        this.world.globals.set(n, s);
        return s;
      }
      case 'parenthesized_expression':
        return yield* this.eval(e.children[e.children.length - 1], frame);
      case 'comma_expression': {
        let v: Value = ZERO;
        for (const c of e.children) v = yield* this.eval(c, frame);
        return v;
      }
      case 'cast_expression':
        return yield* this.eval(child(e, 'value') ?? e.children[e.children.length - 1], frame);
      case 'sizeof_expression': case 'alignof_expression': case 'offsetof_expression':
        return int(8);
      case 'field_expression': {
        const base = yield* this.baseObj(e, frame);
        const f = child(e, 'field')?.text;
        if (!base || !f) return this.world.sym(this.src(e));
        return this.readField(base, f, e);
      }
      case 'pointer_expression': {
        const arg = e.children[0];
        if (e.op === '&') {
          if (arg.type === 'subscript_expression') {
            // &a[i]: an element of the array the path holds; the model keeps one object per array,
            // so passing it on hands over the array (a registration keeps it alive).
            const base = yield* this.eval(child(arg, 'argument')!, frame);
            yield* this.eval(child(arg, 'index')!, frame);
            return base.k === 'ptr' ? base : this.world.sym(this.src(e));
          }
          if (arg.type === 'field_expression') {
            const base = yield* this.baseObj(arg, frame);
            const f = child(arg, 'field')?.text;
            if (!base || !f) return this.world.sym(this.src(e));
            this.touch(base, arg, `takes the address of ${f} in`);
            return ptr(this.world.sub(base.id, f, fieldType(base.type, f) ?? '?').id);
          }
          if (arg.type === 'identifier') {
            const v = frame.env.get(arg.text!);
            const t = frame.types.get(arg.text!);
            if (v?.k === 'ptr' && t && t.pointer === 0) return v; // a struct local: its address is the object
            if (t && (t.pointer > 0 || SCALAR.test(t.type.trim()))) {
              // &id, &ptr: a slot that reads and writes the local itself, so a callee's *out = x
              // (xa_alloc()'s index, an out-parameter) is what the local holds afterwards.
              if (!frame.addressed) {
                frame.addressed = this.world.alloc('locals', 'stack');
                frame.stackObjs.push(frame.addressed.id);
              }
              const box = frame.addressed;
              if (!box.fields.has(arg.text!)) box.fields.set(arg.text!, v ?? this.world.sym(arg.text!));
              return ptr(this.world.sub(box.id, arg.text!, t.type).id);
            }
            if (v && t && t.pointer === 0) {
              // A local of a typedef'd type (spinlock_t, DEFINE_MUTEX()): the address names one object.
              const o = this.world.alloc(t.type, 'stack');
              frame.stackObjs.push(o.id);
              frame.env.set(arg.text!, ptr(o.id));
              return ptr(o.id);
            }
            if (!v && this.world.globals.has(arg.text!)) {
              const g = this.world.globals.get(arg.text!)!;
              if (g.k === 'ptr') return g;
            }
            if (!v && !this.ws.definition(arg.text!)) {
              // A file-level object (a static mutex, a global list): one world object per name.
              const o = this.world.alloc(arg.text!, 'static');
              this.world.globals.set(arg.text!, ptr(o.id));
              return ptr(o.id);
            }
            return this.world.sym(`&${arg.text}`);
          }
          return yield* this.eval(arg, frame);
        }
        // *p: the object itself, for struct copies
        const v = yield* this.eval(arg, frame);
        const o = this.deref(v, e);
        // `*devices` with devices = &unit->devices: the value stored in that field.
        if (o?.slot && o.parent) return this.readField(this.world.obj(o.parent.obj), o.parent.field, e);
        // `*pp` of a pointer to a pointer: the pointer it holds (what `*pp = p` stored).
        if (o && pointsToPointer(arg, frame)) return this.readField(o, '*', e);
        return o ? ptr(o.id) : this.world.sym(this.src(e));
      }
      case 'assignment_expression': {
        const left = child(e, 'left')!;
        const right = child(e, 'right')!;
        let v = yield* this.eval(right, frame);
        const lv = yield* this.lvalue(left, frame);
        if (lv && 'obj' in lv && lv.field !== '*' && (!e.op || e.op === '=') && v.k === 'ptr' && isStructValue(right, this.world.obj(v.obj))) {
          // `group->last_fault.fault = evt->fault`, `iopf->fault = *fault`: a struct copy, not aliasing.
          this.touch(lv.obj, e, `writes ${lv.field} of`);
          const src = this.world.obj(v.obj);
          const dst = this.world.sub(lv.obj.id, lv.field, src.type);
          // A compound literal replaces the whole struct: members it does not name become 0.
          if (right.type === 'compound_literal_expression') {
            for (const [k, old] of [...dst.fields]) {
              const sub = old.k === 'ptr' ? this.world.objs.get(old.obj) : undefined;
              if (!(sub?.parent?.obj === dst.id)) dst.fields.set(k, ZERO);
            }
          }
          this.copyStruct(src, dst);
          return v;
        }
        if (e.op && e.op !== '=') {
          const old = yield* this.eval(left, frame);
          v = this.binop(e.op.slice(0, -1), old, v);
        }
        if (lv) yield* this.assign(lv, v, frame, e);
        // A store the model does not follow (an array element: cmdqv->vintfs[idx] = vintf) keeps
        // the object somewhere live.
        else this.escape([v]);
        return v;
      }
      case 'update_expression': {
        const arg = e.children[0];
        const old = yield* this.eval(arg, frame);
        const lv = yield* this.lvalue(arg, frame);
        const nv = this.binop(e.op === '--' ? '-' : '+', old, int(1));
        if (lv) yield* this.assign(lv, nv, frame, e);
        // --x is the new value, x-- the old one.
        return arg.start > e.start ? nv : old;
      }
      case 'unary_expression': {
        // !x is expected true exactly when x is expected false.
        const outer = this.expect;
        let v: Value;
        if (e.op === '!' && outer !== undefined) this.expect = !outer;
        try {
          v = yield* this.eval(e.children[0], frame);
          if (e.op === '!' && v.k === 'sym') return this.truthy(v, `!${this.src(e.children[0])}`) ? ZERO : int(1);
        } finally {
          this.expect = outer;
        }
        if (e.op === '!') {
          return int(this.truthy(v, '') ? 0 : 1);
        }
        if (v.k === 'sym' && e.op === '~') {
          // ~F of a flag the tree does not define: `x & ~F` clears it.
          const f = this.flagMask(v);
          const nv = this.world.sym(this.src(e));
          if (f && !f.complement) this.complementOf.set((nv as { id: number }).id, f.bits);
          return nv;
        }
        if (v.k !== 'int') return this.world.sym(this.src(e));
        if (e.op === '-') return int(-v.v);
        if (e.op === '~') return int(~v.v);
        return v;
      }
      case 'binary_expression': {
        const [a, b] = e.children;
        if (e.op === '&&' || e.op === '||') {
          const l = yield* this.eval(a, frame);
          const lt = this.truthy(l, this.src(a));
          if (e.op === '&&' && !lt) return ZERO;
          if (e.op === '||' && lt) return int(1);
          const r = yield* this.eval(b, frame);
          return int(this.truthy(r, this.src(b)) ? 1 : 0);
        }
        const l = yield* this.eval(a, frame);
        const r = yield* this.eval(b, frame);
        // An unknown held in an unsigned variable is never negative.
        if (l.k === 'sym' && unsignedVar(a, frame)) this.nonNegative.add(l.id);
        if (r.k === 'sym' && unsignedVar(b, frame)) this.nonNegative.add(r.id);
        // Pointer arithmetic stays inside the object: p + n is NULL exactly when p is.
        if ((e.op === '+' || e.op === '-') && pointerVar(a, frame) && (l.k === 'ptr' || l.k === 'sym')) {
          if (l.k === 'ptr') return l;
          const moved = this.world.sym(this.src(e));
          if (moved.k === 'sym') this.truthOf.set(moved.id, l.id);
          return moved;
        }
        const out = this.binop(e.op ?? '?', l, r);
        if (out.k === 'sym' && !this.world.symNames.get(out.id)?.includes(' ')) this.world.symNames.set(out.id, this.src(e));
        return out;
      }
      case 'conditional_expression': {
        const c = yield* this.eval(child(e, 'condition')!, frame);
        const t = this.truthy(c, this.src(child(e, 'condition')!));
        const branch = t ? child(e, 'consequence') : child(e, 'alternative');
        return branch ? yield* this.eval(branch, frame) : c;
      }
      case 'call_expression': {
        // A callee's own conditions are not the caller's.
        const outer = this.expect;
        this.expect = undefined;
        try {
          return yield* this.evalCall(e, frame);
        } finally {
          this.expect = outer;
        }
      }
      case 'subscript_expression': {
        // a[i]: the element the path stored there, if it did (one slot per index value).
        const el = yield* this.element(e, frame);
        return el ? this.readField(el.obj, el.field, e) : this.world.sym(this.src(e));
      }
      case 'initializer_list': case 'compound_literal_expression': {
        const o = this.world.alloc('?', 'stack');
        frame.stackObjs.push(o.id);
        const list = e.type === 'initializer_list' ? e : child(e, 'value');
        if (list) yield* this.initList(o, list, frame);
        return ptr(o.id);
      }
      default:
        return this.world.sym(this.src(e));
    }
  }

  binop(op: string, l: Value, r: Value): Value {
    if (l.k === 'int' && r.k === 'int') {
      const a = l.v;
      const b = r.v;
      switch (op) {
        case '+': return int(a + b);
        case '-': return int(a - b);
        case '*': return int(a * b);
        case '/': return int(b === 0 ? 0 : Math.trunc(a / b));
        case '%': return int(b === 0 ? 0 : a % b);
        case '&': return int(a & b);
        case '|': return int(a | b);
        case '^': return int(a ^ b);
        case '<<': return int(a << b);
        case '>>': return int(a >> b);
        case '==': return int(a === b ? 1 : 0);
        case '!=': return int(a !== b ? 1 : 0);
        case '<': return int(a < b ? 1 : 0);
        case '>': return int(a > b ? 1 : 0);
        case '<=': return int(a <= b ? 1 : 0);
        case '>=': return int(a >= b ? 1 : 0);
      }
    }
    // Zero absorbs whatever the other side is: `flags & ~UNKNOWN_MASK` of a flags field never set is 0.
    const zero = (v: Value) => v.k === 'int' && v.v === 0;
    if ((op === '&' || op === '*') && (zero(l) || zero(r))) return ZERO;
    if ((op === '<<' || op === '>>') && zero(l)) return ZERO;
    if (op === '==' || op === '!=') {
      const eq = sameValue(l, r);
      if (eq !== undefined) return int((op === '==') === eq ? 1 : 0);
      // comparing a symbol with NULL: decide through its truth
      if (l.k === 'sym' && r.k === 'int' && r.v === 0) return int(this.truthy(l, this.world.symNames.get(l.id) ?? '?') === (op === '!=') ? 1 : 0);
      if (r.k === 'sym' && l.k === 'int' && l.v === 0) return int(this.truthy(r, this.world.symNames.get(r.id) ?? '?') === (op === '!=') ? 1 : 0);
    }
    if ((l.k === 'ptr' || l.k === 'err') && r.k === 'int' && (op === '>' || op === '<')) return int(op === '>' ? 1 : 0);
    // The same comparison of the same unknowns is the same unknown: decided once per path.
    const key = `${valueKey(l)}${op}${valueKey(r)}`;
    let v = this.memo.get(key);
    // Flags: the bits an unknown is known to have set or clear follow it through | and &.
    const flags = !v && (op === '|' || op === '&') ? this.flagOperands(l, r) : undefined;
    if (flags) {
      const { x, mask } = flags;
      const set = this.bitsSet.get(x.id) ?? new Set<string>();
      const clear = this.bitsClear.get(x.id) ?? new Set<string>();
      const all = (s: Set<string>) => [...mask.bits].every((b) => s.has(b));
      if (op === '&' && !mask.complement && mask.bits.size && all(set)) {
        // A flag is not 0.
        if (mask.value.k === 'sym') this.world.symTruth.set(mask.value.id, true);
        return mask.value;
      }
      if (op === '&' && !mask.complement && all(clear)) return ZERO;
      v = this.world.sym(`(${op})`);
      this.memo.set(key, v);
      const id = (v as { id: number }).id;
      if (op === '|' && !mask.complement) {
        this.bitsSet.set(id, new Set([...set, ...mask.bits]));
        this.bitsClear.set(id, new Set([...clear].filter((b) => !mask.bits.has(b))));
        if (mask.bits.size) this.world.symTruth.set(id, true);
      } else if (op === '&' && mask.complement) {
        this.bitsSet.set(id, new Set([...set].filter((b) => !mask.bits.has(b))));
        this.bitsClear.set(id, new Set([...clear, ...mask.bits]));
      } else if (op === '&') {
        this.bitsSet.set(id, new Set([...set].filter((b) => mask.bits.has(b))));
        this.bitsClear.set(id, clear);
      }
      return v;
    }
    if (!v) {
      v = this.world.sym(`(${op})`);
      this.memo.set(key, v);
      // Against 0 (ret < 0, count > 0): its answer and the unknown's truth constrain each other.
      const zeroCmp = /^(==|!=|<|>|<=|>=)$/.test(op);
      if (zeroCmp && l.k === 'sym' && r.k === 'int' && r.v === 0 && v.k === 'sym') this.comparisons.set(v.id, { sym: l.id, op, c: 0 });
      else if (zeroCmp && r.k === 'sym' && l.k === 'int' && l.v === 0 && v.k === 'sym') this.comparisons.set(v.id, { sym: r.id, op: flip(op), c: 0 });
      // Against another constant (nr > 1, i < nr): only its range decides it.
      else if (zeroCmp && l.k === 'sym' && r.k === 'int' && v.k === 'sym') this.comparisons.set(v.id, { sym: l.id, op, c: r.v });
      else if (zeroCmp && r.k === 'sym' && l.k === 'int' && v.k === 'sym') this.comparisons.set(v.id, { sym: r.id, op: flip(op), c: l.v });
    }
    return v;
  }

  private *evalCall(e: Ast, frame: Frame): Gen<Value> {
    const fnAst = child(e, 'function')!;
    const argList = child(e, 'arguments');
    const argAsts = argList?.children.filter((c) => c.type !== 'comment') ?? [];
    // guard(mutex)(&lock): the lock is held to the end of the scope (released by the CFG).
    if (fnAst.type === 'call_expression') {
      const inner = child(fnAst, 'function');
      if (inner?.text === 'guard') {
        const cls = child(fnAst, 'arguments')?.children[0]?.text ?? 'mutex';
        const v = argAsts[0] ? yield* this.eval(argAsts[0], frame) : undefined;
        if (v) yield* this.lockAcquire(v, cls, e);
        return ZERO;
      }
    }
    const lazy = LAZY;
    if (fnAst.type === 'identifier') {
      const name = fnAst.text!;
      const callee = frame.env.get(name);
      const args: Value[] = [];
      if (!lazy.has(name)) for (const a of argAsts) args.push(yield* this.eval(a, frame));
      if (callee?.k === 'fn') return yield* this.call(callee.name, args, argAsts, e, this.fnFile(callee.name, frame.file));
      return yield* this.call(name, args, argAsts, e, frame.file);
    }
    if (fnAst.type === 'field_expression') {
      const field = child(fnAst, 'field')?.text ?? '?';
      const base = yield* this.baseObj(fnAst, frame);
      const args: Value[] = [];
      for (const a of argAsts) args.push(yield* this.eval(a, frame));
      return yield* this.callField(field, base, args, argAsts, e);
    }
    if (fnAst.type === 'parenthesized_expression') {
      const v = yield* this.eval(fnAst, frame);
      const args: Value[] = [];
      for (const a of argAsts) args.push(yield* this.eval(a, frame));
      if (v.k === 'fn') return yield* this.call(v.name, args, argAsts, e, this.fnFile(v.name, frame.file));
    }
    return this.world.sym(this.src(e));
  }

  /** Evaluates argument @i of a lazy contract. */
  *arg(argAsts: Ast[], i: number): Gen<Value> {
    const a = argAsts[i];
    return a ? yield* this.eval(a, this.frame()) : ZERO;
  }

  // -- locks and RCU (shared with contracts) ------------------------------------------------------

  lockOf(v: Value, cls: string, at: Ast | undefined): number | undefined {
    const o = this.deref(v, at, cls);
    if (!o) return undefined;
    if (!this.world.locks.has(o.id)) {
      const owner = o.parent ? this.world.obj(o.parent.obj) : undefined;
      const c = owner ? `${owner.type}.${o.parent!.field}` : o.type;
      this.world.locks.set(o.id, { obj: o.id, cls: c, kind: /spin|raw/.test(cls) ? 'spin' : 'mutex' });
    }
    return o.id;
  }

  *lockAcquire(v: Value, how: string, at: Ast): Gen<void> {
    const id = this.lockOf(v, how, at);
    if (id === undefined) return;
    const lock = this.world.locks.get(id)!;
    if (/spin/.test(how)) lock.kind = 'spin';
    const t = this.world.thread(this.tid);
    this.touch(this.world.obj(id), at, 'locks');
    if (lock.kind === 'mutex') this.mightSleep(at, `mutex_lock(${this.world.name(id)})`);
    if (lock.owner === this.tid) {
      this.report('lock/imbalance', `${this.world.name(id)} is taken again while this thread already holds it: self-deadlock`, at);
      throw new Cut('stop');
    }
    yield { kind: 'sched', lock: id };
    while (lock.owner !== undefined && lock.owner !== this.tid) yield { kind: 'blocked', lock: id };
    // A second lock of a class this thread already holds (a parent domain's lock, then each child's)
    // is a hierarchy of instances, which lockdep tells apart by where each was initialised or by a
    // _nested() annotation; the model's classes cannot, so no order is recorded for it.
    const nested = t.held.some((h) => this.world.locks.get(h)!.cls === lock.cls);
    for (const h of nested ? [] : t.held) {
      const a = this.world.locks.get(h)!.cls;
      const key = `${a} -> ${lock.cls}`;
      if (a !== lock.cls && !this.lockOrder.has(key)) {
        const f = this.frame();
        this.lockOrder.set(key, { file: f.file, line: at.startLine + 1, fn: f.fn, trace: [...this.steps] });
      }
    }
    if (lock.kind === 'mutex' && this.scenario?.faultPath) this.noteLockFact(TAKEN_ON_FAULT_PATH + lock.cls, at);
    lock.owner = this.tid;
    t.held.push(id);
    if (lock.kind === 'spin') t.atomic++;
    this.step(at, `${lock.kind === 'spin' ? 'spin_lock' : 'mutex_lock'}(${this.world.name(id)})`, 'acquired');
  }

  *lockRelease(v: Value, at: Ast, how = 'unlock'): Gen<void> {
    const id = this.lockOf(v, 'mutex', at);
    if (id === undefined) return;
    const lock = this.world.locks.get(id)!;
    const t = this.world.thread(this.tid);
    yield { kind: 'sched' };
    if (lock.owner !== this.tid) {
      this.report('lock/imbalance', `${this.world.name(id)} is released but this path does not hold it`, at);
      return;
    }
    lock.owner = undefined;
    t.held = t.held.filter((h) => h !== id);
    if (lock.kind === 'spin') t.atomic = Math.max(0, t.atomic - 1);
    this.step(at, `${lock.kind === 'spin' ? 'spin_unlock' : 'mutex_unlock'}(${this.world.name(id)})`, how);
  }

  private noteLockFact(key: string, at: Ast, what?: string): void {
    if (this.lockOrder.has(key)) return;
    const f = this.frame();
    const here: TraceStep[] = what ? [{ file: f.file, line: at.startLine + 1, range: rangeAt(at), op: what, detail: 'waits for user space', function: f.fn }] : [];
    this.lockOrder.set(key, { file: f.file, line: at.startLine + 1, fn: f.fn, trace: [...this.steps, ...here], ...(what ? { what } : {}) });
  }

  /**
   * A wait on user space (a user copy faulting its page in): each mutex held across it is a lock
   * whose other takers wait as long as user space wants.
   */
  waitsOnUserSpace(at: Ast, what: string): void {
    for (const h of this.world.thread(this.tid).held) {
      const l = this.world.locks.get(h)!;
      if (l.kind === 'mutex') this.noteLockFact(HELD_ACROSS_USER_COPY + l.cls, at, what);
    }
  }

  /** Whether the running thread is in atomic context: a spinlock held, an RCU read section, a hard interrupt handler. */
  inAtomic(): boolean {
    const t = this.world.thread(this.tid);
    return t.rcuDepth > 0 || (t.atomic > 0 && (Boolean(this.scenario?.hardIrq) || t.held.some((l) => this.world.locks.get(l)?.kind === 'spin')));
  }

  /**
   * A call the path does not follow (past the call-depth bound, through a function pointer it does
   * not know) made in atomic context: the tree's bodies say whether it may sleep.
   */
  private sleepsUnfollowed(at: Ast, name: string, fromFile: string | undefined, opsType?: string): void {
    if (!this.inAtomic()) return;
    if (opsType === undefined) {
      const chain = sleepChain(this.ws, name, fromFile);
      if (chain) this.mightSleep(at, chain.join(' → '));
      return;
    }
    // Only through a pointer whose struct type the path knows: a member name alone (`->release`,
    // `->alloc`) is shared by unrelated tables.
    if (opsType === '?') return;
    for (const impl of opsImplementations(this.ws, opsType, name)) {
      const chain = sleepChain(this.ws, impl);
      if (!chain) continue;
      this.mightSleep(at, `->${name}() (${impl}(), which an ops table of the tree installs) → ${chain.slice(1).join(' → ')}`);
      return;
    }
  }

  /** Reports sleeping while atomic: inside rcu_read_lock() or with a spinlock held. */
  mightSleep(at: Ast | undefined, what: string): void {
    const t = this.world.thread(this.tid);
    if (t.rcuDepth > 0) this.report('lock/sleep-in-atomic', `${what} may sleep inside an RCU read-side critical section`, at);
    else if (t.atomic > 0 && t.held.some((l) => this.world.locks.get(l)?.kind === 'spin')) this.report('lock/sleep-in-atomic', `${what} may sleep while a spinlock is held`, at);
    else if (t.atomic > 0 && this.scenario?.hardIrq) this.report('lock/sleep-in-atomic', `${what} may sleep, in a hard interrupt handler (registered with request_irq()): it runs in interrupt context`, at);
  }
}

/**
 * Callees whose contract is more precise than their body: their bodies mostly call driver
 * callbacks (ops->domain_alloc_sva) the model cannot see into.
 */
/** Arguments a contract may read by position (a[0] .. a[3]). */
// Per-node facts asked for on every path: computed once per body (a body's nodes are replaced,
// not changed, when its text changes).
const ranges = new WeakMap<Ast, SourceRange>();
const srcs = new WeakMap<Ast, string>();
const lockHelpers = new WeakMap<FunctionDef, { text: string; v: boolean }>();
const errnoReturners = new WeakMap<FunctionDef, boolean>();

/**
 * isMachineFailure - a step where the machine itself failed a call (an allocation, an id, a driver
 * refusing a domain); -EBUSY from an occupied PASID is the core's own answer, not a failure.
 */
export function isMachineFailure(st: TraceStep): boolean {
  return st.op.endsWith('() fails') && !st.detail.startsWith('-EBUSY');
}

/** Whether @fn reports some failure as a negative errno (`return -EINVAL;`, `ret = -ENOMEM;`). */
function returnsErrno(fn: FunctionDef): boolean {
  let v = errnoReturners.get(fn);
  if (v === undefined) errnoReturners.set(fn, (v = /\breturn\s+-E[A-Z0-9]+\s*;|=\s*-E[A-Z0-9]+\s*;/.test(fn.text)));
  return v;
}

function opsMemberOf(ws: Workspace, table: string, member: string): string | undefined {
  for (const f of ws.files.values()) {
    const found = fileFact(f, `ops ${table}.${member}`, () => initializerMember(f.text, table, member));
    if (found) return found;
  }
  return undefined;
}

replayable('ops member', (ws, [table, member]) => opsMemberOf(ws, table!, member!));

function workLockClassesOf(ws: Workspace): Set<string> {
  const locks = new Set<string>();
  const workFns = new Set<string>();
  for (const f of ws.files.values()) {
    // Read once per file text: every path that flushes under a lock asks.
    for (const fn of fileFact(f, 'work functions', () => [...f.text.matchAll(/INIT_WORK\s*\([^,]+,\s*(\w+)\s*\)/g)].map((m) => m[1]))) workFns.add(fn);
  }
  for (const name of workFns) {
    const d = ws.definition(name);
    if (!d) continue;
    const body = d.file.text.slice(d.fn.range.startIndex, d.fn.range.endIndex);
    for (const m of body.matchAll(/(?:mutex_lock|spin_lock\w*)\s*\(\s*&[^)]*?(?:->|\.)(\w+)\s*[,)]/g)) locks.add(m[1]);
  }
  return locks;
}

replayable('work lock classes', (ws) => workLockClassesOf(ws));

/** The range of @n; steps share it (ranges are never changed in place). */
function rangeAt(n: Ast): SourceRange {
  let r = ranges.get(n);
  if (!r) ranges.set(n, (r = rangeOf(n)));
  return r;
}

/**
 * Whether @fn is annotated as taking or dropping a lock for its caller (__acquires()/__releases();
 * the annotation is in the file's own text, the index's copy has it blanked).
 */
function isLockHelper(fn: FunctionDef, fileText: string): boolean {
  const had = lockHelpers.get(fn);
  if (had?.text === fileText) return had.v;
  const v = /__(acquires|releases)\s*\(/.test(fileText.slice(fn.range.startIndex, fn.range.startIndex + 400));
  lockHelpers.set(fn, { text: fileText, v });
  return v;
}

/** Whether @fn is an inline function a header defines; read once per definition (every call asks). */
const inlineHeaders = new WeakMap<FunctionDef, boolean>();
function inlineInHeader(fn: FunctionDef, fileText: string): boolean {
  let v = inlineHeaders.get(fn);
  if (v === undefined) {
    v = /\.h$/.test(fn.file) && isInlineDefinition(fileText, fn.range.startIndex);
    inlineHeaders.set(fn, v);
  }
  return v;
}

const CONTRACT_ARGS = 4;


const PREFER_CONTRACT = new Set(['iommu_sva_domain_alloc', 'iommu_attach_device_pasid', 'iommu_detach_device_pasid',
  'iommu_alloc_global_pasid', 'iommu_free_global_pasid', 'iommu_domain_free', 'iommu_attach_handle_get']);

/** Whether the right-hand side of an assignment denotes a struct value (copied) rather than a pointer. */
/**
 * Kernel helpers that only read or write through the pointers they are given and keep none of
 * them: an object passed to them has not escaped.
 */
/** An expression that calls, assigns or increments: evaluating it twice would do it twice. */
function hasEffects(e: Ast): boolean {
  if (e.type === 'call_expression' || e.type === 'assignment_expression' || e.type === 'update_expression') return true;
  return e.children.some(hasEffects);
}

const KEEPS_NOTHING = /^(copy_(from|to)_user|__copy_(from|to)_user\w*|clear_user|memcpy|memmove|memset|memcmp|memchr|str(n?cpy|n?cmp|n?len|scpy|chr|rchr|str|n?cat)|sn?printf|scnprintf|vsn?printf|kstrto\w+|printk|pr_\w+|dev_(err|warn|info|dbg|notice|crit|alert|emerg)(_ratelimited|_once)?|dev_name|print_hex_dump\w*|trace_\w+|might_sleep|lockdep_\w+|WARN\w*|BUG_ON|bitmap_\w+|(set|clear|test)_bit|__(set|clear)_bit|find_(first|next)_\w*bit|hweight\d+|ilog2|fls\w*|ffs\w*)$/;

/** Unknown calls that print or trace and write nothing else (printk.h, dev_printk.h, tracepoints). */
const PRINTS_ONLY = /^(printk|pr_(emerg|alert|crit|err|warn|warning|notice|info|cont|debug|devel)(_ratelimited|_once)?|dev_(printk|emerg|alert|crit|err|warn|notice|info|dbg)(_ratelimited|_once)?|print_hex_dump\w*|trace_\w+)$/;

/** Unknown calls whose name says they keep what they are given (a registration, a list insertion). */
const HANDS_OVER = /(^|_)(add|register|insert|attach|install|link|store|set|push|enqueue|queue|match|assign|save|hold|own|get)(_|$)/;

/** `.member = fn` in the designated initializer of the static table @table in @text. */
function initializerMember(text: string, table: string, member: string): string | undefined {
  const m = new RegExp(`\\b${table}\\s*=\\s*\\{`).exec(text);
  if (!m) return undefined;
  let depth = 0;
  let end = m.index + m[0].length - 1;
  for (; end < text.length; end++) {
    const c = text[end];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) break;
  }
  return new RegExp(`\\.${member}\\s*=\\s*&?\\s*(\\w+)`).exec(text.slice(m.index, end))?.[1];
}

/** Calls whose name says they keep what they are given. */

/** The comparison with its operands swapped: 0 < x is x > 0. */
function flip(op: string): string {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op;
}

function isStructValue(right: Ast, o: Obj): boolean {
  if (right.type === 'pointer_expression' && right.op === '*') return true;
  if (right.type === 'compound_literal_expression') return true;
  return right.type === 'field_expression' && o.parent !== undefined;
}

function sameValue(a: Value, b: Value): boolean | undefined {
  if (a.k === 'ptr' && b.k === 'ptr') return a.obj === b.obj;
  if ((a.k === 'ptr' || a.k === 'err') && b.k === 'int') return b.v === 0 ? false : undefined;
  if (a.k === 'int' && (b.k === 'ptr' || b.k === 'err')) return a.v === 0 ? false : undefined;
  if (a.k === 'sym' && b.k === 'sym' && a.id === b.id) return true;
  if (a.k === 'fn' && b.k === 'fn') return a.name === b.name;
  return undefined;
}

/** The innermost AST node exactly covering [start, end) under @n. */
function findAt(n: Ast, start: number, end: number): Ast | undefined {
  if (n.start === start && n.end === end) {
    for (const c of n.children) {
      const inner = findAt(c, start, end);
      if (inner) return inner;
    }
    return n;
  }
  for (const c of n.children) {
    if (c.start <= start && c.end >= end) return findAt(c, start, end);
  }
  return undefined;
}

/** The local names a statement assigns (`x = …`, `x += …`, `x++`), read without recursion. */
function assignedNames(s: Ast): string[] {
  const out = new Set<string>();
  const todo: Ast[] = [s];
  while (todo.length) {
    const e = todo.pop()!;
    if (e.type === 'assignment_expression') {
      const l = e.children[0];
      if (l?.type === 'identifier' && l.text) out.add(l.text);
    } else if (e.type === 'update_expression') {
      const a = e.children.find((c) => c.type === 'identifier');
      if (a?.text) out.add(a.text);
    }
    for (const c of e.children) todo.push(c);
  }
  return [...out];
}
