// Results of earlier analyses kept for re-use while a file is edited: a function's simulation is
// re-run only when a body it read changed. Every definition lookup a unit of work makes is recorded
// (what the name resolved to, by text and mapped calls); the unit is re-used only when each lookup
// resolves the same way again. Positions in re-used results follow their functions when edits above
// them moved them.
import type { ReadLog, Workspace } from './index';
import { fingerprint } from './parse/source';
import type { LockOrder } from './sim/machine';
import type { Finding, SourceRange, TraceStep, UnknownCall } from './types';

/** What one unit (a function under its scenarios, or one concurrent scenario) produced. */
export interface UnitResult {
  scenarios: string[];
  paths: number;
  bounded: boolean;
  /** how many of its paths a bound cut short (absent: none) */
  cut?: number;
  /** its findings, one per deduplication key, with the scenario that found each */
  findings: Finding[];
  unknown: UnknownCall[];
  lockOrder: [string, LockOrder extends Map<string, infer V> ? V : never][];
}

/** Where results of units outlive one analysis: an editor's memo, the CLI's cache on disk (cache/). */
export interface UnitStore {
  /** The result of unit @key (whose own definitions are in @home), if what it read reads the same in @ws. */
  reuse(key: string, ws: Workspace, home?: string): UnitResult | undefined;
  /** Keeps @result of unit @key with what it read (@reads) of @ws. */
  store(key: string, result: UnitResult, reads: ReadLog, ws: Workspace, home?: string): void;
}

interface Unit {
  result: UnitResult;
  /** `name\0fromFile` -> fingerprint of what it resolved to ('' for nothing) */
  reads: Map<string, string>;
  /** `file\0function` -> where the function started when the result was made */
  at: Map<string, { index: number; line: number }>;
}

export { fingerprint } from './parse/source';

export class AnalysisMemo implements UnitStore {
  private readonly units = new Map<string, Unit>();
  /** re-used and re-run units since the memo was made (for logs and tests) */
  hits = 0;
  misses = 0;

  /** The unit's result, moved to where its functions are now, if nothing it read has changed. */
  reuse(key: string, ws: Workspace): UnitResult | undefined {
    const u = this.units.get(key);
    // A stale unit stays until its new result replaces it: peek() shows it meanwhile, also when
    // the new run is cancelled by a newer edit.
    if (!u || !readsSame(u, ws)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const moves = movesOf(u, ws);
    if (moves.size) {
      u.result = moved(u.result, moves);
      for (const [k, d] of moves) {
        const was = u.at.get(k)!;
        u.at.set(k, { index: was.index + d.index, line: was.line + d.line });
      }
    }
    return u.result;
  }

  /**
   * The unit's last result, moved to where its functions are now, whether or not what it read has
   * changed since (fresh says which): what an editor shows until the unit has run again.
   * Changes nothing in the memo.
   */
  peek(key: string, ws: Workspace): { result: UnitResult; fresh: boolean } | undefined {
    const u = this.units.get(key);
    if (!u) return undefined;
    const moves = movesOf(u, ws);
    return { result: moves.size ? moved(u.result, moves) : u.result, fresh: readsSame(u, ws) };
  }

  store(key: string, result: UnitResult, log: ReadLog, ws: Workspace): void {
    const reads = log.defs;
    const at = new Map<string, { index: number; line: number }>();
    for (const [read, print] of reads) {
      if (!print) continue;
      const [name, from] = read.split('\0');
      const d = ws.definition(name, from || undefined);
      if (d) at.set(`${d.fn.file}\0${d.fn.name}`, { index: d.fn.range.startIndex, line: d.fn.range.start.line });
    }
    this.units.set(key, { result, reads, at });
  }

  /** Forgets every unit (settings or the workspace changed shape). */
  clear(): void {
    this.units.clear();
  }
}

type Moves = Map<string, { index: number; line: number }>;

/** Whether every definition lookup @u made resolves the same way in @ws. */
function readsSame(u: Unit, ws: Workspace): boolean {
  for (const [read, print] of u.reads) {
    const [name, from] = read.split('\0');
    const d = ws.definition(name, from || undefined);
    if ((d ? fingerprint(d.fn) : '') !== print) return false;
  }
  return true;
}

/** How far each function @u's result points into has moved since the result was made. */
function movesOf(u: Unit, ws: Workspace): Moves {
  const moves: Moves = new Map();
  for (const [k, was] of u.at) {
    const [file, name] = k.split('\0');
    const d = ws.definition(name, file);
    if (!d || d.fn.file !== file) continue;
    const now = { index: d.fn.range.startIndex, line: d.fn.range.start.line };
    if (now.index !== was.index || now.line !== was.line) moves.set(k, { index: now.index - was.index, line: now.line - was.line });
  }
  return moves;
}

function moveRange(r: SourceRange, d: { index: number; line: number }): SourceRange {
  return {
    start: { line: r.start.line + d.line, column: r.start.column },
    end: { line: r.end.line + d.line, column: r.end.column },
    startIndex: r.startIndex + d.index,
    endIndex: r.endIndex + d.index,
  };
}

function moveSteps(steps: TraceStep[], moves: Moves): TraceStep[] {
  return steps.map((s) => {
    const d = moves.get(`${s.file}\0${s.function}`);
    return d ? { ...s, line: s.line + d.line, range: moveRange(s.range, d) } : s;
  });
}

function moved(r: UnitResult, moves: Moves): UnitResult {
  const lineMove = (file: string, fn: string) => moves.get(`${file}\0${fn}`)?.line ?? 0;
  return {
    ...r,
    findings: r.findings.map((f) => {
      // A finding stands where its last step (the report) is.
      const last = f.trace[f.trace.length - 1];
      const dl = last ? lineMove(last.file, last.function) : lineMove(f.file, f.function);
      const consequences = f.consequences?.map((c) => ({ ...c, line: c.line + lineMove(c.file, c.function.split(' → ').pop()!) }));
      return { ...f, line: f.line + dl, trace: moveSteps(f.trace, moves), ...(consequences ? { consequences } : {}) };
    }),
    unknown: r.unknown.map((u) => ({ ...u, line: u.line + lineMove(u.file, u.function) })),
    lockOrder: r.lockOrder.map(([k, v]) => [k, { ...v, line: v.line + lineMove(v.file, v.fn), trace: moveSteps(v.trace, moves) }]),
  };
}
