// The cache of `check` across runs, on disk (store.ts), at two grains:
// - a whole run: every input file's path and content, the options and the tool's identity name it;
//   a run that matches one reads its result back without parsing anything;
// - a unit (a function under its scenarios, a concurrent scenario): kept with what it read of the
//   tree (ReadLog: the files it held, its definition lookups, the tree-wide answers it was given)
//   and re-used on any tree where all of that reads the same, so a tree where one file changed runs
//   again only the units that read something of that file. The questions a unit asked of the caches
//   the units of a run share are asked again, in order, when it is re-used: those caches then hold
//   what running it would have left in them, for the units after it. A unit that read such a cache
//   outside a question is kept for no other run.
// Results go back exactly as they came: one that would not survive the trip to JSON is not kept.
import { isDeepStrictEqual } from 'node:util';
import type { ReadLog, Workspace } from '../index';
import type { UnitResult, UnitStore } from '../memo';
import { fingerprint, type ParsedFile } from '../parse/source';
import type { AnalysisResult, AnalyzeOptions, SourceFile } from '../types';
import { toolIdentity } from './identity';
import { DiskStore, cacheDir, maxBytes, sha256 } from './store';

export { cacheDir, maxBytes, SCHEMA } from './store';

/** The options of an analysis that change its result. */
export type ResultOptions = Pick<AnalyzeOptions, 'functions' | 'scenarios' | 'maxPaths' | 'loopBound' | 'callDepth' | 'maxStates' | 'kernelWide'>;

/** resultOptions - those of @opts alone (no callbacks, no stores): what names a result, and what a worker is given. */
export function resultOptions(opts: ResultOptions): ResultOptions {
  return {
    functions: opts.functions, scenarios: opts.scenarios, maxPaths: opts.maxPaths, loopBound: opts.loopBound,
    callDepth: opts.callDepth, maxStates: opts.maxStates, kernelWide: opts.kernelWide,
  };
}

/** What a kept unit read: each as a hash of what it was. */
interface Deps {
  /** [path, fileHash()] ('' for a file the tree did not have) */
  files: [string, string][];
  /** the hash of every file's path and fileHash(), in order, when the unit walked the files */
  all?: string;
  /** [`name\0fromFile`, hash of the definition's fingerprint] ('' for none) */
  defs: [string, string][];
  /** [question, hash of its answer] (Workspace.ask) */
  answers: [string, string][];
  /** [question, hash of its answer] of the questions answered from shared caches, in order (Workspace.replay) */
  asked: [string, string][];
}

interface UnitEntry {
  key: string;
  deps: Deps;
  result: UnitResult;
}

interface RunEntry {
  key: string;
  result: AnalysisResult;
}

/** Whether @value comes back from JSON as it is. */
function survivesJson(value: unknown, json: string): boolean {
  return isDeepStrictEqual(JSON.parse(json), value);
}

/** A hash of an answer to a tree-wide question; Maps and Sets by their entries. */
function answerHash(v: unknown): string {
  return v === undefined ? 'u' : sha256(JSON.stringify(v, (_k, x) => (x instanceof Map ? ['Map', ...x] : x instanceof Set ? ['Set', ...x] : x)));
}

const fileHashes = new WeakMap<ParsedFile, string>();
const treeHashes = new WeakMap<Workspace, { generation: number; hash: string }>();

/** @ws as it is, whatever unit is recording: what the cache reads of it is not the unit's. */
function unrecorded<T>(ws: Workspace, f: () => T): T {
  const log = ws.reads;
  ws.reads = undefined;
  try {
    return f();
  } finally {
    ws.reads = log;
  }
}

/** A file as a unit reads it: its text, and what each call of its functions is bound to (a body elsewhere in the tree or not). */
function fileHash(ws: Workspace, path: string): string {
  const f = ws.files.get(path);
  if (!f) return '';
  let h = fileHashes.get(f);
  if (!h) fileHashes.set(f, (h = sha256(`${f.text}\0${f.functions.map((fn) => fn.calls.map((c) => c.op).join(',')).join('\0')}`)));
  return h;
}

function treeHash(ws: Workspace): string {
  const had = treeHashes.get(ws);
  if (had?.generation === ws.generation) return had.hash;
  const hash = sha256([...ws.files.keys()].map((p) => `${p}\0${fileHash(ws, p)}`).join('\0'));
  treeHashes.set(ws, { generation: ws.generation, hash });
  return hash;
}

/** Units of analyses kept on disk: the UnitStore of the CLI. */
class UnitCache implements UnitStore {
  /** units re-used and run (for tests and the benchmark) */
  hits = 0;
  misses = 0;
  /** fingerprint -> its hash: the same definitions are read by many units */
  private readonly prints = new Map<string, string>();

