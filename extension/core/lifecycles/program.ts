// Lifecycle programs: short sequences of calls to the tree's own entry points, in the order the
// kernel's lifecycle makes them, on one thread or several, each with the checks its end must pass.
// A program is data (see sva-two-devices.ts); compile() turns it into threads the interleaving
// explorer runs on the tree's bodies (contracts where the tree has none).
import type { Ast } from '../parse/ast';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import type { Gen, Machine } from '../sim/machine';
import type { ConcurrentScenario } from '../sim/concurrent';
import { type WorldHandles, faultDomainAt, pageRequest } from '../sim/scenarios';
import { machineFailed, publishedFreed, sameSvaDomain } from '../sim/explore';
import { getDevice, putDevice } from '../model/primitives/device';

/**
 * An actor of the program: the scenario's device, a second device, the process's mm, and a file
 * (with its inode) user space opened, for programs over a character device's file operations.
 */
export type Actor = 'dev' | 'dev2' | 'mm' | 'inode' | 'file' | 'file2' | 'name' | 'new';

export interface Step {
  /** the kernel entry point called */
  call: string;
  /** actors or names bound by earlier steps; `new` is an object of the caller's made for this call alone (a driver's interface table) */
  args: string[];
  /** binds the result to this name */
  as?: string;
  /** runs only when the step that bound this name returned 0 (a release after a successful open) */
  after?: string;
  /**
   * the step is a driver's fault path handing the page request named by its last argument to the
   * core: the request exists from this step on, and when the core refuses it in the era where the
   * caller completes (a report that returns an error), the driver answers it itself
   */
  report?: boolean;
  /**
   * when the step returns 0, the file it opened holds a reference on the struct device embedded in
   * the object bound to this name (a character device's file holds its cdev, whose parent it is)
   */
  holds?: string;
  /** after the step (a release), the file's reference on the device embedded in the named object goes (its last fput()) */
  drops?: string;
}

export interface Check {
  /**
   * `same`: two binds must give one handle; `distinct`: handles of different devices differ;
   * `bonds-released`: every SVA bond made during the program is unbound by its end;
   * `device-restored`: what the program enabled on the device it disabled again (no object it
   * allocated is still hanging from dev->iommu)
   */
  kind: 'same' | 'distinct' | 'bonds-released' | 'device-restored';
  a: string;
  b: string;
  rule: string;
  why: string;
}

/** A lifecycle whose roles are found in the tree: one program per set of functions playing them. */
export interface RoleProgram {
  name: string;
  summary: string;
  instances(ws: import('../index').Workspace): Program[];
}

export interface Program {
  name: string;
  summary: string;
  /** the single-thread scenario whose world the program starts from (default: `default`) */
  world?: string;
  /** a fault-capable domain, whose handler accepts every group, is attached at the device's RID */
  domain?: boolean;
  /** page requests the hardware will make, by name: events a `report` step hands over */
  events?: { name: string; last: boolean; grpid: number }[];
  /** functions the tree's code hands to the core (a fault handler it registers), by name */
  fns?: Record<string, string>;
  /** entry points whose bodies make the program worth running on a tree */
  entries: string[];
  requires: string[];
  threads: { name: string; steps: Step[] }[];
  checks: Check[];
}

/** A second PRI/SVA-capable device with its own dev_iommu, iommu_group and driver ops. */
function secondDevice(m: Machine, h: WorldHandles): Obj {
  const w = m.world;
  const dev = w.alloc('device', 'world');
  const param = w.alloc('dev_iommu', 'world');
  param.fields.set('fault_param', ZERO);
  param.fields.set('max_pasids', int(1 << 20));
  dev.fields.set('iommu', ptr(param.id));
  dev.fields.set('iommu_group', ptr(w.alloc('iommu_group', 'world').id));
  const ops = h.dev.fields.get('__ops');
  if (ops) dev.fields.set('__ops', ops);
  return dev;
}

/** Where a program's call is shown: the callee's definition, else the stand-in frame. */
function siteOf(m: Machine, name: string): Ast {
  const d = m.ws.definition(name);
  const r = d ? d.fn.range : m.frame().cfg.range;
  return { type: 'call_expression', start: r.startIndex, end: r.endIndex, startLine: r.start.line, startCol: r.start.column,
    endLine: r.start.line, endCol: r.start.column, children: [] };
}

/** Whether @v is a value a caller keeps and passes on: a pointer, not an error or NULL. */
const usable = (m: Machine, v: Value | undefined) => v !== undefined && m.norm(v).k === 'ptr';

