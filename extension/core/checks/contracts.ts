// Which functions return ERR_PTR() on failure and never NULL, and which return NULL and never
// ERR_PTR(): decided from every body the workspace has for the name, else from the kernel's own
// documented contract of a few APIs. A name the pass cannot decide has no contract: nothing that
// calls it is ever flagged.
import type { Workspace } from '../index';
import { astOf, cfgOf, FunctionDef, ParsedFile } from '../parse/source';
import { child, type Ast } from '../parse/ast';
import { callArgs, callName, Domain, solve, State, strip, testOf, assigned, Vars } from './flow';

/** What a pointer may be: NULL, an ERR_PTR() value, or a valid pointer. */
export const NUL = 1;
export const ERR = 2;
export const PTR = 4;
const ALL = NUL | ERR | PTR;

/** A pointer value: what it may be, and the calls (by offset) whose result it may still be. */
export interface PV {
  m: number;
  o: number[];
  /**
   * Passed to a test this pass does not read (a validity helper): m still bounds what the value may
   * be, but a check can no longer say that any one of those is still possible.
   */
  u?: boolean;
}

export interface Contract {
  kind: 'err' | 'null';
  /** how it was decided, for the trace: "its body: every return is ERR_PTR() or a valid pointer" */
  why: string;
}

/*
 * Kernel APIs outside the trees usually checked, with the contract their kernel-doc states and
 * every definition (including the !CONFIG stubs) keeps in 6.1 and 6.12. A workspace body for the
 * name decides first; a body that returns NULL explicitly overrides an `err` entry here.
 */
const ERR_ONLY: Record<string, string> = {
  memdup_user: 'mm/util.c: ERR_PTR(-ENOMEM) or ERR_PTR(-EFAULT) on failure',
  vmemdup_user: 'mm/util.c: ERR_PTR(-ENOMEM) or ERR_PTR(-EFAULT) on failure',
  memdup_user_nul: 'mm/util.c: ERR_PTR(-ENOMEM) or ERR_PTR(-EFAULT) on failure',
  memdup_array_user: 'include/linux/string.h: memdup_user() of a checked size',
  vmemdup_array_user: 'include/linux/string.h: vmemdup_user() of a checked size',
  strndup_user: 'mm/util.c: ERR_PTR(-EFAULT/-EINVAL/-ENOMEM) on failure',
  anon_inode_getfile: 'fs/anon_inodes.c: ERR_PTR() on failure',
  filp_open: 'fs/open.c: ERR_PTR() on failure',
  kthread_create: 'kernel/kthread.c: kthread_create_on_node() returns ERR_PTR() on failure',
  kthread_create_on_node: 'kernel/kthread.c: ERR_PTR() on failure',
  kthread_run: 'include/linux/kthread.h: kthread_create() then wake_up_process(), ERR_PTR() on failure',
  iommu_sva_bind_device: 'kernel-doc: "On error, returns an ERR_PTR value" (the !CONFIG_IOMMU_SVA stub returns ERR_PTR(-ENODEV))',
  iommu_attach_handle_get: 'kernel-doc: "Return handle or ERR_PTR(-ENOENT) on none, ERR_PTR(-EBUSY) on mismatch"',
  iommu_paging_domain_alloc: 'kernel-doc: ERR_PTR() on failure (the !CONFIG_IOMMU_API stub returns ERR_PTR(-ENODEV))',
  devm_ioremap_resource: 'lib/devres.c: ERR_PTR() on failure',
  devm_platform_ioremap_resource: 'drivers/base/platform.c: ERR_PTR() on failure',
};

/** The allocators: NULL on failure, never an ERR_PTR() (a zero size gives ZERO_SIZE_PTR, not an error). */
const NULL_ONLY = new Set([
  'kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array', 'kmemdup', 'kvmalloc', 'kvzalloc', 'kvcalloc', 'kvmalloc_array',
  'kmalloc_node', 'kzalloc_node', 'kcalloc_node', 'kmalloc_array_node', 'kvmalloc_node', 'kvzalloc_node', 'krealloc',
  'krealloc_array', 'kstrdup', 'kstrndup', 'kasprintf', 'kmem_cache_alloc', 'kmem_cache_zalloc', 'vmalloc', 'vzalloc',
  'vmalloc_node', 'vzalloc_node', 'devm_kmalloc', 'devm_kzalloc', 'devm_kcalloc', 'devm_kmalloc_array', 'devm_kmemdup',
  'devm_kstrdup', 'devm_kasprintf', 'bitmap_zalloc', 'bitmap_alloc', 'alloc_workqueue', 'create_workqueue',
  'create_singlethread_workqueue', 'alloc_ordered_workqueue', 'dma_pool_alloc', 'dma_pool_zalloc', 'dma_alloc_coherent',
]);

const CONTAINER = new Set(['container_of', 'container_of_const', 'list_entry', 'hlist_entry']);

