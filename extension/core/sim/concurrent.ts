// Interleavings of concurrent entry points: threads step between shared-state operations, every
// schedule is a decision of the oracle, and states already explored are not explored again.
import type { Workspace } from '../index';
import type { Ast } from '../parse/ast';
import { CONSTANTS } from '../model/constants';
import { Value, ZERO, int, ptr } from '../model/world';
import type { PathResult } from '../types';
import { Cut, Era, Gen, LockOrder, Machine, Oracle } from './machine';
import { ExploreOptions, endChecks, outcome } from './explore';
import { SCENARIOS, Scenario, WorldHandles, argsFor, buildWorld, eventObj } from './scenarios';

export interface ConcurrentScenario {
  name: string;
  summary: string;
  /** the single-thread scenario whose world the threads share */
  world: string;
  /** entry points whose bodies make the scenario worth running on a workspace */
  entries: string[];
  threads: { name: string; body: (m: Machine, h: WorldHandles) => Gen<Value> }[];
  /**
   * Run only when asked for by name: the scenario assumes a caller that breaks a documented
   * precondition (work flushed before removal) and would report that on every tree.
   */
  explicitOnly?: boolean;
}

/** Where a thread's call of @name is shown: the callee's definition, else the stand-in frame. */
function siteOf(m: Machine, name: string): Ast {
  const d = m.ws.definition(name);
  const r = d ? d.fn.range : m.frame().cfg.range;
  return { type: 'call_expression', start: r.startIndex, end: r.endIndex, startLine: r.start.line, startCol: r.start.column,
    endLine: r.start.line, endCol: r.start.column, children: [] };
}

/** Runs @entry with arguments fitted to its parameters (body or contract). */
function* enter(m: Machine, h: WorldHandles, entry: string, evt?: ReturnType<typeof eventObj>): Gen<Value> {
  void eventObj;
  const cfg = m.ws.cfg(entry);
  if (cfg) return yield* m.runFunction(entry, argsFor(m, cfg, h, evt), undefined);
  // No body here: the contract, with the arguments the core API takes.
  const args: Value[] = entry === 'iopf_queue_remove_device' ? [ptr(h.queue.id), ptr(h.dev.id)]
    : entry === 'iommu_report_device_fault' ? [ptr(h.dev.id), evt ? ptr(evt.id) : ZERO] : [];
  return yield* m.call(entry, args, [], siteOf(m, entry), m.frame().file);
}

export const CONCURRENT: ConcurrentScenario[] = [
  {
    name: 'lookup-x-remove',
    summary: 'a fault path looking up the device\'s fault parameter (iopf_get_dev_fault_param(), use, iopf_put_dev_fault_param()) while the device is removed from its IOPF queue',
    world: 'last-only',
    entries: ['iopf_get_dev_fault_param', 'iopf_put_dev_fault_param', 'iopf_queue_remove_device'],
    threads: [
      {
        name: 'fault path',
        body: function* (m, h) {
          const at = siteOf(m, 'iopf_get_dev_fault_param');
          const fp = yield* m.call('iopf_get_dev_fault_param', [ptr(h.dev.id)], [], at, m.frame().file);
          if (fp.k !== 'ptr') return ZERO;
          // Use it as report does: take its lock, then drop the reference.
          yield* m.lockAcquire(ptr(m.world.sub(fp.obj, 'lock', 'mutex').id), 'mutex', at);
          yield* m.lockRelease(ptr(m.world.sub(fp.obj, 'lock', 'mutex').id), at);
          yield* m.call('iopf_put_dev_fault_param', [fp], [], at, m.frame().file);
          return ZERO;
        },
      },
      { name: 'remove', body: function* (m, h) { return yield* enter(m, h, 'iopf_queue_remove_device'); } },
    ],
  },
  {
    name: 'response-x-remove',
    summary: 'a responder outside the fault workqueue (not flushed before removal) answering and freeing a pending group while the device is removed',
    world: 'remove-with-pending',
    entries: ['iopf_group_response'],
    explicitOnly: true,
    threads: [
      {
        name: 'responder',
        body: function* (m, h) {
          const g = ptr(h.group!.id);
          const at = siteOf(m, 'iopf_group_response');
          yield* m.call('iopf_group_response', [g, int(CONSTANTS.IOMMU_PAGE_RESP_SUCCESS)], [], at, m.frame().file);
          return ZERO;
        },
      },
      { name: 'remove', body: function* (m, h) { return yield* enter(m, h, 'iopf_queue_remove_device'); } },
    ],
  },
];

export function concurrentByName(name: string): ConcurrentScenario | undefined {
  return CONCURRENT.find((c) => c.name === name);
}

/** Concurrent scenarios worth running on @ws: some thread runs a body the workspace has. */
export function concurrentFor(ws: Workspace, files?: Set<string>): ConcurrentScenario[] {
  return CONCURRENT.filter((c) => !c.explicitOnly && c.entries.some((e) => {
    const d = ws.definition(e);
    return d && (!files || files.has(d.fn.file));
  }));
}

