// A stand-in analyzer for tests of the review plumbing: it "finds" what a C comment marks, so expected results are written in the fixture.
// `/* FINDING: rule-id */` inside a simulated function is a finding on that line; a body that calls respond() answers, else not.
import { findFunctions } from '../../../extension/core/review/cscan';
import type { Analyzer } from '../../../extension/core/review/review';
import type { Finding, SourceFile } from '../../../extension/core/types';

const range = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 }, startIndex: 0, endIndex: 0 };

export function markerAnalyzer(calls: { analyze: string[][] } = { analyze: [] }): Analyzer {
  return {
    async analyzeFiles(files: SourceFile[], opts = {}) {
      calls.analyze.push(opts.functions ?? []);
      const findings: Finding[] = [];
      for (const f of files) {
        const lines = f.text.split('\n');
        for (const fn of findFunctions(f.text)) {
          if (opts.functions && !opts.functions.includes(fn.name)) continue;
          for (let l = fn.startLine; l <= fn.endLine; l++) {
            const m = /\/\* FINDING: (\S+) \*\//.exec(lines[l - 1]);
            if (!m) continue;
            findings.push({
              rule: m[1], severity: 'error', file: f.path, line: l, column: 2, function: fn.name,
              // the line number in the message must not make a moved finding look new
              message: `marked at line ${l}`, scenario: 'marked',
              trace: [
                { file: f.path, line: fn.nameLine, range, op: 'enter', detail: '', function: fn.name },
                { thread: 'T1 report', file: f.path, line: l, range, op: 'mark', detail: 'state 0 -> 1', function: fn.name },
              ],
            });
          }
        }
      }
      return { findings, functions: [], unknownCalls: [], bounded: false };
    },
    async simulateFunction(files: SourceFile[], file: string, fn: string) {
      const f = files.find((x) => x.path === file)!;
      const def = findFunctions(f.text).find((d) => d.name === fn)!;
      const body = f.text.slice(def.bodyStart, def.bodyEnd);
      const outcome = body.includes('respond(') ? 'IOMMU_PAGE_RESP_INVALID' : 'no response';
      return {
        function: { name: fn, file, line: def.nameLine, range, known: true, paths: 1, findings: 0, bounded: false, scenarios: ['no fault parameter'] },
        paths: [{ id: 1, scenario: 'no fault parameter', outcome, steps: [], findings: [], bounded: false, decisions: [] }],
        bounded: false,
      };
    },
  };
}
