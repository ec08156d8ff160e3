// Interleavings of concurrent entry points: threads step between shared-state operations, every
// schedule is a decision of the oracle, and states already explored are not explored again.
import type { Workspace } from '../index';
import type { Ast } from '../parse/ast';
import { CONSTANTS } from '../model/constants';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import type { Consequence, Finding, PathResult, TraceStep } from '../types';
import { Cut, Era, Frontier, Gen, LockOrder, Machine, Oracle } from './machine';
import { ExploreOptions, asConsequence, drain, endChecks, findingKey, outcome } from './explore';
import { SCENARIOS, Scenario, WorldHandles, argsFor, buildWorld, eventObj, pendingGroup } from './scenarios';
import { compile } from '../lifecycles/program';
import { PROGRAMS, ROLE_PROGRAMS } from '../lifecycles';

export interface ConcurrentScenario {
  name: string;
  summary: string;
  /** the single-thread scenario whose world the threads share */
  world: string;
  /** entry points whose bodies make the scenario worth running on a workspace */
  entries: string[];
  /** entry points that must all have bodies: a thread the contracts cannot stand in for */
  requires?: string[];
  /**
   * Whether the code in the workspace makes the race one its callers may legitimately start (the
   * era is read from the code): a removal that frees pending groups relies on its caller having
   * flushed the fault work, so a responder racing it is the caller's bug, not the core's.
   */
  fits?: (ws: Workspace) => boolean;
  /** more world the threads share, beyond the single-thread scenario's */
  setup?: (m: Machine, h: WorldHandles) => void;
  /** the thread whose exit end-of-scenario findings point at (default: the last one) */
  owner?: number;
  threads: { name: string; body: (m: Machine, h: WorldHandles) => Gen<Value> }[];
  /** Run only when asked for by name. */
  explicitOnly?: boolean;
  /** checks of the scenario's own at its end, before the end-of-path checks every path gets */
  check?: (m: Machine, h: WorldHandles) => void;
  /** checks of the scenario's own after the end-of-path checks: what is left when nothing else went wrong first */
  lateCheck?: (m: Machine, h: WorldHandles) => void;
}

/** Where a thread's call of @name is shown: the callee's definition, else the stand-in frame. */
function siteOf(m: Machine, name: string): Ast {
  const d = m.ws.definition(name);
  const r = d ? d.fn.range : m.frame().cfg.range;
  return { type: 'call_expression', start: r.startIndex, end: r.endIndex, startLine: r.start.line, startCol: r.start.column,
    endLine: r.start.line, endCol: r.start.column, children: [] };
}

/** Calls @name with @args: its body when the workspace has one, else its contract. */
function* invoke(m: Machine, name: string, args: Value[]): Gen<Value> {
  if (m.ws.cfg(name)) return yield* m.runFunction(name, args, undefined);
  return yield* m.call(name, args, [], siteOf(m, name), m.frame().file);
}

/** Runs @entry with arguments fitted to its parameters (body or contract). */
function* enter(m: Machine, h: WorldHandles, entry: string, evt?: Obj): Gen<Value> {
  const cfg = m.ws.cfg(entry);
  if (cfg) return yield* m.runFunction(entry, argsFor(m, cfg, h, evt), undefined);
  // No body here: the contract, with the arguments the core API takes.
  const args: Value[] = entry === 'iopf_queue_remove_device' ? [ptr(h.queue.id), ptr(h.dev.id)]
    : entry === 'iommu_report_device_fault' ? [ptr(h.dev.id), evt ? ptr(evt.id) : ZERO] : [];
  return yield* m.call(entry, args, [], siteOf(m, entry), m.frame().file);
}

