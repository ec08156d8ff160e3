// The C files a CLI command reads: named files are refused with one clear line when they are not C
// source; in a folder walk such files are skipped with a warning and listed in the report.
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SourceFile } from '../core/types';
import { UsageError } from './args';
import { LIMITS, mib as mibOf } from '../core/review/policy';
import { safeText } from '../core/report/escape';

/** Files larger than this are not C source anyone reviews (the largest in drivers/iommu is ~150 KiB). */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

/** Something a folder walk left out, and why. */
export interface Skipped {
  file: string;
  reason: string;
}

export interface Inputs {
  files: SourceFile[];
  /** left out of a folder walk: too large, binary, a symlink loop */
  skipped: Skipped[];
  /** read with U+FFFD for bytes that are not UTF-8 (latin-1 comments in old drivers) */
  notUtf8: string[];
}

const mib = (n: number) => {
  const m = n / 1048576;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
};

/** Why @path is not readable C source, or its text; @notUtf8 is set when bytes were replaced. */
function readC(path: string): { text: string; notUtf8: boolean } | { refused: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { refused: code === 'ELOOP' ? 'a symlink loop' : 'no such file or directory' };
  }
  if (!st.isFile()) return { refused: 'not a regular file' };
  if (st.size > MAX_SOURCE_BYTES) return { refused: `${mib(st.size)} is larger than the ${mib(MAX_SOURCE_BYTES)} limit for a C source file` };
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    return { refused: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (buf.includes(0)) return { refused: 'binary file, not C source' };
  let notUtf8 = false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    notUtf8 = true;
    text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  }
  return { text, notUtf8 };
}

/** readSource - a named C file's text; anything that is not readable C source is a UsageError (exit 2). */
export function readSource(path: string, shown: string, notUtf8?: string[]): SourceFile {
  const r = readC(path);
  if ('refused' in r) throw new UsageError(`${shown}: ${r.refused}`);
  if (r.notUtf8) notUtf8?.push(shown);
  return { path: shown, text: r.text };
}

const isC = (name: string) => extname(name) === '.c' || extname(name) === '.h';

/** What one run has read so far: every file of every folder counts against LIMITS.sourceBytes. */
interface Walk {
  out: Inputs;
  seen: Set<string>;
  /** the real path of the folder named on the command line: a symlink may not lead out of it */
  top: string;
  bytes: { used: number };
}

function charge(bytes: { used: number }, text: string, shown: string): void {
  bytes.used += Buffer.byteLength(text, 'utf8');
  if (bytes.used > LIMITS.sourceBytes) throw new UsageError(`${shown}: the C source of this run is larger than the ${mibOf(LIMITS.sourceBytes)} limit of one run`);
}

const inside = (top: string, real: string) => {
  const r = relative(top, real);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

/** Collects .c and .h files under @dir, entering no folder twice (a symlink loop ends there). */
function collect(dir: string, shown: string, w: Walk): void {
  const { out, seen } = w;
  const real = realpathSync(dir);
  if (seen.has(real)) {
    out.skipped.push({ file: shown, reason: 'a symlink to a folder already walked (a loop)' });
    return;
  }
  seen.add(real);
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    out.skipped.push({ file: shown, reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    const s = join(shown, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        // A link out of the walked folder is not part of what was asked for (drivers/evil -> /some/secret).
        if (!inside(w.top, realpathSync(p))) {
          out.skipped.push({ file: s, reason: 'a symlink that leads out of the folder' });
          continue;
        }
        const st = statSync(p);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (err) {
        // a looping link is worth a word; a dangling one is skipped quietly, as git would
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') out.skipped.push({ file: s, reason: 'a symlink loop' });
        continue;
      }
    }
    if (isDir) collect(p, s, w);
    else if (isFile && isC(e.name)) {
      const r = readC(p);
      if ('refused' in r) out.skipped.push({ file: s, reason: r.refused });
      else {
        charge(w.bytes, r.text, s);
        if (r.notUtf8) out.notUtf8.push(s);
        out.files.push({ path: s, text: r.text });
      }
    }
  }
}

/**
 * readInputs - the C files named by @paths (files or folders), relative to @cwd.
 * A named file that is not C source, a missing path or a folder without C files is a UsageError.
 */
export function readInputs(paths: string[], cwd: string, what = 'check'): Inputs {
  if (!paths.length) throw new UsageError(`${what} needs at least one file or directory`);
  const out: Inputs = { files: [], skipped: [], notUtf8: [] };
  const seen = new Set<string>();
  const bytes = { used: 0 };
  for (const p of paths) {
    const full = isAbsolute(p) ? p : resolve(cwd, p);
    let st;
    try {
      st = statSync(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${p}: ${code === 'ELOOP' ? 'a symlink loop' : 'no such file or directory'}`);
    }
    if (st.isDirectory()) {
      const before = out.files.length;
      const skippedBefore = out.skipped.length;
      collect(full, p, { out, seen, top: realpathSync(full), bytes });
      const skipped = out.skipped.length - skippedBefore;
      if (out.files.length === before) throw new UsageError(`${p}: no .c or .h files under this folder${skipped ? ` that could be read (${skipped} skipped)` : ''}`);
    } else {
      if (!isC(p)) throw new UsageError(`${p}: not a C source file (.c or .h)`);
      const f = readSource(full, p, out.notUtf8);
      charge(bytes, f.text, p);
      out.files.push(f);
    }
  }
  return out;
}

/** The one-line notes a command prints on stderr about its inputs. */
export function inputNotes(inputs: Inputs): string[] {
  return [
    ...inputs.skipped.map((s) => `iopf-lens: warning: ${safeText(s.file)}: skipped: ${s.reason}`),
    ...inputs.notUtf8.map((f) => `iopf-lens: note: ${safeText(f)}: not valid UTF-8; invalid bytes read as U+FFFD`),
  ];
}

/**
 * withSkipped - @report (text, json or sarif, as formatted by the core) with the skipped files listed:
 * text gets a line per file, JSON a "skipped" array, SARIF tool execution notifications.
 */
export function withSkipped(report: string, format: string, skipped: Skipped[]): string {
  if (!skipped.length) return report;
  if (format === 'text') return report + skipped.map((s) => `skipped: ${safeText(s.file)}: ${s.reason}\n`).join('');
  const doc = JSON.parse(report) as Record<string, unknown> & { runs?: Record<string, unknown>[] };
  if (format === 'json') doc.skipped = skipped;
  else if (doc.runs?.[0]) {
    doc.runs[0].invocations = [{
      executionSuccessful: true,
      toolExecutionNotifications: skipped.map((s) => ({
        level: 'warning',
        message: { text: `skipped: ${s.reason}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: s.file.split('\\').join('/') } } }],
      })),
    }];
  }
  return JSON.stringify(doc, null, 2) + '\n';
}
