// Callees that touch nothing the model follows: register and ring arithmetic (SMMUv3's command
// queue, a PRQ's head and tail), bit fields, polling loops. Their paths differ only in what they read
// from the hardware, and a caller's path multiplied by each of them says nothing a rule reads. The
// machine follows such a callee along one path, for the values it writes and what it finds there,
// and takes its result as unknown when that path had to guess (machine.ts, runOneWay()).
import { replayable, type Workspace } from '../index';
import { contractFor } from '../model/contracts';
import { API } from '../mapping/api';
import { setupPair, UNDOES } from '../model/setup-pairs';
import { REF_ITERATORS } from '../model/refs';
import { COMPILER } from '../model/primitives/compiler';
import { ERR } from '../model/primitives/err';
import { SCHED } from '../model/primitives/sched';
import { LOCKING } from '../model/primitives/locking';
import { RB_SEARCHES } from '../model/primitives/rbtree';
import { DELAY } from '../model/primitives/delay';
import { splitArgs } from '../parse/args';
import { cfgOf, type FunctionDef } from '../parse/source';

/**
 * Contracts that say nothing about objects: branch hints, error pointers, sleeping, the container of a
 * member (pointer arithmetic). A callee may use
 * them and stay inert (what may sleep is still checked: the one path runs its sleeps, and the
 * might-sleep summary of the call covers the others). A search of a tree reads and finds; a busy
 * wait spins.
 */
export const VALUE_ONLY: ReadonlySet<string> = new Set([...Object.keys(COMPILER), ...Object.keys(ERR), ...Object.keys(SCHED), 'container_of', ...RB_SEARCHES, ...Object.keys(DELAY)]);

/** Of those, the ones that change nothing while they run (sleeping lets other threads write). */
export const CHANGES_NOTHING: ReadonlySet<string> = new Set([...VALUE_ONLY].filter((n) => !Object.hasOwn(SCHED, n)));

/** Unknown calls that keep their argument for good (a registration, an insertion), not a value helper (`ktime_add_us()`, `atomic_set_release()`). */
const KEEPS = /(^|_)(register|insert|attach|install|enqueue|store)(_|$)/;

const REF_ITERATOR_USE = new RegExp(`\\b(${Object.keys(REF_ITERATORS).join('|')})\\s*\\(`);

/** Past this depth of calls the question is not worth answering: the callee is followed as usual. */
const MAX_DEPTH = 12;

/**
 * inertCallee - whether the tree's function @name (as called from @fromFile) touches nothing the model
 * follows, through every body it reaches: no allocation, lock, reference, list, xarray, work item,
 * IOPF/SVA/iommufd object or set-up the model pairs with an undo, no call through a function pointer
 * (which may be any of those), no call whose name says it keeps its arguments, and it returns no
 * pointer (a pointer it returns may be one of the caller's objects).
 */
export function inertCallee(ws: Workspace, name: string, fromFile?: string): boolean {
  return ws.sharedAnswer('inert callee', [name, fromFile], () => once(ws, 'inert callees', name, fromFile, () => isInert(ws, name, fromFile)));
}

/** @find's answer for (@name, @fromFile), found once per tree in the shared cache @cache. */
function once(ws: Workspace, cache: string, name: string, fromFile: string | undefined, find: () => boolean): boolean {
  const known = ws.shared(cache, () => new Map<string, boolean>());
  const key = `${name}\0${fromFile ?? ''}`;
  let v = known.get(key);
  if (v === undefined) known.set(key, (v = find()));
  return v;
}

replayable('inert callee', (ws, [name, fromFile]) => inertCallee(ws, name!, fromFile));

/** Lock contracts a lock-balanced callee may call: takes, and the releases that match them by the lock they name. */
const TAKES: ReadonlySet<string> = new Set([...Object.keys(LOCKING).filter((n) => !/unlock|trylock/.test(n)), 'rcu_read_lock']);
const RELEASES: ReadonlySet<string> = new Set([...Object.keys(LOCKING).filter((n) => n.includes('unlock')), 'rcu_read_unlock']);

/**
 * lockBalancedCallee - whether @name is inert but for locks it takes and releases itself: in each body
 * it reaches, every lock taken is released by name as often as it is taken, and no body is annotated
 * as taking or dropping a lock for its caller (`__acquires()`). Such a callee (the VT-d invalidation
 * queue's qi_submit_sync()) is followed along one path by a caller when it is also checked on its own
 * (machine.ts oneWay()): its other paths, and a lock its error paths forget, are found there.
 */
export function lockBalancedCallee(ws: Workspace, name: string, fromFile?: string): boolean {
  return ws.sharedAnswer('lock-balanced callee', [name, fromFile], () => once(ws, 'lock-balanced callees', name, fromFile, () => isInert(ws, name, fromFile, true)));
}

replayable('lock-balanced callee', (ws, [name, fromFile]) => lockBalancedCallee(ws, name!, fromFile));

