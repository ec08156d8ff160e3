// Real kernel sources for tests and benchmarks: drivers/iommu, include/linux, drivers/misc/uacce and
// drivers/dma/idxd of Debian's linux-source-6.1 (the IOPF/SVA code before the 2024 rework) and
// linux-source-6.12 (after it), extracted into a cache folder outside the repository (never committed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type KernelVersion = '6.1' | '6.12';
export const KERNEL_VERSIONS: KernelVersion[] = ['6.1', '6.12'];

export const CACHE = process.env.IOPF_KERNEL_CACHE ?? join(homedir(), '.cache', 'iopf-lens');
export const KERNEL = join(CACHE, 'linux-source-6.12');

/** The folders of a tree the checks and the ledger (docs/real-code.md) read. */
export const KERNEL_DIRS = ['drivers/iommu', 'drivers/misc/uacce', 'drivers/dma/idxd'];
const EXTRACT = [...KERNEL_DIRS, 'include/linux'];

/**
 * kernelTree - the extracted tree's root, installing the Debian package when running as root.
 * Returns undefined with a reason when it cannot be had (not root and not installed).
 */
export function kernelTree(version: KernelVersion = '6.12'): { root?: string; reason?: string } {
  const name = `linux-source-${version}`;
  const root = join(CACHE, name);
  const tarball = `/usr/src/${name}.tar.xz`;
  if (EXTRACT.every((d) => existsSync(join(root, d)))) return { root };
  if (!existsSync(tarball)) {
    if (process.getuid?.() !== 0) return { reason: `${tarball} is missing; install Debian's ${name} (apt-get install ${name})` };
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', name], { stdio: 'ignore', env });
    if (r.status !== 0 || !existsSync(tarball)) return { reason: `apt-get install ${name} failed` };
  }
  mkdirSync(CACHE, { recursive: true });
  execFileSync('tar', ['-xJf', tarball, '-C', CACHE, '--wildcards', ...EXTRACT.map((d) => `${name}/${d}/*`)], { stdio: 'ignore' });
  return { root };
}

/** Every .c and .h file under @dir. */
export function cFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...cFiles(p));
    else if (/\.(c|h)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}
