// Lifecycle: a process opens an SVA user's character device (uacce, idxd), which binds the device
// to its mm, and closes it again, which unbinds; once, and with two files open at the same time.
// The open and release are found in the file_operations table the driver fills, and are kept only
// when what open does reaches iommu_sva_bind_device().
import type { Workspace } from '../index';
import type { Program, RoleProgram } from './program';

/** Functions reached from @fn through the calls of its own file, @depth deep. */
function reaches(ws: Workspace, file: string, fn: string, target: string, depth = 3): boolean {
  const seen = new Set<string>();
  let frontier = [fn];
  for (let d = 0; d <= depth && frontier.length; d++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name)) continue;
      seen.add(name);
      const def = ws.definition(name, file);
      if (!def) continue;
      for (const c of def.fn.calls) {
        if (c.field) continue;
        if (c.name === target) return true;
        next.push(c.name);
      }
    }
    frontier = next;
  }
  return false;
}

/** `.open = X` and `.release = Y` of each file_operations initializer in @text. */
function fopsTables(text: string): { open: string; release: string }[] {
  const out: { open: string; release: string }[] = [];
  const head = /\bstruct\s+file_operations\s+\w+\s*=\s*\{/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const end = text.indexOf('};', m.index);
    if (end < 0) break;
    const body = text.slice(m.index, end);
    const open = /\.open\s*=\s*(\w+)/.exec(body)?.[1];
    const release = /\.release\s*=\s*(\w+)/.exec(body)?.[1];
    if (open && release) out.push({ open, release });
  }
  return out;
}

/**
 * The function of @file that registers the device @open looks up: @open loads from a file-scope
 * xarray (`xa_load(&uacce_xa, iminor(inode))`) and it stores into that xarray (`xa_alloc(&uacce_xa,
 * ...)`): the parent driver's probe calls it before any file can be opened.
 */
function registrarOf(ws: Workspace, file: string, open: string): { registrar: string; registry: string } | undefined {
  const f = ws.files.get(file);
  const def = ws.definition(open, file);
  if (!f || !def) return undefined;
  const body = f.text.slice(def.fn.range.startIndex, def.fn.range.endIndex);
  for (const m of body.matchAll(/\bxa_load\s*\(\s*&\s*(\w+)\s*,/g)) {
    const reg = m[1];
    if (!new RegExp(`\\bDEFINE_XARRAY\\w*\\(\\s*${reg}\\s*\\)|\\bstruct\\s+xarray\\s+${reg}\\s*[;=]`).test(f.text)) continue;
    const stores = new RegExp(`\\bxa_(alloc\\w*|store|insert)\\s*\\(\\s*&\\s*${reg}\\s*,`);
    const fn = f.functions.find((g) => g.name !== open && stores.test(f.text.slice(g.range.startIndex, g.range.endIndex)));
    if (fn) return { registrar: fn.name, registry: reg };
  }
  return undefined;
}

/** The function of @file that takes a device out of @registry (`xa_erase(&uacce_xa, ...)`): the parent driver's remove calls it. */
function removerOf(ws: Workspace, file: string, registry: string, registrar: string): string | undefined {
  const f = ws.files.get(file);
  if (!f) return undefined;
  const erases = new RegExp(`\\bxa_erase\\s*\\(\\s*&\\s*${registry}\\s*,`);
  return f.functions.find((g) => g.name !== registrar && erases.test(f.text.slice(g.range.startIndex, g.range.endIndex)))?.name;
}

/**
 * The actors @name is called with: the registered device for a pointer of the type @registrar returns
 * (a remover's), the device for a `struct device *`, objects of the caller's for the others.
 */
function actorsFor(ws: Workspace, file: string, name: string, registrar?: string): string[] {
  const made = registrar && ws.cfg(registrar, file)?.returnType.replace(/\bstruct\s+|\*|\s+/g, '');
  return (ws.cfg(name, file)?.params ?? []).map((p) => (p.pointer === 1 && p.type === made ? 'registered' : p.type === 'device' && p.pointer === 1 ? 'dev' : 'new'));
}

const check: Program['checks'][number] = {
  kind: 'bonds-released', a: '', b: '', rule: 'iopf/refcount-imbalance',
  why: 'every iommu_sva_bind_device() made while the file was open must be undone by its release',
};

export const SVA_USER: RoleProgram = {
  name: 'sva-user-open-release',
  summary: 'a process opens an SVA user\'s character device (binding the device to its mm) and closes it; then two files open at once, closed in reverse order',
  instances(ws: Workspace): Program[] {
    const out: Program[] = [];
    for (const f of ws.files.values()) {
      for (const { open, release } of fopsTables(f.text)) {
        if (!ws.definition(open, f.path) || !ws.definition(release, f.path)) continue;
        if (!reaches(ws, f.path, open, 'iommu_sva_bind_device')) continue;
        // The device exists before a file of it is opened: its registration runs first, when the open finds it in a registry.
        const reg = registrarOf(ws, f.path, open);
        const registrar = reg?.registrar;
        const remover = reg && removerOf(ws, f.path, reg.registry, reg.registrar);
        if (reg && remover) {
          // The parent driver removes the device while a file of it is open: the open file holds
          // the device (its cdev's parent) until its release, and the release must find what the
          // remove left it.
          out.push({
            name: `sva-user-remove-while-open:${open}`,
            summary: `${reg.registrar}() registers the device, ${open}() opens a file of it, ${remover}() removes the device, then ${release}() closes the file`,
            entries: [open, release, remover],
            requires: [open, release, remover],
            threads: [{
              name: 'process',
              steps: [
                { call: reg.registrar, args: actorsFor(ws, f.path, reg.registrar), as: 'registered' },
                { call: open, args: ['inode', 'file'], as: 'opened', holds: 'registered' },
                { call: remover, args: actorsFor(ws, f.path, remover, reg.registrar) },
                { call: release, args: ['inode', 'file'], after: 'opened', drops: 'registered' },
              ],
            }],
            checks: [check],
          });
        }
        out.push({
          name: `sva-user-open-release:${open}`,
          summary: `${registrar ? `${registrar}() registers the device, then ` : ''}${open}() then ${release}() on one file, and on two files open at once`,
          entries: [open, release],
          requires: [open, release],
          threads: [{
            name: 'process',
            steps: [
              ...(registrar ? [{ call: registrar, args: actorsFor(ws, f.path, registrar), as: 'registered' }] : []),
              { call: open, args: ['inode', 'file'], as: 'opened' },
              { call: release, args: ['inode', 'file'], after: 'opened' },
              { call: open, args: ['inode', 'file'], as: 'first' },
              { call: open, args: ['inode', 'file2'], as: 'second' },
              { call: release, args: ['inode', 'file2'], after: 'second' },
              { call: release, args: ['inode', 'file'], after: 'first' },
            ],
          }],
          checks: [check],
        });
      }
    }
    return out;
  },
};