/** Where the program's last step returned, among the named sites. */
const LAST = '\0last';

/** A file user space opened: nothing in private_data yet. */
function openFile(m: Machine): Obj {
  const f = m.world.alloc('file', 'world');
  f.fields.set('private_data', ZERO);
  f.fields.set('f_pos', ZERO);
  return f;
}

/** The struct device embedded in the object @v points to, with the count device_initialize() gave it. */
function embeddedDevice(m: Machine, v: Value | undefined): Obj | undefined {
  const n = v ? m.norm(v) : undefined;
  if (n?.k !== 'ptr' || !m.world.objs.has(n.obj)) return undefined;
  for (const f of m.world.obj(n.obj).fields.values()) {
    if (f.k !== 'ptr' || !m.world.objs.has(f.obj)) continue;
    const o = m.world.obj(f.obj);
    // The member device_initialize() gave its count (its type may not be known to the path).
    if (o.parent?.obj === n.obj && o.fields.has('__kref')) return o;
  }
  return undefined;
}

/** Whether a step returned 0 (an open that succeeded). */
function succeeded(m: Machine, v: Value | undefined): boolean {
  if (!v) return false;
  const n = m.norm(v);
  if (n.k === 'int') return n.v === 0;
  return n.k === 'sym' && m.world.symTruth.get(n.id) === false;
}

/**
 * Every SVA bond the program made is unbound at its end: a bind without its unbind keeps the
 * PASID and the domain alive after the file is gone. A bond still reachable from an object that
 * went where the model cannot follow (put_device(), whose release callback may unbind) is not
 * reported.
 */
function bondsReleased(m: Machine, c: Check, at: import('../types').SourceRange | undefined): void {
  const w = m.world;
  for (const id of m.svaBinds.values()) {
    const h = w.objs.get(id);
    if (!h || h.freed) continue;
    const users = w.sub(h.id, 'users', 'refcount_t').count ?? 0;
    if (users <= 0) continue;
    const holders = [...w.objs.values()].filter((o) => !o.freed && [...o.fields.values()].some((v) => v.k === 'ptr' && v.obj === h.id));
    if (holders.some((o) => w.root(o.id).escaped)) continue;
    m.report(c.rule, `${c.why}: ${w.name(h.id)} still has ${users} user${users === 1 ? '' : 's'} when the program ends`, at);
    return;
  }
}

/**
 * The device is back where the program found it: every field of dev->iommu that was NULL at the
 * start (the device's probe set only its own) is NULL again, or what it points to was freed. An
 * object still hanging there after the program disabled what it enabled is held by nothing that
 * will ever free it.
 */
function deviceRestored(m: Machine, h: WorldHandles, c: Check, at: import('../types').SourceRange | undefined): void {
  const w = m.world;
  const param = h.param;
  if (!param.zeroedBut) return;
  for (const [field, v] of param.fields) {
    if (param.zeroedBut.has(field)) continue;
    const n = m.norm(v);
    if (n.k !== 'ptr') continue;
    const o = w.root(n.obj);
    if (o.freed || (o.alloc !== 'heap' && o.alloc !== 'zeroed')) continue;
    const where = o.allocAt ? ` (allocated at ${o.allocAt.file.split('/').pop()}:${o.allocLine})` : '';
    m.report(c.rule, `${w.name(o.id)}${where} is still on dev->iommu->${field} when the program ends: ${c.why}`, at);
    return;
  }
}