  constructor(private readonly disk: DiskStore, private readonly identity: string) {}

  private printHash(print: string): string {
    let h = this.prints.get(print);
    if (h === undefined) this.prints.set(print, (h = print && sha256(print)));
    return h;
  }

  private name(key: string, ws: Workspace, home?: string): string {
    return `unit-${sha256(`${this.identity}\0${key}\0${home ? fileHash(ws, home) : ''}`)}`;
  }

  reuse(key: string, ws: Workspace, home?: string): UnitResult | undefined {
    const r = this.disk.guard(() => unrecorded(ws, () => this.lookup(key, ws, home)), undefined);
    if (r) this.hits++;
    else this.misses++;
    return r;
  }

  private lookup(key: string, ws: Workspace, home?: string): UnitResult | undefined {
    const name = this.name(key, ws, home);
    const body = this.disk.get(name);
    if (!body) return undefined;
    let e: UnitEntry;
    try {
      e = JSON.parse(body) as UnitEntry;
      if (e.key !== name) return undefined;
      const d = e.deps;
      if (!d.files.every(([p, h]) => fileHash(ws, p) === h)) return undefined;
      if (d.all !== undefined && d.all !== treeHash(ws)) return undefined;
      for (const [k, h] of d.defs) {
        const [fn, from] = k.split('\0');
        const d = ws.definition(fn, from || undefined);
        if (this.printHash(d ? fingerprint(d.fn) : '') !== h) return undefined;
      }
      for (const [q, h] of d.answers) if (answerHash(ws.ask(q)) !== h) return undefined;
      // Last, as they fill the shared caches as the unit did: only for a unit that reads the same.
      for (const [q, h] of d.asked) if (answerHash(ws.replay(q)) !== h) return undefined;
    } catch {
      return undefined;
    }
    return e.result;
  }

  store(key: string, result: UnitResult, log: ReadLog, ws: Workspace, home?: string): void {
    if (log.shared) return;
    this.disk.guard(() => unrecorded(ws, () => {
      const name = this.name(key, ws, home);
      const deps: Deps = {
        files: [...log.files].map((p) => [p, fileHash(ws, p)]),
        ...(log.all ? { all: treeHash(ws) } : {}),
        defs: [...log.defs].map(([k, print]) => [k, this.printHash(print)]),
        answers: [...log.answers].map(([q, v]) => [q, answerHash(v)]),
        asked: [...log.asked].map(([q, v]) => [q, answerHash(v)]),
      };
      const json = JSON.stringify(result);
      if (!survivesJson(result, json)) return;
      this.disk.put(name, `{"key":${JSON.stringify(name)},"deps":${JSON.stringify(deps)},"result":${json}}`);
    }), undefined);
  }
}

/**
 * CheckCache - the results of `check` kept in @dir (default cacheDir()), under a size cap (default
 * maxBytes()). @warn gets the one line that says the folder cannot be used.
 */
export class CheckCache {
  readonly units: UnitCache;
  private readonly disk: DiskStore;
  private readonly identity: string;

  constructor(warn: (line: string) => void, readonly dir = cacheDir(), max = maxBytes()) {
    this.disk = new DiskStore(dir, max, warn);
    this.identity = this.disk.guard(toolIdentity, '');
    this.units = new UnitCache(this.disk, this.identity);
  }

  /** The name of the result of analysing @files with @opts (undefined when the cache cannot be used). */
  runKey(files: SourceFile[], opts: ResultOptions): string | undefined {
    const o = resultOptions(opts);
    return this.disk.guard(() => `run-${sha256(JSON.stringify([this.identity, o, files.map((f) => [f.path, sha256(f.text)])]))}`, undefined);
  }

  /** The kept result named @key, if there is one whole. */
  result(key: string): AnalysisResult | undefined {
    return this.disk.guard(() => {
      const body = this.disk.get(key);
      if (!body) return undefined;
      try {
        const e = JSON.parse(body) as RunEntry;
        return e.key === key ? e.result : undefined;
      } catch {
        return undefined;
      }
    }, undefined);
  }

  /** Keeps @result as @key. */
  keep(key: string, result: AnalysisResult): void {
    this.disk.guard(() => {
      const json = JSON.stringify(result);
      if (survivesJson(result, json)) this.disk.put(key, `{"key":${JSON.stringify(key)},"result":${json}}`);
    }, undefined);
  }

  /** Writes what this run made (nothing before: an interrupted run leaves nothing behind). */
  flush(): void {
    this.disk.guard(() => this.disk.flush(), undefined);
  }
}