/** Union of what values may be, with their origins. */
export function joinPV(a: PV, b: PV): PV {
  if (a.m === b.m && a.o === b.o && a.u === b.u) return a;
  const o = a.o === b.o ? a.o : [...new Set([...a.o, ...b.o])].sort((x, y) => x - y);
  return a.u || b.u ? { m: a.m | b.m, o, u: true } : { m: a.m | b.m, o };
}

function restrict(st: State<PV>, key: string, mask: number): State<PV> | undefined {
  const v = st.get(key) ?? { m: ALL, o: [] };
  const m = v.m & mask;
  if (m === 0) return undefined;
  const out = new Map(st);
  out.set(key, m === v.m ? v : { ...v, m });
  return out;
}

/** A pointer's NULL and IS_ERR() tests: the masks on the true and false edges. */
export function pointerTest(cond: Ast): { operand: Ast; yes: number; no: number; test: 'null' | 'err' | 'err-or-null' } | undefined {
  const t = testOf(cond);
  if (!t) return undefined;
  const operand = assigned(t.operand);
  switch (t.kind) {
    case 'truth': return { operand, yes: ERR | PTR, no: NUL, test: 'null' };
    case 'eq-zero': return { operand, yes: NUL, no: ERR | PTR, test: 'null' };
    case 'ne-zero': return { operand, yes: ERR | PTR, no: NUL, test: 'null' };
    case 'call':
      if (t.call === 'IS_ERR') return { operand, yes: ERR, no: NUL | PTR, test: 'err' };
      if (t.call === 'PTR_ERR_OR_ZERO') return { operand, yes: ERR, no: NUL | PTR, test: 'err' };
      if (t.call === 'IS_ERR_OR_NULL') return { operand, yes: NUL | ERR, no: PTR, test: 'err-or-null' };
      return undefined;
    default:
      return undefined;
  }
}

/** Facts about one call site whose result a value may still be. */
export interface Origin {
  name: string;
  call: Ast;
  contract: Contract;
}

/**
 * pointerDomain - the dataflow domain of pointer values, with @contract for calls. @origins, when
 * given, collects the call sites values come from (checks report them).
 */
export function pointerDomain(contract: (name: string) => Contract | undefined, origins?: Map<number, Origin>): Domain<PV> {
  const d: Domain<PV> = {
    join: joinPV,
    equal: (a, b) => a.m === b.m && !a.u === !b.u && a.o.length === b.o.length && a.o.every((x, i) => x === b.o[i]),
    value(e, st, vars): PV | undefined {
      const s = strip(e);
      if (!s) return undefined;
      switch (s.type) {
        case 'null':
          return { m: NUL, o: [] };
        case 'number_literal':
          return /^0[uUlL]*$/.test(s.text ?? '') ? { m: NUL, o: [] } : undefined;
        case 'string_literal':
        case 'concatenated_string':
          return { m: PTR, o: [] };
        case 'pointer_expression':
          return s.op === '&' ? { m: PTR, o: [] } : undefined;
        case 'assignment_expression':
          return s.op === '=' ? d.value(child(s, 'right')!, st, vars) : undefined;
        case 'comma_expression':
          return d.value(s.children[s.children.length - 1], st, vars);
        case 'conditional_expression': {
          const c = child(s, 'condition');
          const cons = child(s, 'consequence');
          const alt = child(s, 'alternative');
          if (!c || !alt) return undefined;
          const [yes, no] = d.refine(c, st, vars);
          const a = yes ? d.value(cons ?? c, yes, vars) : { m: 0, o: [] };
          const b = no ? d.value(alt, no, vars) : { m: 0, o: [] };
          return a && b ? joinPV(a, b) : undefined;
        }
        case 'identifier':
          if (s.text === 'NULL') return { m: NUL, o: [] };
          return st.get(vars.key(s) ?? '');
        case 'field_expression':
          return st.get(vars.key(s) ?? '');
        case 'call_expression': {
          const name = callName(s);
          if (!name) return undefined;
          if (name === 'ERR_PTR' || name === 'ERR_CAST') return { m: ERR, o: [] };
          if (CONTAINER.has(name)) {
            const a = callArgs(s)[0];
            const v = a && d.value(a, st, vars);
            return v && v.m === PTR ? { m: PTR, o: [] } : undefined;
          }
          const c = contract(name);
          if (!c) return undefined;
          origins?.set(s.start, { name, call: s, contract: c });
          return { m: c.kind === 'err' ? ERR | PTR : NUL | PTR, o: [s.start] };
        }
        default:
          return undefined;
      }
    },
    // The entry iterators hand out container_of() a list node: never NULL, never an error.
    cursor: (macro) => /^h?list_for_each_entry/.test(macro) ? { m: PTR, o: [] } : undefined,
    refine(cond, st, vars) {
      const t = pointerTest(cond);
      const key = t && vars.key(t.operand);
      if (t && key) return [restrict(st, key, t.yes), restrict(st, key, t.no)];
      // Any other test that is handed a followed pointer (a validity helper, IS_ERR_VALUE()) may
      // tell its cases apart in ways this pass does not read: what it may be still holds, but no
      // one case is known to reach either edge any more.
      const e = strip(cond);
      if (e?.type === 'call_expression') {
        const marked = new Map(st);
        for (const a of callArgs(e)) {
          const k = vars.key(a);
          const v = k ? st.get(k) : undefined;
          if (k && v) marked.set(k, { ...v, u: true });
        }
        return [marked, marked];
      }
      return [st, st];
    },
  };
  return d;
}

