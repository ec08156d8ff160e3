// Shared pieces of the review tests: fixture paths, scratch copies of the fixture tree, a tree fingerprint, and a recording CLI io.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { CliIo } from '../../../extension/cli/review-commands';

export const SERIES = join(__dirname, '..', '..', '..', 'examples', 'series');
export const TREE = join(SERIES, 'tree');
export const PATCHES = join(SERIES, 'patches');
export const PATCH_FILES = readdirSync(PATCHES).filter((n) => /^000[1-9].*\.patch$/.test(n)).sort().map((n) => join(PATCHES, n));
export const CORE = 'drivers/iommu/io-pgfault.c';

/** A scratch copy of the fixture tree; removed by the returned function. */
export function scratchTree(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-review-'));
  cpSync(TREE, dir, { recursive: true });
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file of @dir with its size, mtime and content, to prove a run changed nothing. */
export function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.set(relative(dir, p), `${st.size}:${st.mtimeMs}:${readFileSync(p, 'utf8')}`);
      }
    }
  };
  walk(dir);
  return out;
}

export interface RecordingIo extends CliIo {
  out: string;
  err: string;
}

export function recordingIo(cwd: string, stdin = ''): RecordingIo {
  const io: RecordingIo = {
    out: '', err: '', cwd,
    stdout: (s) => void (io.out += s),
    stderr: (s) => void (io.err += s),
    stdin: async () => stdin,
  };
  return io;
}
