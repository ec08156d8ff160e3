// The threads that drain a driver's hardware queue into the core, found by what they call: a
// function of a file that calls iommu_report_device_fault() reports page requests, and a loop that
// calls one of those reporters of its file hands the queue's entries to the core (VT-d's
// prq_event_thread() around intel_prq_report(), SMMUv3's arm_smmu_evtq_thread() around
// arm_smmu_handle_evt()).
import type { Workspace } from '../index';
import type { Ast } from '../parse/ast';
import { astOf, fileFact, type ParsedFile } from '../parse/source';

const LOOPS: ReadonlySet<string> = new Set(['while_statement', 'for_statement', 'do_statement']);

/** reportersIn - the functions of @file that call iommu_report_device_fault() themselves. */
export function reportersIn(file: ParsedFile): ReadonlySet<string> {
  return fileFact(file, 'reporters', () => new Set(file.functions
    .filter((fn) => fn.calls.some((c) => !c.field && c.name === 'iommu_report_device_fault')).map((fn) => fn.name)));
}

/** The first of @names that @n calls by name, in a loop when @inLoop does not already hold (or anywhere under @n when it does). */
function reporterCalled(n: Ast, names: ReadonlySet<string>, inLoop: boolean): string | undefined {
  if (inLoop && n.type === 'call_expression') {
    const callee = n.children[0];
    if (callee?.type === 'identifier' && names.has(callee.text!)) return callee.text!;
  }
  for (const c of n.children) {
    const r = reporterCalled(c, names, inLoop || LOOPS.has(n.type));
    if (r) return r;
  }
  return undefined;
}

/** drainsQueue - whether the loop @stmt of @file calls a reporter of its file (once per loop of a file). */
export function drainsQueue(file: ParsedFile, stmt: Ast): boolean {
  const reporters = reportersIn(file);
  return reporters.size > 0 && fileFact(file, `drains a queue ${stmt.start}`, () => reporterCalled(stmt, reporters, true) !== undefined);
}

/** queueDrainers - the functions that call a reporter of their own file inside a loop, each with the reporter. */
export function queueDrainers(ws: Workspace): { file: string; name: string; reports: string }[] {
  const out: { file: string; name: string; reports: string }[] = [];
  for (const f of ws.files.values()) {
    if (!f.path.endsWith('.c')) continue;
    out.push(...fileFact(f, 'queue drainers', () => {
      const reporters = reportersIn(f);
      const found: { file: string; name: string; reports: string }[] = [];
      if (!reporters.size) return found;
      for (const fn of f.functions) {
        if (reporters.has(fn.name) || !fn.calls.some((c) => !c.field && reporters.has(c.name))) continue;
        const reports = reporterCalled(astOf(fn, f), reporters, false);
        if (reports) found.push({ file: f.path, name: fn.name, reports });
      }
      return found;
    }));
  }
  return out;
}