function isInert(ws: Workspace, name: string, fromFile?: string, locks = false): boolean {
  const d = ws.definition(name, fromFile);
  if (!d) return false;
  const rt = cfgOf(d.fn, d.file).returnType;
  if (rt.includes('*') || /^(struct|union)\b/.test(rt)) return false;
  return bodyInert(ws, d.fn, d.file.text, 0, locks);
}

/** Whether every lock @fn takes it releases, counted by the text of the lock it names (`&qi->q_lock`). */
function locksBalanced(fn: FunctionDef, source: string): boolean {
  if (/__(acquires|releases)\s*\(/.test(source.slice(fn.range.startIndex, fn.range.startIndex + 400))) return false;
  const count = new Map<string, number>();
  for (const c of fn.calls) {
    const take = TAKES.has(c.name);
    if (!take && !RELEASES.has(c.name)) continue;
    const text = fn.text.slice(c.range.startIndex - fn.range.startIndex, c.range.endIndex - fn.range.startIndex);
    const open = text.indexOf('(');
    const lock = (open < 0 ? '' : splitArgs(text, open + 1)[0] ?? '').replace(/\s+/g, '');
    count.set(lock, (count.get(lock) ?? 0) + (take ? 1 : -1));
  }
  return [...count.values()].every((n) => n === 0);
}

/**
 * Whether the body of @fn, and every body it reaches, touches nothing the model follows; each body
 * read once per tree (a body being read is taken as inert by the calls that lead back to it).
 */
function bodyInert(ws: Workspace, fn: FunctionDef, source: string, depth: number, locks = false): boolean {
  const known = ws.shared(locks ? 'lock-balanced bodies' : 'inert bodies', () => new Map<string, boolean>());
  const key = `${fn.file}\0${fn.name}`;
  const had = known.get(key);
  if (had !== undefined) return had;
  if (depth > MAX_DEPTH) return false;
  known.set(key, true);
  const out = readBody(ws, fn, source, depth, locks);
  known.set(key, out);
  return out;
}

function readBody(ws: Workspace, fn: FunctionDef, source: string, depth: number, locks: boolean): boolean {
  // A walk of a list, an xarray or a set the path does not know decides, once for the path, what
  // it holds: the caller would inherit the one path's guess.
  // (The file's own text: the parsed one has its iterator macros rewritten.)
  const own = source.slice(fn.range.startIndex, fn.range.endIndex);
  if (own.includes('for_each') && (REF_ITERATOR_USE.test(own) || /\b\w*for_each\w*\s*\(/.test(own))) return false;
  const macrosSeen = new Set<string>();
  if (locks && !locksBalanced(fn, source)) return false;
  const callInert = (callee: string, file: string): boolean => {
    if (VALUE_ONLY.has(callee) || (locks && (TAKES.has(callee) || RELEASES.has(callee)))) return true;
    if (contractFor(callee) || Object.prototype.hasOwnProperty.call(API, callee) || setupPair(callee) || UNDOES.has(callee)) return false;
    const def = ws.definition(callee, file);
    if (def) return bodyInert(ws, def.fn, def.file.text, depth + 1, locks);
    // A macro of the tree that reads as one expression runs in its caller: what it calls counts.
    const mac = ws.exprMacro(callee, file);
    if (mac) {
      if (macrosSeen.has(callee)) return true;
      macrosSeen.add(callee);
      for (const m of mac.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (m[1] !== callee && !callInert(m[1], file)) return false;
      return true;
    }
    // Its one path runs such a call as any path does; one that registers or stores what it is
    // given on some other path would hand the caller's object over there.
    return !KEEPS.test(callee);
  };
  return fn.calls.every((c) => !c.field && callInert(c.name, fn.file));
}

/**
 * pureCallee - whether @name (an inert callee) computes its result from its scalar arguments alone:
 * no pointer parameter, no member access or subscript, and no call but a value-only contract or
 * another such function (`gfpflags_allow_blocking(gfp)`). Asked twice with the same arguments it
 * answers the same, whatever the path did in between.
 */
export function pureCallee(ws: Workspace, name: string, fromFile?: string): boolean {
  return ws.sharedAnswer('pure callee', [name, fromFile], () => once(ws, 'pure callees', name, fromFile, () => isPure(ws, name, fromFile, new Set())));
}

replayable('pure callee', (ws, [name, fromFile]) => pureCallee(ws, name!, fromFile));

function isPure(ws: Workspace, name: string, fromFile: string | undefined, seen: Set<string>): boolean {
  const d = ws.definition(name, fromFile);
  if (!d) return false;
  const key = `${d.fn.file}\0${name}`;
  if (seen.has(key)) return true;
  seen.add(key);
  const cfg = cfgOf(d.fn, d.file);
  if (cfg.params.some((p) => p.pointer > 0) || /->|\[/.test(d.fn.text.slice(d.fn.text.indexOf('{')))) return false;
  return d.fn.calls.every((c) => !c.field && (VALUE_ONLY.has(c.name) || isPure(ws, c.name, d.fn.file, seen)));
}