/** compile - the program as a scenario of threads sharing one world, with its checks at the end. */
export function compile(p: Program): ConcurrentScenario {
  return {
    name: p.name,
    summary: p.summary,
    world: p.world ?? 'default',
    entries: p.entries,
    requires: p.requires,
    setup: (m, h) => {
      h.env = new Map<string, Value>([['dev', ptr(h.dev.id)], ['mm', ptr(h.mm.id)], ['dev2', ptr(secondDevice(m, h).id)],
        ['inode', ptr(m.world.alloc('inode', 'world').id)], ['file', ptr(openFile(m).id)], ['file2', ptr(openFile(m).id)],
        ['name', ptr(m.world.alloc('char', 'world').id)]]);
      for (const e of p.events ?? []) h.env.set(e.name, ptr(pageRequest(m, e).id));
      for (const [k, fn] of Object.entries(p.fns ?? {})) h.env.set(k, { k: 'fn', name: fn });
      if (p.domain) faultDomainAt(m, int(0));
      h.failed = new Set();
      h.sites = new Map();
    },
    threads: p.threads.map((t) => ({
      name: t.name,
      body: function* (m: Machine, h: WorldHandles): Gen<Value> {
        const env = h.env!;
        const failed = h.failed!;
        const sites = h.sites!;
        for (const s of t.steps) {
          if (s.after && !succeeded(m, env.get(s.after))) continue;
          const args = s.args.map((a) => (a === 'new' ? ptr(m.world.alloc('?', 'world').id) : env.get(a)));
          // A caller does not use what a failed step would have given it (an unbind of a bind
          // that failed is not made).
          if (args.some((a) => !usable(m, a) && a?.k !== 'fn')) continue;
          const at = siteOf(m, s.call);
          const before = m.steps.length;
          const evt = s.report ? args[args.length - 1] : undefined;
          // The device made the request: from here on it waits for the answer.
          const request = evt?.k === 'ptr' ? m.requestFor(m.world.obj(evt.obj)) : undefined;
          const r = m.ws.cfg(s.call)
            ? yield* m.runFunction(s.call, args as Value[], undefined)
            : yield* m.call(s.call, args as Value[], [], at, m.frame().file);
          // A report the core refused in the era where the caller completes: the driver answers.
          if (request && m.era.callerCompletes && m.isFailure(r) && !request.responses.length) request.owedBy = 'driver';
          const exit = m.exits.get(m.tid);
          // What the step left behind is checked before the next step runs into it.
          if (exit) {
            const idle = m.idle;
            m.idle = exit.frame;
            publishedFreed(m, exit.at);
            m.idle = idle;
          }
          if (exit) sites.set(LAST, exit);
          if (exit) sites.set(`call:${s.call}`, exit);
          // The reference an open file keeps on its device, and its end with the file.
          const held = s.holds && succeeded(m, r) ? embeddedDevice(m, env.get(s.holds)) : undefined;
          if (held) getDevice(m, ptr(held.id));
          const dropped = s.drops ? embeddedDevice(m, env.get(s.drops)) : undefined;
          if (dropped) yield* putDevice(m, ptr(dropped.id), at);
          if (s.as) {
            env.set(s.as, r);
            if (exit) sites.set(s.as, exit);
            // The machine failing the call is not the code's doing.
            if (machineFailed(m, before)) failed.add(s.as);
          }
        }
        return ZERO;
      },
    })),
    // The device left with what the program enabled on it: checked last, as it often only
    // follows from a request left unanswered or a reference kept.
    lateCheck: (m, h) => {
      for (const c of p.checks) {
        if (c.kind !== 'device-restored') continue;
        const site = h.sites!.get(LAST);
        const idle = m.idle;
        if (site) m.idle = site.frame;
        deviceRestored(m, h, c, site?.at);
        m.idle = idle;
      }
    },
    check: (m, h) => {
      const env = h.env!;
      for (const c of p.checks) {
        if (c.kind === 'device-restored') continue;
        if (c.kind === 'bonds-released') {
          // Reported where the program's closing call (a release) last returned, else its last call.
          const closing = p.threads[p.threads.length - 1].steps.at(-1)?.call;
          const site = h.sites!.get(`call:${closing}`) ?? h.sites!.get(LAST);
          const idle = m.idle;
          if (site) m.idle = site.frame;
          bondsReleased(m, c, site?.at);
          m.idle = idle;
          continue;
        }
        const a = env.get(c.a);
        const b = env.get(c.b);
        if (!usable(m, a) || h.failed!.has(c.b)) continue;
        const na = m.norm(a!);
        const nb = b ? m.norm(b) : undefined;
        const same = nb?.k === 'ptr' && na.k === 'ptr' && nb.obj === na.obj;
        // From 6.2 to 6.7 a second bind gave a handle of its own on the bond's shared domain.
        const sameDomain = nb?.k === 'ptr' && na.k === 'ptr' && sameSvaDomain(m, na.obj, nb.obj);
        if (c.kind === 'same' && !same && sameDomain) continue;
        // The finding points at the return that gave the second value.
        const site = h.sites!.get(c.b);
        const idle = m.idle;
        if (site) m.idle = site.frame;
        if (c.kind === 'same' && !same) m.report(c.rule, `${c.why}: ${c.b} is ${nb ? m.name(nb) : 'never made'}, ${c.a} is ${m.name(na)}`, site?.at);
        if (c.kind === 'distinct' && same) m.report(c.rule, `${c.why}: both are ${m.name(na)}`, site?.at);
        m.idle = idle;
      }
    },
  };
}
