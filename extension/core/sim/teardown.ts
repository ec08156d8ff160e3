// Teardowns that check what was set up. An object's destructor that undoes a set-up only when the
// object shows it happened (`if (iommu->iommu.dev) iommu_device_sysfs_remove(&iommu->iommu);`) is
// written to be called on a half-built object: a function that fails with that set-up made leaves
// the undoing to whoever tears the object down, and that is no missing unwind.
import { replayable, type Workspace } from '../index';
import type { Ast } from '../parse/ast';
import { child, textOf } from '../parse/ast';
import { astOf } from '../parse/source';

/** `&iommu->iommu` -> { base: 'iommu', field: 'iommu' }: a member of an object a variable points to. */
export function memberOf(text: string): { base: string; field: string } | undefined {
  const m = /^\s*&?\s*\(?\s*(\w+)\s*(?:->|\.)\s*(\w+)\s*\)?\s*$/.exec(text);
  return m ? { base: m[1], field: m[2] } : undefined;
}

/** The struct a variable of @fnText is declared to point to (`struct amd_iommu *iommu`). */
export function declaredStruct(fnText: string, name: string): string | undefined {
  return new RegExp(`struct\\s+(\\w+)\\s*\\*\\s*(?:const\\s+)?${name}\\b`).exec(fnText)?.[1];
}

/**
 * guardedTeardowns - for the undo call @undo, the members (`amd_iommu.iommu`) some function of the
 * tree undoes it on only under a test of that same member's state (`if (iommu->iommu.dev)`).
 */
export function guardedTeardowns(ws: Workspace, undo: string): Set<string> {
  return teardowns(ws, undo).guarded;
}

/** undoneMembers - the members (`iommufd_fault.mutex`) some function of the tree calls @undo on. */
export function undoneMembers(ws: Workspace, undo: string): Set<string> {
  return teardowns(ws, undo).all;
}

function teardowns(ws: Workspace, undo: string): { guarded: Set<string>; all: Set<string> } {
  return ws.sharedAnswer('teardowns', [undo], () => teardownsOf(ws, undo));
}

replayable('teardowns', (ws, [undo]) => teardowns(ws, undo!));

function teardownsOf(ws: Workspace, undo: string): { guarded: Set<string>; all: Set<string> } {
  const byUndo = ws.shared('teardowns', () => new Map<string, { guarded: Set<string>; all: Set<string> }>());
  const had = byUndo.get(undo);
  if (had) return had;
  const out = new Set<string>();
  const all = new Set<string>();
  for (const file of ws.files.values()) {
    for (const fn of file.functions) {
      if (!fn.calls.some((k) => k.name === undo && !k.field)) continue;
      const body = astOf(fn, file);
      const visit = (n: Ast, guards: string[]): void => {
        if (n.type === 'call_expression' && child(n, 'function')?.text === undo) {
          const first = child(n, 'arguments')?.children[0];
          const arg = first && textOf(first, file.text).replace(/\s+/g, '');
          const m = arg ? memberOf(arg) : undefined;
          const type = m && declaredStruct(fn.text, m.base);
          const member = m && `${m.base}${arg!.includes('->') ? '->' : '.'}${m.field}`;
          if (m && type && guards.some((g) => g.includes(`${member}.`) || g.includes(`${member}->`))) out.add(`${type}.${m.field}`);
          if (m && type) all.add(`${type}.${m.field}`);
        }
        if (n.type === 'if_statement') {
          const cond = child(n, 'condition');
          const g = cond ? [...guards, textOf(cond, file.text).replace(/\s+/g, '')] : guards;
          for (const k of n.children) visit(k, k === cond ? guards : g);
          return;
        }
        for (const k of n.children) visit(k, guards);
      };
      visit(body, []);
    }
  }
  const r = { guarded: out, all };
  byUndo.set(undo, r);
  return r;
}

/** reachesCall - whether @name, or a function of the tree it calls (three levels deep), calls @undo. */
export function reachesCall(ws: Workspace, name: string, undo: string, fromFile: string | undefined): boolean {
  return ws.sharedAnswer('reaches call', [name, undo, fromFile], () => reaches(ws, name, undo, fromFile, 3, ws.shared('reaches', () => new Map<string, boolean>())));
}

replayable('reaches call', (ws, [name, undo, fromFile]) => reachesCall(ws, name!, undo!, fromFile));

function reaches(ws: Workspace, name: string, undo: string, fromFile: string | undefined, depth: number, memo: Map<string, boolean>): boolean {
  const d = ws.definition(name, fromFile);
  if (!d) return false;
  const key = `${d.fn.file}\0${name}\0${undo}`;
  const had = memo.get(key);
  if (had !== undefined) return had;
  memo.set(key, false);
  const out = d.fn.calls.some((c) => (undo.startsWith('->') ? c.field && `->${c.name}` === undo : !c.field && c.name === undo))
    || (depth > 0 && d.fn.calls.some((c) => !c.field && c.name !== name && reaches(ws, c.name, undo, d.fn.file, depth - 1, memo)));
  memo.set(key, out);
  return out;
}

/**
 * callerUndoes - whether a function of the tree that calls @fn (the entry point of a path, so its
 * callers were not run) calls @undo itself or through its callees: the caller cleans up after a
 * failed @fn, and a missing unwind inside @fn is no bug of the whole.
 */
export function callerUndoes(ws: Workspace, fn: string, undo: string): boolean {
  return ws.sharedAnswer('caller undoes', [fn, undo], () => callersUndo(ws, fn, undo));
}

replayable('caller undoes', (ws, [fn, undo]) => callerUndoes(ws, fn!, undo!));

function callersUndo(ws: Workspace, fn: string, undo: string): boolean {
  for (const file of ws.files.values()) {
    for (const f of file.functions) {
      if (f.name === fn || !f.calls.some((k) => !k.field && k.name === fn)) continue;
      if (reachesCall(ws, f.name, undo, f.file)) return true;
    }
  }
  return false;
}
