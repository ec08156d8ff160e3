// The API-contract checks that read each function on its own (one file per check): run over the
// functions an analysis covers, pausing between functions like the simulation does.
import type { Workspace } from '../index';
import type { AnalyzeOptions, Finding } from '../types';
import { Contracts } from './contracts';
import { checkErrPtr } from './err-ptr';
import { ByteCounts, checkUserCopy } from './user-copy';

/** apiChecks - findings of every check for the functions of @ws (limited to @onlyFiles / @opts.functions). */
export function* apiChecks(ws: Workspace, opts: AnalyzeOptions = {}, onlyFiles?: Set<string>): Generator<void, Finding[]> {
  const contracts = new Contracts(ws);
  const counts = new ByteCounts(contracts);
  const out: Finding[] = [];
  for (const file of ws.files.values()) {
    if (onlyFiles && !onlyFiles.has(file.path)) continue;
    for (const fn of file.functions) {
      if (opts.functions && !opts.functions.includes(fn.name)) continue;
      if (opts.cancelled?.()) return out;
      try {
        out.push(...checkErrPtr(fn, file, contracts), ...checkUserCopy(fn, file, counts));
      } catch {
        // A body the front end cannot copy (edited away under us) has no findings of its own.
      }
      yield;
    }
  }
  return out;
}
