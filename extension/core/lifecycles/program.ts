// Lifecycle programs: short sequences of calls to the tree's own entry points, in the order the
// kernel's lifecycle makes them, on one thread or several, each with the checks its end must pass.
// A program is data (see sva-two-devices.ts); compile() turns it into threads the interleaving
// explorer runs on the tree's bodies (contracts where the tree has none).
import type { Ast } from '../parse/ast';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import type { Gen, Machine } from '../sim/machine';
import type { ConcurrentScenario } from '../sim/concurrent';
import type { WorldHandles } from '../sim/scenarios';
import { machineFailed, sameSvaDomain } from '../sim/explore';

/**
 * An actor of the program: the scenario's device, a second device, the process's mm, and a file
 * (with its inode) user space opened, for programs over a character device's file operations.
 */
export type Actor = 'dev' | 'dev2' | 'mm' | 'inode' | 'file' | 'file2';

export interface Step {
  /** the kernel entry point called */
  call: string;
  /** actors or names bound by earlier steps */
  args: string[];
  /** binds the result to this name */
  as?: string;
  /** runs only when the step that bound this name returned 0 (a release after a successful open) */
  after?: string;
}

export interface Check {
  /**
   * `same`: two binds must give one handle; `distinct`: handles of different devices differ;
   * `bonds-released`: every SVA bond made during the program is unbound by its end
   */
  kind: 'same' | 'distinct' | 'bonds-released';
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

/** compile - the program as a scenario of threads sharing one world, with its checks at the end. */
export function compile(p: Program): ConcurrentScenario {
  return {
    name: p.name,
    summary: p.summary,
    world: 'default',
    entries: p.entries,
    requires: p.requires,
    setup: (m, h) => {
      h.env = new Map<string, Value>([['dev', ptr(h.dev.id)], ['mm', ptr(h.mm.id)], ['dev2', ptr(secondDevice(m, h).id)],
        ['inode', ptr(m.world.alloc('inode', 'world').id)], ['file', ptr(openFile(m).id)], ['file2', ptr(openFile(m).id)]]);
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
          const args = s.args.map((a) => env.get(a));
          // A caller does not use what a failed step would have given it (an unbind of a bind
          // that failed is not made).
          if (args.some((a) => !usable(m, a))) continue;
          const at = siteOf(m, s.call);
          const before = m.steps.length;
          const r = m.ws.cfg(s.call)
            ? yield* m.runFunction(s.call, args as Value[], undefined)
            : yield* m.call(s.call, args as Value[], [], at, m.frame().file);
          const exit = m.exits.get(m.tid);
          if (exit) sites.set(LAST, exit);
          if (exit) sites.set(`call:${s.call}`, exit);
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
    check: (m, h) => {
      const env = h.env!;
      for (const c of p.checks) {
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
