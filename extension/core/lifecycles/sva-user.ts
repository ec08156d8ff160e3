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
        out.push({
          name: `sva-user-open-release:${open}`,
          summary: `${open}() then ${release}() on one file, and on two files open at once`,
          entries: [open, release],
          requires: [open, release],
          threads: [{
            name: 'process',
            steps: [
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