/** The text of @name's body without comments, or undefined when the workspace has none. */
function bodyText(ws: Workspace, name: string): string | undefined {
  const d = ws.definition(name);
  if (!d) return undefined;
  return d.file.text.slice(d.fn.range.startIndex, d.fn.range.endIndex).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

const removal = (ws: Workspace) => bodyText(ws, 'iopf_queue_remove_device');

/** An SVA bond of (mm, dev) made earlier: one user, its PASID attached to an SVA domain. */
function svaBond(m: Machine, h: WorldHandles): void {
  const w = m.world;
  const pasid = 1;
  const mmData = w.alloc('iommu_mm_data', 'world');
  mmData.fields.set('pasid', int(pasid));
  h.mm.fields.set('iommu_mm', ptr(mmData.id));
  h.mm.fields.set('pasid', int(pasid));
  const domain = w.alloc('iommu_domain', 'world');
  domain.fields.set('type', int(CONSTANTS.IOMMU_DOMAIN_SVA));
  domain.fields.set('mm', ptr(h.mm.id));
  domain.fields.set('users', int(1));
  domain.fields.set('iopf_handler', { k: 'fn', name: 'iommu_sva_iopf_handler' });
  const domains = w.sub(mmData.id, 'sva_domains', 'list_head');
  w.lists.set(domains.id, []);
  w.listAdd(w.sub(domain.id, 'next', 'list_head').id, domains.id);
  const sva = w.alloc('iommu_sva', 'heap');
  w.sub(sva.id, 'users', 'refcount_t').count = 1;
  sva.fields.set('dev', ptr(h.dev.id));
  m.attach(int(pasid), w.sub(sva.id, 'handle', 'iommu_attach_handle'), ptr(domain.id));
  m.svaBinds.set(`${h.dev.id}:${h.mm.id}`, sva.id);
  h.sva = sva;
}

/** A fault-capable page table attached to the RID, whose fault object holds a group user space has read. */
function iommufdResponsePending(m: Machine, h: WorldHandles): void {
  const w = m.world;
  const hwpt = w.alloc('iommufd_hw_pagetable', 'world');
  const fault = w.alloc('iommufd_fault', 'world');
  const domain = w.alloc('iommu_domain', 'world');
  hwpt.fields.set('fault', ptr(fault.id));
  hwpt.fields.set('domain', ptr(domain.id));
  domain.fields.set('fault_data', ptr(hwpt.id));
  w.lists.set(w.sub(fault.id, 'deliver', 'list_head').id, []);
  const idev = w.alloc('iommufd_device', 'world');
  idev.fields.set('dev', ptr(h.dev.id));
  idev.fields.set('iopf_enabled', int(1));
  const igroup = w.alloc('iommufd_group', 'world');
  igroup.fields.set('group', h.dev.fields.get('iommu_group')!);
  idev.fields.set('igroup', ptr(igroup.id));
  const handle = w.alloc('iommu_attach_handle', 'world');
  m.attach(int(CONSTANTS.IOMMU_NO_PASID), handle, ptr(domain.id));
  const g = pendingGroup(m, h.fp!, 1);
  g.fields.set('attach_handle', ptr(handle.id));
  g.owner = 'iommufd';
  // The cookie user space read with the fault and writes back with its response.
  const cookie = 0;
  g.fields.set('cookie', int(cookie));
  m.xa(w.sub(fault.id, 'response', 'xarray').id).set(cookie, g.id);
  h.hwpt = hwpt;
  h.idev = idev;
  h.fault = fault;
}

export const CONCURRENT: ConcurrentScenario[] = [
  {
    name: 'lookup-x-remove',
    summary: 'a fault path looking up the device\'s fault parameter (iopf_get_dev_fault_param(), use, iopf_put_dev_fault_param()) while the device is removed from its IOPF queue',
    world: 'last-only',
    entries: ['iopf_get_dev_fault_param', 'iopf_put_dev_fault_param', 'iopf_queue_remove_device'],
    // The refcount era: the getter is here, or removal drops the device's reference.
    fits: (ws) => !!ws.definition('iopf_get_dev_fault_param') || /\biopf_put_dev_fault_param\s*\(/.test(removal(ws) ?? ''),
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
    name: 'report-x-remove',
    summary: 'a last-page request reported (and its group handed to the domain\'s handler, whose work answers it) while the device is removed from its IOPF queue',
    world: 'last-only',
    entries: ['iommu_report_device_fault', 'iopf_queue_remove_device'],
    requires: ['iommu_report_device_fault', 'iopf_queue_remove_device'],
    // A removal that does not wait for fault work itself relies on its caller to have stopped
    // reporting and flushed first; racing a report against it is then the caller's bug.
    fits: (ws) => /\b(flush_workqueue|flush_work|iopf_queue_flush_dev)\s*\(/.test(removal(ws) ?? ''),
    setup: (m, h) => {
      h.evt = eventObj(m, { last: true, grpid: 1 });
    },
    threads: [
      { name: 'report', body: function* (m, h) { return yield* enter(m, h, 'iommu_report_device_fault', h.evt); } },
      { name: 'remove', body: function* (m, h) { return yield* enter(m, h, 'iopf_queue_remove_device'); } },
    ],
  },
  {
    name: 'response-x-remove',
    summary: 'the handler\'s work answering and freeing a pending group (iopf_group_response(), iopf_free_group()) while the device is removed from its IOPF queue',
    world: 'remove-with-pending',
    entries: ['iopf_group_response', 'iopf_queue_remove_device'],
    requires: ['iopf_queue_remove_device'],
    // Removal answers a pending group while the work that holds it may still answer it too. The
    // kernel's removal protocol rules this out (callers flush the fault work first, and a group
    // still pending at removal is the removal's to free, as "Fix potential memory leak in
    // iopf_queue_remove_device()" made it), so it runs only when asked for by name.
    explicitOnly: true,
    fits: (ws) => {
      const r = removal(ws);
      return r !== undefined && !/\b(iopf_free_group|__iopf_free_group)\s*\(|\bkfree\s*\(\s*group\s*\)/.test(r);
    },
    threads: [
      {
        name: 'responder',
        body: function* (m, h) {
          const g = ptr(h.group!.id);
          yield* invoke(m, 'iopf_group_response', [g, int(CONSTANTS.IOMMU_PAGE_RESP_SUCCESS)]);
          yield* invoke(m, 'iopf_free_group', [g]);
          return ZERO;
        },
      },
      { name: 'remove', body: function* (m, h) { return yield* enter(m, h, 'iopf_queue_remove_device'); } },
    ],
  },
  {
    name: 'bind-x-unbind',
    summary: 'iommu_sva_bind_device() of an (mm, device) that is already bound, using and unbinding its handle, while the earlier bond\'s last user unbinds it',
    world: 'default',
    entries: ['iommu_sva_bind_device', 'iommu_sva_unbind_device'],
    requires: ['iommu_sva_bind_device', 'iommu_sva_unbind_device'],
    setup: svaBond,
    threads: [
      {
        name: 'bind',
        body: function* (m, h) {
          const handle = yield* invoke(m, 'iommu_sva_bind_device', [ptr(h.dev.id), ptr(h.mm.id)]);
          if (handle.k !== 'ptr') return ZERO;
          // The caller uses the bond (its PASID) and later lets go of it.
          if (m.ws.cfg('iommu_sva_get_pasid')) yield* m.runFunction('iommu_sva_get_pasid', [handle], undefined);
          yield* invoke(m, 'iommu_sva_unbind_device', [handle]);
          return ZERO;
        },
      },
      { name: 'unbind', body: function* (m, h) { return yield* invoke(m, 'iommu_sva_unbind_device', [ptr(h.sva!.id)]); } },
    ],
  },
  {
    name: 'response-x-detach',
    summary: 'user space writing its response to a fault it read (iommufd_fault_fops_write()) while the fault-capable page table is detached and auto-responds the device\'s outstanding faults',
    world: 'default',
    entries: ['iommufd_fault_fops_write', 'iommufd_fault_domain_detach_dev'],
    requires: ['iommufd_fault_fops_write', 'iommufd_fault_domain_detach_dev'],
    setup: iommufdResponsePending,
    threads: [
      {
        name: 'response write',
        body: function* (m, h) {
          const cfg = m.ws.cfg('iommufd_fault_fops_write')!;
          // write(fd, &response, sizeof(response)) at offset 0 on the fault object's file: user
          // space answers the group it read, by its cookie.
          m.userWrites = new Map([['cookie', int(0)], ['code', int(CONSTANTS.IOMMU_PAGE_RESP_SUCCESS)]]);
          const file = m.world.alloc('file', 'world');
          file.fields.set('private_data', ptr(h.fault!.id));
          file.fields.set('f_pos', ZERO);
          const args = argsFor(m, cfg, h).map((v, i) => {
            const p = cfg.params[i];
            if (p.type === 'file' && p.pointer > 0) return ptr(file.id);
            if (p.type === 'loff_t' && p.pointer > 0) return ptr(m.world.sub(file.id, 'f_pos', 'loff_t').id);
            if (p.pointer === 0 && (p.type === 'size_t' || p.name === 'count')) return int(8);
            return v;
          });
          return yield* m.runFunction('iommufd_fault_fops_write', args, undefined);
        },
      },
      { name: 'detach', body: function* (m, h) { return yield* enter(m, h, 'iommufd_fault_domain_detach_dev'); } },
    ],
  },
];

// Lifecycle programs (extension/core/lifecycles) run as scenarios of their own.
CONCURRENT.push(...PROGRAMS.map(compile));

/** The lifecycle programs whose roles @ws's code plays, compiled. */
function roleScenarios(ws: Workspace): ConcurrentScenario[] {
  return ROLE_PROGRAMS.flatMap((r) => r.instances(ws)).map(compile);
}

/**
 * Lockset check over one interleaving: the first pair of list accesses by two threads to the same
 * list head or node, one of them a change, with no lock held in common, is a data race. A read
 * inside an RCU read section is how RCU lists are read, not a race.
 */
function dataRaces(m: Machine): void {
  const acc = m.listAccesses;
  for (let i = 0; i < acc.length; i++) {
    for (let j = i + 1; j < acc.length; j++) {
      const a = acc[i];
      const b = acc[j];
      if (a.obj !== b.obj || a.tid === b.tid || !(a.write || b.write)) continue;
      if ((!a.write && a.rcu) || (!b.write && b.rcu)) continue;
      if (a.locks.some((l) => b.locks.includes(l))) continue;
      // Ordered by the threads themselves: work queued after a, or flushed before b.
      if (m.ordered.some((o) => o.before === a.tid && o.after === b.tid && i < o.at && o.at <= j)) continue;
      // Reported at the access that held fewer locks: the one that forgot.
      const [bare, other] = a.locks.length <= b.locks.length ? [a, b] : [b, a];
      const held = (x: typeof a) => (x.locks.length ? x.locks.map((l) => m.world.name(l)).join(', ') : 'no lock');
      const idle = m.idle;
      m.idle = { ...(m.idle ?? m.frame()), fn: bare.fn, file: bare.file };
      m.report('lock/data-race', `${bare.op} of ${m.world.name(bare.obj)} in ${bare.fn}() (${m.world.threads[bare.tid].name}) holds ${held(bare)}, while ${other.op} of it in ${other.fn}() (${m.world.threads[other.tid].name}, line ${other.at.start.line + 1}) holds ${held(other)}: no lock in common`, bare.at);
      m.idle = idle;
      return;
    }
  }
}

/** The names of the lifecycle programs whose roles @ws's code plays. */
export function roleScenarioNames(ws: Workspace): string[] {
  return ROLE_PROGRAMS.flatMap((r) => r.instances(ws)).map((p) => p.name);
}

export function concurrentByName(name: string, ws?: Workspace): ConcurrentScenario | undefined {
  return CONCURRENT.find((c) => c.name === name)
    ?? (ws ? roleScenarios(ws).find((c) => c.name === name || c.name.startsWith(`${name}:`)) : undefined);
}

/** Concurrent scenarios worth running on @ws: some thread runs a body the workspace has, in the era it fits. */
export function concurrentFor(ws: Workspace, files?: Set<string>): ConcurrentScenario[] {
  return [...CONCURRENT, ...roleScenarios(ws)].filter((c) => !c.explicitOnly
    && c.entries.some((e) => {
      const d = ws.definition(e);
      return d && (!files || files.has(d.fn.file));
    })
    && (c.requires ?? []).every((e) => ws.definition(e))
    && (c.fits?.(ws) ?? true));
}

export interface ConcurrentResult {
  paths: PathResult[];
  /** one finding per key, each with the shortest counterexample found (fewest thread switches) */
  findings: Finding[];
  states: number;
  /** the state or path bound was reached, or the exploration was cancelled: not a clean verdict */
  bounded: boolean;
  cancelled: boolean;
  ms: number;
}

/** How many times the running thread changes along @trace. */
export function threadSwitches(trace: TraceStep[]): number {
  let n = 0;
  for (let i = 1; i < trace.length; i++) if (trace[i].thread !== trace[i - 1].thread) n++;
  return n;
}

export type ConcurrentOptions = ExploreOptions & { maxStates?: number };

interface Run {
  paths: PathResult[];
  states: number;
  bounded: boolean;
  cancelled: boolean;
}

/** How often (in scheduling steps) a run asks whether it was cancelled. */
const CANCEL_EVERY = 8;

/**
 * Every interleaving of @c's threads (with at most @preemptions preemptive switches when given),
 * depth first over the oracle's decisions, not revisiting a state explored before.
 */
function* run(ws: Workspace, c: ConcurrentScenario, opts: ConcurrentOptions, era: Era, lockOrder: LockOrder,
  maxStates: number, preemptions?: number): Generator<void, Run> {
  const base: Scenario = SCENARIOS.find((s) => s.name === c.world)!;
  const seen = new Set<string>();
  const paths: PathResult[] = [];
  let bounded = false;
  let cancelled = false;
  const frontier = new Frontier();
  let prefix = frontier.pop();
  let polls = 0;
  // Any function body gives the stand-in frame its file; the entries decide which.
  const anchor = c.entries.map((e) => ws.definition(e)).find(Boolean) ?? ws.functions().map((f) => ws.definition(f.name, f.file)).find(Boolean);
  if (!anchor) return { paths, states: 0, bounded, cancelled };
  const owner = c.owner ?? c.threads.length - 1;
  while (prefix) {
    if (seen.size >= maxStates || paths.length >= opts.maxPaths * 20) {
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
    m.worldDevice = h.dev;
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
    m.idle = { fn: c.name, file: anchor.fn.file, cfg, env: new Map(), types: new Map(), iters: new Map(), visits: new Map(), heldAtEntry: [], rcuAtEntry: 0, stackObjs: [], depth: 0, lockHelper: false, setupsAtEntry: 0 };
    c.setup?.(m, h);
    const gens: { tid: number; gen: Gen<Value>; done: boolean; blocked?: number; wants?: number; flushing?: boolean }[] = [];
    c.threads.forEach((t, i) => {
      m.world.threads.push({ id: i, name: t.name, held: [], rcuDepth: 0, atomic: 0, done: false });
      m.stacks[i] = [];
    });
    c.threads.forEach((t, i) => {
      m.tid = i;
      gens.push({ tid: i, gen: t.body(m, h), done: false });
    });
    // Each thread's count of scheduling points passed: where inside a statement it stands.
    const pcs: number[] = [];
    let prev: number | undefined;
    let preempted = 0;
    let cut: Cut['reason'] | undefined;
    let pruned = false;
    try {
      for (;;) {
        for (const s of m.spawned.splice(0)) gens.push({ tid: s.tid, gen: s.gen, done: false });
        // A thread about to take a lock another thread holds would only find it taken: not a choice.
        const free = (l: number | undefined, tid: number) => l === undefined || [undefined, tid].includes(m.world.locks.get(l)?.owner);
        const runnable = gens.filter((g) => !g.done && (g.flushing ? !m.workRunning() : free(g.blocked, g.tid) && free(g.wants, g.tid)));
        if (!runnable.length) {
          const stuck = gens.filter((g) => !g.done);
          if (stuck.length) {
            m.tid = stuck[0].tid;
            m.report('lock/order', `deadlock: ${stuck.map((g) => `${m.world.threads[g.tid].name} ${g.flushing ? 'waits for queued work' : `waits for ${m.world.name((g.blocked ?? g.wants)!)}`}`).join(', ')}`);
            cut = 'stop';
          }
          break;
        }
        if (opts.cancelled && ++polls % CANCEL_EVERY === 0 && opts.cancelled()) {
          cancelled = true;
          break;
        }
        // Out of preemptions: the running thread goes on while it can.
        const going = prev !== undefined ? runnable.find((g) => g.tid === prev) : undefined;
        const choices = preemptions !== undefined && going && preempted >= preemptions ? [going] : runnable;
        // States met while replaying an earlier run's decisions are that run's; only new
        // territory is hashed, and a state already explored from elsewhere is not explored again.
        if (choices.length > 1 && !oracle.replaying()) {
          const budget = preemptions !== undefined ? `#${prev}:${preempted}` : '';
          const key = `${m.fingerprint()}#${gens.map((g) => `${g.done ? 'D' : ''}${g.flushing ? 'F' : ''}${g.blocked ?? ''}@${pcs[g.tid] ?? 0}`).join(',')}${budget}`;
          if (seen.has(key)) {
            pruned = true;
            break;
          }
          seen.add(key);
        }
        const pick = choices.length > 1 ? choices[oracle.choose(choices.length)] : choices[0];
        if (going && pick !== going) preempted++;
        prev = pick.tid;
        m.tid = pick.tid;
        const r = pick.gen.next();
        pick.blocked = undefined;
        pick.wants = undefined;
        pick.flushing = false;
        if (r.done) {
          pick.done = true;
          m.world.threads[pick.tid].done = true;
        } else if (r.value.kind === 'blocked') pick.blocked = r.value.lock;
        else if (r.value.kind === 'flush') pick.flushing = true;
        else {
          pick.wants = r.value.lock;
          pcs[pick.tid] = (pcs[pick.tid] ?? 0) + 1;
        }
      }
    } catch (e) {
      if (e instanceof Cut) cut = e.reason;
      else throw e;
    }
    if (cancelled) {
      bounded = true;
      break;
    }
    // A run that joins an explored state is kept only for what it found on its own way there.
    if (cut !== 'infeasible' && (!pruned || m.findings.length)) {
      if (!pruned && !cut) {
        // End-of-scenario findings point at the exit of the thread that tears down.
        const exit = m.exits.get(owner);
        m.tid = owner;
        if (exit) {
          m.idle = exit.frame;
          m.lastReturn = exit.at;
        }
        c.check?.(m, h);
        dataRaces(m);
        endChecks(m, c.name, { ...base, name: c.name }, []);
        c.lateCheck?.(m, h);
      }
      paths.push({
        id: paths.length + 1,
        scenario: c.name,
        outcome: pruned ? 'joins an interleaving already explored' : outcome(m, [], cut),
        steps: m.steps,
        findings: m.findings,
        bounded: m.bounded || cut === 'bounded',
        decisions: m.decisions,
      });
      if (m.bounded) bounded = true;
    }
    frontier.expand(oracle, prefix);
    prefix = frontier.pop();
    yield;
  }
  return { paths, states: seen.size, bounded: bounded || frontier.dropped, cancelled };
}

/** Shorter counterexample first: fewer thread switches, then fewer steps. */
function better(a: Finding, b: Finding): boolean {
  const sa = threadSwitches(a.trace);
  const sb = threadSwitches(b.trace);
  return sa !== sb ? sa < sb : a.trace.length < b.trace.length;
}

/**
 * One root cause per interleaving: its first violation is the finding (the shortest counterexample
 * kept), what follows it in the same interleaving its consequences.
 */
function collect(paths: PathResult[], best: Map<string, Finding>, followed: Map<string, Map<string, Consequence>>): void {
  for (const p of paths) {
    const [first, ...then] = p.findings;
    if (!first) continue;
    const k = findingKey(first);
    const have = best.get(k);
    if (!have || better(first, have)) best.set(k, first);
    const list = followed.get(k) ?? new Map<string, Consequence>();
    followed.set(k, list);
    for (const c of then) {
      const ck = findingKey(c);
      if (ck !== k && !list.has(ck)) list.set(ck, asConsequence(c));
    }
  }
}

/** The roots with their consequences; a consequence that is a root elsewhere stays a finding of its own. */
function withConsequences(best: Map<string, Finding>, followed: Map<string, Map<string, Consequence>>): Finding[] {
  return [...best.entries()].map(([k, f]) => {
    const cs = [...(followed.get(k)?.entries() ?? [])].filter(([ck]) => !best.has(ck)).map(([, c]) => c);
    return cs.length ? { ...f, consequences: cs } : f;
  });
}

/** The most preemptions a shortening search tries. */
const SHORTEN_UP_TO = 3;

/**
 * exploreConcurrent - every interleaving of @c's threads, up to @opts.maxStates scheduling states.
 * Each finding comes with the shortest counterexample found: where the exhaustive search found it
 * only with several preemptions, searches bounded to 0, 1, … preemptions look for a simpler one.
 */
export function exploreConcurrent(ws: Workspace, c: ConcurrentScenario, opts: ConcurrentOptions,
  era: Era, lockOrder: LockOrder): ConcurrentResult {
  return drain(exploringConcurrent(ws, c, opts, era, lockOrder));
}

/** exploringConcurrent - exploreConcurrent() as a generator that pauses after each schedule. */
export function* exploringConcurrent(ws: Workspace, c: ConcurrentScenario, opts: ConcurrentOptions,
  era: Era, lockOrder: LockOrder): Generator<void, ConcurrentResult> {
  const started = Date.now();
  const maxStates = opts.maxStates ?? 50000;
  const all = yield* run(ws, c, opts, era, lockOrder, maxStates);
  const best = new Map<string, Finding>();
  const followed = new Map<string, Map<string, Consequence>>();
  collect(all.paths, best, followed);
  let states = all.states;
  const worst = Math.max(0, ...[...best.values()].map((f) => threadSwitches(f.trace)));
  for (let k = 0; k < Math.min(worst - 1, SHORTEN_UP_TO) && !all.cancelled; k++) {
    // Only as many states as are left of the bound: shortening never turns a verdict into "bounded".
    const left = maxStates - states;
    if (left <= 0) break;
    const r = yield* run(ws, c, { ...opts, withState: opts.withState }, era, new Map(), left, k);
    states += r.states;
    collect(r.paths, best, followed);
    if (r.cancelled) break;
  }
  const findings = withConsequences(best, followed).sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line || x.rule.localeCompare(y.rule));
  return { paths: all.paths, findings, states, bounded: all.bounded, cancelled: all.cancelled, ms: Date.now() - started };
}
