// Might-sleep summaries across the tree: whether a function may sleep, read from its body and the
// bodies it calls, however deep; and which functions an ops table of the tree installs for a
// callback. The machine asks where it cannot follow the call itself: a callee past the call-depth
// bound, a function pointer whose value the path does not know.
import { replayable, type Workspace } from '../index';
import { type FunctionDef, fileFact } from '../parse/source';
import { SCHED, sleepsWith } from '../model/primitives/sched';
import { blockEnd, splitArgs } from '../parse/args';

/** Calls that may sleep whatever their arguments (the model's contracts say so too). */
const SLEEPS: ReadonlySet<string> = new Set([
  ...Object.keys(SCHED), 'mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_nested',
  'synchronize_rcu', 'flush_workqueue', 'flush_work', 'cancel_work_sync', 'cancel_delayed_work_sync', 'drain_workqueue',
  'destroy_workqueue', 'iopf_queue_flush_dev', 'copy_from_user', 'copy_to_user', 'vmalloc', 'vzalloc', 'kvmalloc', 'kvzalloc',
]);

/**
 * sleepsWithoutBody - whether a call the tree has no body for (a workqueue drain, a sleeping
 * allocation of another subsystem) may sleep, read from its name and the text of its arguments.
 */
export function sleepsWithoutBody(name: string, args: readonly string[]): boolean {
  if (SLEEPS.has(name)) return sleepsWith(name, args);
  // The xarray's locked forms (__xa_store(), __xa_cmpxchg()) are called under xa_lock() and drop it
  // to allocate with a sleeping flag: the flag is theirs to honour, not a sleep under the caller's lock.
  if (name.startsWith('__xa_')) return false;
  return args.some((a) => SLEEPING_GFP.test(a));
}

/** An allocation flag that lets the allocator sleep. */
const SLEEPING_GFP = /\bGFP_(KERNEL|KERNEL_ACCOUNT|NOIO|NOFS|USER|HIGHUSER)\b/;

/** What @fn itself calls that may sleep (no callee followed), or undefined. */
function ownSleep(fn: FunctionDef, fileStart: number): string | undefined {
  for (const c of fn.calls) {
    if (c.field) continue;
    const text = fn.text.slice(c.range.startIndex - fileStart, c.range.endIndex - fileStart);
    // Split the arguments only of a call that may sleep by its name or its flags.
    if (!SLEEPS.has(c.name) && !SLEEPING_GFP.test(text)) continue;
    const open = text.indexOf('(');
    if (!sleepsWithoutBody(c.name, open < 0 ? [] : splitArgs(text, open + 1))) continue;
    return SLEEPS.has(c.name) ? `${c.name}()` : `${c.name}(${SLEEPING_GFP.exec(text)![0]})`;
  }
  return undefined;
}

/**
 * sleepChain - the calls from @name down to one that may sleep (`['iommu_domain_free()', 'mutex_lock()']`),
 * through the tree's bodies, or undefined when no path of its body reaches one. A recursive call is
 * taken not to sleep while its own summary is being read.
 */
export function sleepChain(ws: Workspace, name: string, fromFile?: string): string[] | undefined {
  return ws.sharedAnswer('sleep chain', [name, fromFile], () => chainOf(ws, name, fromFile));
}

replayable('sleep chain', (ws, [name, fromFile]) => sleepChain(ws, name!, fromFile));

function chainOf(ws: Workspace, name: string, fromFile?: string): string[] | undefined {
  const chains = ws.shared('sleep chains', () => new Map<string, string[] | null>());
  const visit = (n: string, from: string | undefined): string[] | null => {
    const d = ws.definition(n, from);
    if (!d) return null;
    const key = `${d.fn.file}\0${n}`;
    const had = chains.get(key);
    if (had !== undefined) return had;
    chains.set(key, null);
    const own = ownSleep(d.fn, d.fn.range.startIndex);
    let out: string[] | null = own ? [`${n}()`, own] : null;
    for (const call of own ? [] : d.fn.calls) {
      if (call.field || call.name === n || SLEEPS.has(call.name)) continue;
      const sub = visit(call.name, d.fn.file);
      if (sub) {
        out = [`${n}()`, ...sub];
        break;
      }
    }
    chains.set(key, out);
    return out;
  };
  return visit(name, fromFile) ?? undefined;
}

/** [struct type, member, function] of every `.member = fn` in a `struct xxx_ops name = { ... }` initializer of @text. */
function opsMembers(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  const head = /\bstruct\s+(\w+_ops)\s+(?:__\w+\s+)*\w+\s*=\s*\{/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const start = m.index + m[0].length;
    const i = blockEnd(text, start);
    for (const x of text.slice(start, i).matchAll(/\.\s*(\w+)\s*=\s*&?\s*(\w+)\s*[,}\n]/g)) out.push([m[1], x[1], x[2]]);
    head.lastIndex = i;
  }
  return out;
}

/**
 * opsImplementations - the functions with a body that the tree's ops tables of struct @type install
 * as @member (`struct iommu_domain_ops` tables for `domain->ops->flush_iotlb_all()`).
 */
export function opsImplementations(ws: Workspace, type: string, member: string): string[] {
  return ws.treeAnswer('ops implementations', [type, member], () => implementationsOf(ws, type, member));
}

replayable('ops implementations', (ws, [type, member]) => implementationsOf(ws, type!, member!));

function implementationsOf(ws: Workspace, type: string, member: string): string[] {
  const out = new Set<string>();
  for (const f of ws.files.values()) {
    for (const [t, k, fn] of fileFact(f, 'ops members', () => opsMembers(f.text))) if (t === type && k === member && ws.known(fn)) out.add(fn);
  }
  return [...out].sort();
}
