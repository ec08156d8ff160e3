// Real kernel sources for tests and benchmarks: drivers/iommu and include/linux of Debian's
// linux-source-6.12, extracted into a cache folder outside the repository (never committed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TARBALL = '/usr/src/linux-source-6.12.tar.xz';
export const CACHE = process.env.IOPF_KERNEL_CACHE ?? join(homedir(), '.cache', 'iopf-lens');
export const KERNEL = join(CACHE, 'linux-source-6.12');

/**
 * kernelTree - the extracted tree's root, installing the Debian package when running as root.
 * Returns undefined with a reason when it cannot be had (not root and not installed).
 */
export function kernelTree(): { root?: string; reason?: string } {
  if (existsSync(join(KERNEL, 'drivers', 'iommu', 'io-pgfault.c'))) return { root: KERNEL };
  if (!existsSync(TARBALL)) {
    if (process.getuid?.() !== 0) return { reason: `${TARBALL} is missing; install Debian's linux-source-6.12 (apt-get install linux-source-6.12)` };
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'linux-source-6.12'], { stdio: 'ignore', env });
    if (r.status !== 0 || !existsSync(TARBALL)) return { reason: 'apt-get install linux-source-6.12 failed' };
  }
  mkdirSync(CACHE, { recursive: true });
  execFileSync('tar', ['-xJf', TARBALL, '-C', CACHE, '--wildcards',
    'linux-source-6.12/drivers/iommu/*', 'linux-source-6.12/include/linux/*'], { stdio: 'ignore' });
  return { root: KERNEL };
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
