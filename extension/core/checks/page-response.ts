// iopf/response-without-group: a driver's page_response callback (the function it installs as
// iommu_ops.page_response) sends the core's answer to the hardware. The hardware matches an answer
// to the requests it stalled by their page request group index: VT-d's page group response
// descriptor carries it (QI_PGRP_IDX()), SMMUv3's CMD_RESUME its stall tag, AMD's PPR completion its
// tag. A callback that reads the answer (the response's code) but never the group index (the
// response's grpid, or the event's fault.prm.grpid), in its body or in a body it calls, cannot tell
// the hardware which group it answers: the device goes on waiting for the one it stalled, or the
// wrong group is resumed.
import type { Workspace } from '../index';
import type { FunctionDef, ParsedFile } from '../parse/source';
import type { Finding } from '../types';
import { RULES } from '../rules/rules';

const RULE = 'iopf/response-without-group';

/** A read of a member named grpid, and of one named code (the answer), comments aside. */
const GRPID = /(?:->|\.)\s*grpid\b/;
const CODE = /(?:->|\.)\s*code\b/;

/** How deep the callees of a callback are read: the response is built within a few calls. */
const MAX_DEPTH = 4;

const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ');

/** checkPageResponse - the finding for @fn of @file, a page_response callback, when what it runs reads the answer but not its group index. */
export function checkPageResponse(ws: Workspace, fn: FunctionDef, file: ParsedFile): Finding | undefined {
  const reads = (member: RegExp): boolean => {
    const seen = new Set<string>([`${fn.file}\0${fn.name}`]);
    const inBody = (f: FunctionDef, depth: number): boolean => {
      if (member.test(code(f.text))) return true;
      if (depth >= MAX_DEPTH) return false;
      for (const c of f.calls) {
        if (c.field) continue;
        const d = ws.definition(c.name, f.file);
        if (!d) continue;
        const key = `${d.fn.file}\0${d.fn.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (inBody(d.fn, depth + 1)) return true;
      }
      return false;
    };
    return inBody(fn, 0);
  };
  // A callback that calls through a pointer may hand the response to code the tree does not show;
  // one that never reads the answer (a test double's empty body) sends nothing to name a group in.
  if (fn.calls.some((c) => c.field) || !reads(CODE) || reads(GRPID)) return undefined;
  const line = fn.range.start.line + 1;
  const message = `${fn.name}() is installed as iommu_ops.page_response and sends the response's code, but neither it nor what it calls reads the response's group index (msg->grpid, or the event's fault.prm.grpid): the answer cannot name the page request group it is for, and the device waits for the group it stalled`;
  return {
    rule: RULE,
    severity: RULES[RULE].severity,
    file: file.path,
    line,
    column: fn.range.start.column + 1,
    function: fn.name,
    message,
    trace: [{ file: file.path, line, range: fn.range, op: `${fn.name}()`, detail: 'installed as iommu_ops.page_response; reads the response code, and no grpid in its body or its callees', function: fn.name }],
  };
}
