// Lifecycle programs: short sequences of calls to the tree's own entry points, in the order the
// kernel's lifecycle makes them, on one thread or several, each with the checks its end must pass.
// A program is data (see sva-two-devices.ts); compile() turns it into threads the interleaving
// explorer runs on the tree's bodies (contracts where the tree has none).
import type { Ast } from '../parse/ast';
import { Obj, Value, ZERO, int, ptr } from '../model/world';
import type { Gen, Machine } from '../sim/machine';
import type { ConcurrentScenario } from '../sim/concurrent';
import type { WorldHandles } from '../sim/scenarios';

/** An actor of the program: the scenario's device, a second device, the process's mm. */
export type Actor = 'dev' | 'dev2' | 'mm';

export interface Step {
  /** the kernel entry point called */
  call: string;
  /** actors or names bound by earlier steps */
  args: string[];
  /** binds the result to this name */
  as?: string;
}

export interface Check {
  /** `same`: two binds must give one handle; `distinct`: handles of different devices differ */
  kind: 'same' | 'distinct';
  a: string;
  b: string;
  rule: string;
  why: string;
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

/** The domain an SVA handle is bound to: handle->domain, or handle->handle.domain. */
function domainOf(m: Machine, h: number): number | undefined {
  const o = m.world.obj(h);
  const inner = o.fields.get('handle');
  const d = o.fields.get('domain') ?? (inner?.k === 'ptr' ? m.world.obj(inner.obj).fields.get('domain') : undefined);
  const n = d ? m.norm(d) : undefined;
  return n?.k === 'ptr' ? n.obj : undefined;
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
      h.env = new Map<string, Value>([['dev', ptr(h.dev.id)], ['mm', ptr(h.mm.id)], ['dev2', ptr(secondDevice(m, h).id)]]);
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
          const args = s.args.map((a) => env.get(a));
          // A caller does not use what a failed step would have given it (an unbind of a bind
          // that failed is not made).
          if (args.some((a) => !usable(m, a))) continue;
          const at = siteOf(m, s.call);
          const before = m.steps.length;
          const r = m.ws.cfg(s.call)
            ? yield* m.runFunction(s.call, args as Value[], undefined)
            : yield* m.call(s.call, args as Value[], [], at, m.frame().file);
          if (s.as) {
            env.set(s.as, r);
            const exit = m.exits.get(m.tid);
            if (exit) sites.set(s.as, exit);
            // The machine failing the call (an allocation, a PASID, a driver refusing a domain) is
            // not the code's doing; -EBUSY from an occupied PASID is the core's own answer.
            if (m.steps.slice(before).some((st) => /\(\) fails$/.test(st.op) && !st.detail.startsWith('-EBUSY'))) failed.add(s.as);
          }
        }
        return ZERO;
      },
    })),
    check: (m, h) => {
      const env = h.env!;
      for (const c of p.checks) {
        const a = env.get(c.a);
        const b = env.get(c.b);
        if (!usable(m, a) || h.failed!.has(c.b)) continue;
        const na = m.norm(a!);
        const nb = b ? m.norm(b) : undefined;
        const same = nb?.k === 'ptr' && na.k === 'ptr' && nb.obj === na.obj;
        // From 6.2 to 6.7 a second bind gave a handle of its own on the bond's shared domain.
        const sameDomain = nb?.k === 'ptr' && na.k === 'ptr' && domainOf(m, na.obj) !== undefined && domainOf(m, na.obj) === domainOf(m, nb.obj);
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
