// SARIF 2.1.0 reports: rule metadata with help text, results located in the (patched) files, code flows from traces.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisResult, Finding, TraceStep } from '../types';
import type { ReviewResult } from '../review/review';
import { findingKey } from '../review/review';
import { ruleInfo } from './rules';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const TOOL = { name: 'iopf-lens', informationUri: 'https://github.com/iopf-lens/iopf-lens', version: '0.1.0' };

type Level = 'error' | 'warning' | 'note' | 'none';

const level = (s: string): Level => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');

/** How a path becomes an artifact location: relative to a base id (review trees), or a file URI / relative path (check). */
interface Locator {
  (file: string): { uri: string; uriBaseId?: string };
}

function encodeRelative(p: string): string {
  return p.split(/[\\/]/).map(encodeURIComponent).join('/');
}

const checkLocator: Locator = (file) => (isAbsolute(file) ? { uri: pathToFileURL(file).href } : { uri: encodeRelative(file), uriBaseId: '%SRCROOT%' });
const treeLocator: Locator = (file) => ({ uri: encodeRelative(file), uriBaseId: 'TREE' });

function physical(file: string, line: number, column: number | undefined, loc: Locator) {
  const region: Record<string, number> = { startLine: Math.max(1, line) };
  if (column && column > 0) region.startColumn = column;
  return { artifactLocation: loc(file), region };
}

/** One thread flow per thread; executionOrder keeps the interleaving of concurrent traces. */
function codeFlows(trace: TraceStep[], loc: Locator): object[] {
  if (!trace.length) return [];
  const threads = new Map<string, object[]>();
  trace.forEach((s, i) => {
    const key = s.thread ?? '';
    const list = threads.get(key) ?? [];
    list.push({
      location: {
        physicalLocation: physical(s.file, s.line, (s.range?.start.column ?? 0) + 1, loc),
        logicalLocations: [{ name: s.function, kind: 'function' }],
        message: { text: s.detail ? `${s.op} — ${s.detail}` : s.op },
      },
      executionOrder: i + 1,
    });
    threads.set(key, list);
  });
  return [{
    threadFlows: [...threads].map(([thread, locations]) => (thread ? { id: thread, message: { text: thread }, locations } : { locations })),
  }];
}

interface Rules {
  index(id: string): number;
  list: object[];
}

function ruleTable(): Rules {
  const list: object[] = [];
  const ids = new Map<string, number>();
  return {
    list,
    index(id: string) {
      let i = ids.get(id);
      if (i === undefined) {
        const r = ruleInfo(id);
        i = list.length;
        ids.set(id, i);
        list.push({
          id: r.id,
          name: r.id.replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase()),
          shortDescription: { text: r.title },
          fullDescription: { text: r.help },
          help: { text: r.help },
          defaultConfiguration: { level: r.level },
        });
      }
      return i;
    },
  };
}

function result(f: Finding, rules: Rules, loc: Locator, extra: Record<string, unknown> = {}, lvl?: Level): object {
  return {
    ruleId: f.rule,
    ruleIndex: rules.index(f.rule),
    level: lvl ?? level(f.severity),
    message: { text: f.scenario ? `${f.message} (scenario: ${f.scenario})` : f.message },
    locations: [{ physicalLocation: physical(f.file, f.line, f.column, loc), logicalLocations: [{ name: f.function, kind: 'function' }] }],
    codeFlows: codeFlows(f.trace, loc),
    // What followed from it on the same path, each where it happened.
    ...(f.consequences?.length ? {
      relatedLocations: f.consequences.map((c, i) => ({
        id: i + 1,
        physicalLocation: physical(c.file, c.line, c.column, loc),
        message: { text: `then: ${c.message} [${c.rule}]` },
      })),
    } : {}),
    // line-free identity, so a result keeps its fingerprint when a patch moves it
    partialFingerprints: { 'iopfLens/v1': createHash('sha256').update(findingKey(f)).digest('hex').slice(0, 32) },
    properties: { function: f.function, ...(f.scenario !== undefined ? { scenario: f.scenario } : {}) },
    ...extra,
  };
}

function log(run: object): object {
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}

export function checkSarif(r: AnalysisResult): object {
  const rules = ruleTable();
  const results = r.findings.map((f) => result(f, rules, checkLocator));
  return log({
    tool: { driver: { ...TOOL, rules: rules.list } },
    results,
    properties: { bounded: r.bounded },
  });
}

/**
 * reviewSarif - introduced findings as new results located in the patched files; fixed ones as
 * absent results (level none) located in the file as it was before the patch that fixed them.
 */
export function reviewSarif(r: ReviewResult): object {
  const rules = ruleTable();
  const results: object[] = [];
  for (const p of r.patches) {
    const patch = { position: p.position, subject: p.subject };
    for (const f of p.introduced) results.push(result(f, rules, treeLocator, { baselineState: 'new', properties: { function: f.function, scenario: f.scenario, patch } }));
    for (const f of p.fixed) results.push(result(f, rules, treeLocator, { baselineState: 'absent', kind: 'pass', properties: { function: f.function, scenario: f.scenario, patch } }, 'none'));
  }
  return log({
    tool: { driver: { ...TOOL, rules: rules.list } },
    originalUriBaseIds: { TREE: { uri: pathToFileURL(resolve(r.tree) + '/').href, description: { text: 'the tree the series was applied to (in memory; results point into the patched files)' } } },
    results,
    properties: {
      title: r.title ?? null,
      bounded: r.patches.some((p) => p.bounded),
      patches: r.patches.map((p) => ({ position: p.position, subject: p.subject, introduced: p.introduced.length, fixed: p.fixed.length, bounded: p.bounded })),
      unreviewedReplies: r.replies,
    },
  });
}
