// Results kept on disk between runs: one file per entry, named by the hash of what made it, written
// whole (a temporary file renamed into place, so concurrent runs never see half an entry), read only
// when its header's hash matches its body (anything torn, truncated or foreign is a miss), and the
// oldest entries evicted past a size cap. A folder that cannot be used is said once, and the run
// goes on without it.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { safeText } from '../report/escape';

/** The layout of entries and of what they hold; a change of either gives entries new names. */
export const SCHEMA = 1;

/** The cap on the folder's size when nothing else is asked for (IOPF_LENS_CACHE_MAX_MB). */
export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;

const MAGIC = `iopf-lens cache ${SCHEMA}`;
const ENTRY = /^(run|unit)-[0-9a-f]{64}$/;
const TEMP = /^\.tmp-/;
/** A temporary file this old belongs to a run that died before renaming it. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/**
 * cacheDir - where results are kept: $IOPF_LENS_CACHE_DIR, else $XDG_CACHE_HOME/iopf-lens/results
 * (an absolute XDG_CACHE_HOME only, as the XDG spec says), else ~/.cache/iopf-lens/results.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IOPF_LENS_CACHE_DIR) return resolve(env.IOPF_LENS_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'iopf-lens', 'results');
}

/** maxBytes - the size cap: IOPF_LENS_CACHE_MAX_MB when it is a positive number, else 200 MB. */
export function maxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.IOPF_LENS_CACHE_MAX_MB);
  return env.IOPF_LENS_CACHE_MAX_MB && Number.isFinite(mb) && mb > 0 ? Math.floor(mb * 1024 * 1024) : DEFAULT_MAX_BYTES;
}

export class DiskStore {
  /** entries made by this run, written by flush() */
  private readonly pending = new Map<string, string>();
  /** entries this run re-used: flush() marks them recent, so eviction takes others first */
  private readonly used = new Set<string>();
  /** why the folder cannot be used, once it showed it cannot */
  private broken?: string;

  constructor(readonly dir: string, readonly max: number, private readonly warn: (line: string) => void) {}

  /** The body of entry @name, when it is there whole; undefined for anything else. */
  get(name: string): string | undefined {
    if (this.broken) return undefined;
    let text: string;
    try {
      text = readFileSync(join(this.dir, name), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // No entry yet (or no folder yet), or something else of that name: a miss.
      if (code !== 'ENOENT' && code !== 'EISDIR') this.fail(code);
      return undefined;
    }
    const nl = text.indexOf('\n');
    if (nl < 0) return undefined;
    const body = text.slice(nl + 1);
    if (text.slice(0, nl) !== `${MAGIC} ${sha256(body)}`) return undefined;
    this.used.add(name);
    return body;
  }

  /** Keeps @body as entry @name; nothing is written before flush(). */
  put(name: string, body: string): void {
    if (!this.broken) this.pending.set(name, body);
  }

  /**
   * flush - writes the entries of this run (each to a temporary file of its own, then renamed over
   * the entry), marks the re-used ones recent, and evicts the oldest past the cap.
   */
  flush(): void {
    if (this.broken) return;
    const now = new Date();
    for (const name of this.used) {
      try {
        utimesSync(join(this.dir, name), now, now);
      } catch {
        // evicted meanwhile by another run, or not ours to touch: it only ages
      }
    }
    this.used.clear();
    if (!this.pending.size) return;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      this.fail((e as NodeJS.ErrnoException).code);
      return;
    }
    for (const [name, body] of this.pending) {
      const temp = join(this.dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
      try {
        const fd = openSync(temp, 'wx', 0o644);
        try {
          writeSync(fd, `${MAGIC} ${sha256(body)}\n${body}`);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, join(this.dir, name));
      } catch (e) {
        try {
          unlinkSync(temp);
        } catch {
          // never made
        }
        this.fail((e as NodeJS.ErrnoException).code);
        return;
      }
    }
    this.pending.clear();
    this.evict();
  }

  /** Removes the oldest entries once the folder is over the cap, down to 80 % of it, and dead temporary files. */
  private evict(): void {
    const entries: { path: string; size: number; at: number }[] = [];
    let total = 0;
    try {
      for (const name of readdirSync(this.dir)) {
        const temp = TEMP.test(name);
        if (!temp && !ENTRY.test(name)) continue;
        const path = join(this.dir, name);
        let st;
        try {
          st = statSync(path);
        } catch {
          continue;
        }
        if (temp) {
          if (Date.now() - st.mtimeMs > STALE_TEMP_MS) remove(path);
          continue;
        }
        entries.push({ path, size: st.size, at: st.mtimeMs });
        total += st.size;
      }
    } catch {
      return;
    }
    if (total <= this.max) return;
    entries.sort((a, b) => a.at - b.at);
    for (const e of entries) {
      if (total <= this.max * 0.8) break;
      remove(e.path);
      total -= e.size;
    }
  }

  /**
   * guard - @f, or @otherwise once the cache cannot be used or when @f fails: whatever goes wrong
   * with the cache, the run goes on without it.
   */
  guard<T>(f: () => T, otherwise: T): T {
    if (this.broken) return otherwise;
    try {
      return f();
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return otherwise;
    }
  }

  /** The folder cannot be used: one warning, and nothing more is read or written. */
  private fail(code: string | undefined): void {
    if (this.broken) return;
    this.broken = code ?? 'error';
    this.pending.clear();
    this.warn(`iopf-lens: warning: cache ${safeText(this.dir)}: cannot be used (${this.broken}); running without it`);
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // another run removed it first
  }
}