/** The definitions a call from @fromFile reaches: a static one beside it, else the global ones and header inlines. */
function reached(defs: FunctionDef[], fromFile: string): FunctionDef[] {
  const here = defs.filter((d) => d.file === fromFile);
  if (here.length) return here;
  return defs.filter((d) => !d.isStatic || d.file.endsWith('.h'));
}

interface Summary {
  /** union of what the returns may be */
  m: number;
  /** some return could not be followed */
  unknown: boolean;
}

/** The contracts of one workspace, decided lazily and remembered for the run. */
export class Contracts {
  private defs?: Map<string, FunctionDef[]>;
  private readonly memo = new Map<string, Contract | null>();
  private readonly summaries = new Map<FunctionDef, Summary | null>();

  constructor(readonly ws: Workspace) {}

  /** The workspace's definitions a call of @name from @fromFile may reach. */
  reached(name: string, fromFile: string): FunctionDef[] {
    if (!this.defs) {
      this.defs = new Map();
      for (const f of this.ws.files.values()) {
        for (const fn of f.functions) {
          const l = this.defs.get(fn.name) ?? [];
          l.push(fn);
          this.defs.set(fn.name, l);
        }
      }
    }
    return reached(this.defs.get(name) ?? [], fromFile);
  }

  /** contract - how @name, called from @fromFile, reports failure; undefined when not decided. */
  contract(name: string, fromFile: string): Contract | undefined {
    const defs = this.reached(name, fromFile);
    const key = `${name}\0${defs.map((d) => `${d.file}:${d.range.startIndex}`).join(',')}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit ?? undefined;
    this.memo.set(key, null); // a recursive call is undecided while its body is being read
    const c = this.decide(name, defs);
    this.memo.set(key, c ?? null);
    return c;
  }

  private decide(name: string, defs: FunctionDef[]): Contract | undefined {
    const sums = defs.map((d) => this.summary(d));
    const table = ERR_ONLY[name]
      ? { kind: 'err' as const, why: ERR_ONLY[name] }
      : NULL_ONLY.has(name) ? { kind: 'null' as const, why: 'a kernel allocator: NULL on failure' } : undefined;
    if (!defs.length) return table;
    // Every body must be a pointer-returning function whose returns were all followed.
    if (sums.every((s) => s && !s.unknown)) {
      const m = sums.reduce((acc, s) => acc | s!.m, 0);
      // A body that never returns a valid pointer is a stub of something defined elsewhere.
      if (m === (ERR | PTR)) return { kind: 'err', why: 'its body: every return is an ERR_PTR() or a valid pointer, never NULL' };
      if (m === (NUL | PTR)) return { kind: 'null', why: 'its body: every return is NULL or a valid pointer, never an ERR_PTR()' };
    }
    // A body that is not understood leaves the documented contract, unless it contradicts it.
    if (!table || sums.some((s) => !s)) return undefined;
    const contradicts = table.kind === 'err' ? NUL : ERR;
    return sums.some((s) => s!.m & contradicts && !s!.unknown) ? undefined : table;
  }

  /** What the returns of @fn may be; null when it does not return a pointer. */
  private summary(fn: FunctionDef): Summary | null {
    const hit = this.summaries.get(fn);
    if (hit !== undefined) return hit;
    this.summaries.set(fn, null);
    let out: Summary | null = null;
    const file = this.ws.files.get(fn.file);
    if (file) out = summarize(fn, file, (n) => this.contract(n, fn.file));
    this.summaries.set(fn, out);
    return out;
  }
}

function summarize(fn: FunctionDef, file: ParsedFile, contract: (name: string) => Contract | undefined): Summary | null {
  let cfg;
  try {
    cfg = cfgOf(fn, file);
  } catch {
    return null;
  }
  if (!cfg.returnType.endsWith('*')) return null;
  const def = astOf(fn, file);
  const vars = new Vars(def);
  const d = pointerDomain(contract);
  const IN = solve(cfg, d, vars);
  if (!IN) return { m: ALL, unknown: true };
  const out: Summary = { m: 0, unknown: false };
  for (const node of cfg.nodes) {
    if (node.kind !== 'return' || !node.ast) continue;
    const st = IN.get(node.id);
    if (!st) continue; // unreachable once the tests are taken into account
    const e = node.ast.children.find((c) => c.type !== 'comment');
    if (!e) continue;
    const v = d.value(e, st, vars);
    if (!v) out.unknown = true;
    else out.m |= v.m;
  }
  return out;
}
