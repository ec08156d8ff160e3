// Text rendering of `simulate`: each path with its outcome, decisions and trace, as a reviewer reads it.
import type { SimulationResult } from '../analyze';
import { safeLines } from './escape';

export function formatSimulation(r: SimulationResult): string {
  const f = r.function;
  const out: string[] = [];
  const findings = r.paths.reduce((n, p) => n + p.findings.length, 0);
  out.push(`${f.file}:${f.line}: ${f.name} — ${r.paths.length} path${r.paths.length === 1 ? '' : 's'} under ${f.scenarios.join(', ')}${findings ? `, ${f.findings} finding${f.findings === 1 ? '' : 's'}` : ', no findings'}${r.bounded ? ' (bounded: some paths were cut at a bound)' : ''}`);
  for (const p of r.paths) {
    out.push('');
    out.push(`path ${p.id} [${p.scenario}]: ${p.outcome}${p.bounded ? ' (bounded)' : ''}`);
    for (const s of p.steps) {
      const where = `${s.line}`.padStart(5);
      const fn = s.function === f.name ? '' : ` [${s.function}]`;
      // Interleaved paths say which thread took each step.
      const who = s.thread ? ` ${s.thread}:` : '';
      out.push(`  ${where}${fn}${who}  ${s.op}${s.detail ? ` — ${s.detail}` : ''}`);
    }
    for (const x of p.findings) out.push(`  => ${x.rule} (${x.severity}) at line ${x.line}: ${x.message}`);
  }
  return safeLines(out);
}