export interface ConcurrentResult {
  paths: PathResult[];
  states: number;
  bounded: boolean;
  ms: number;
}

/** exploreConcurrent - every interleaving of @c's threads, up to @opts.maxStates scheduling states. */
export function exploreConcurrent(ws: Workspace, c: ConcurrentScenario, opts: ExploreOptions & { maxStates?: number },
  era: Era, lockOrder: LockOrder): ConcurrentResult {
  const started = Date.now();
  const base: Scenario = SCENARIOS.find((s) => s.name === c.world)!;
  const seen = new Set<string>();
  const maxStates = opts.maxStates ?? 50000;
  const paths: PathResult[] = [];
  let bounded = false;
  let prefix: number[] | undefined = [];
  // Any function body gives the stand-in frame its file; the entries decide which.
  const anchor = c.entries.map((e) => ws.definition(e)).find(Boolean)!;
  while (prefix) {
    if (seen.size >= maxStates || paths.length >= opts.maxPaths * 20 || opts.cancelled?.()) {
      bounded = true;
      break;
    }
    const oracle: Oracle = new Oracle(prefix);
    const m = new Machine(ws, oracle, opts, era, lockOrder, opts.withState);
    m.concurrent = true;
    m.scenario = { ...base, events: undefined };
    m.handlerResult = base.handlerResult;
    m.stacks = [];
    const h = buildWorld(m, { ...base, events: base.events ? [] : undefined });
    if (base.events && !base.noDomain) {
      // buildWorld attached the domains only for scenarios with events; make sure the RID has one.
      if (!m.attached.size) {
        const handle = m.world.alloc('iommu_attach_handle', 'world');
        const domain = m.world.alloc('iommu_domain', 'world');
        domain.fields.set('iopf_handler', { k: 'fn', name: 'iopf_handler' });
        m.attach(int(0), handle, ptr(domain.id));
      }
    }
    // A stand-in frame so steps taken before a thread enters a body have a file to point at.
    const cfg = ws.cfg(anchor.fn.name, anchor.fn.file)!;
    m.idle = { fn: c.name, file: anchor.fn.file, cfg, env: new Map(), types: new Map(), iters: new Map(), visits: new Map(), heldAtEntry: [], rcuAtEntry: 0, stackObjs: [], depth: 0, lockHelper: false };
    const gens: { tid: number; gen: Gen<Value>; done: boolean; blocked?: number }[] = [];
    c.threads.forEach((t, i) => {
      m.world.threads.push({ id: i, name: t.name, held: [], rcuDepth: 0, atomic: 0, done: false });
      m.stacks[i] = [];
    });
    c.threads.forEach((t, i) => {
      m.tid = i;
      gens.push({ tid: i, gen: t.body(m, h), done: false });
    });
    let cut: Cut['reason'] | undefined;
    let pruned = false;
    try {
      for (;;) {
        for (const s of m.spawned.splice(0)) gens.push({ tid: s.tid, gen: s.gen, done: false });
        const runnable = gens.filter((g) => !g.done && (g.blocked === undefined || m.world.locks.get(g.blocked)?.owner === undefined));
        if (!runnable.length) {
          const stuck = gens.filter((g) => !g.done);
          if (stuck.length) {
            m.tid = stuck[0].tid;
            m.report('lock/order', `deadlock: ${stuck.map((g) => `${m.world.threads[g.tid].name} waits for ${m.world.name(g.blocked!)}`).join(', ')}`);
            cut = 'stop';
          }
          break;
        }
        // States met while replaying an earlier run's decisions are that run's; only new
        // territory is hashed, and a state already explored from elsewhere is not explored again.
        if (runnable.length > 1 && !oracle.replaying()) {
          const key = `${m.fingerprint()}#${gens.map((g) => `${g.done ? 'D' : ''}${g.blocked ?? ''}`).join(',')}`;
          if (seen.has(key)) {
            pruned = true;
            break;
          }
          seen.add(key);
        }
        const pick = runnable.length > 1 ? runnable[oracle.choose(runnable.length)] : runnable[0];
        m.tid = pick.tid;
        const r = pick.gen.next();
        if (r.done) {
          pick.done = true;
          m.world.threads[pick.tid].done = true;
          pick.blocked = undefined;
        } else if (r.value.kind === 'blocked') pick.blocked = r.value.lock;
        else pick.blocked = undefined;
      }
    } catch (e) {
      if (e instanceof Cut) cut = e.reason;
      else throw e;
    }
    if (!pruned && cut !== 'infeasible') {
      m.tid = 0;
      if (!cut) endChecks(m, c.name, { ...base, name: c.name }, []);
      paths.push({
        id: paths.length + 1,
        scenario: c.name,
        outcome: outcome(m, [], cut),
        steps: m.steps,
        findings: m.findings,
        bounded: m.bounded || cut === 'bounded',
        decisions: m.decisions,
      });
      if (m.bounded) bounded = true;
    }
    prefix = oracle.next();
  }
  return { paths, states: seen.size, bounded, ms: Date.now() - started };
}
