// Runs an entry point under a scenario along every path (replaying decision sequences), checks each
// path's end state against the rules, and returns the paths with their traces and findings.
import type { Workspace } from '../index';
import { responseName } from '../model/constants';
import { Value, ptr } from '../model/world';
import type { Consequence, Finding, PathResult, SourceRange } from '../types';
import { fileFact } from '../parse/source';
import { Bounds, Cut, Era, Frontier, LockOrder, Machine, Oracle, isMachineFailure } from './machine';
import { Scenario, argsFor, buildWorld, eventObj } from './scenarios';

export interface ExploreOptions extends Bounds {
  maxPaths: number;
  withState: boolean;
  cancelled?: () => boolean;
}

export const DEFAULT_BOUNDS: ExploreOptions = { loopBound: 3, callDepth: 6, maxSteps: 4000, maxPaths: 400, withState: false };

/** detectEra - which contract of iommu_report_device_fault this tree follows, read from its code. */
export function detectEra(ws: Workspace): Era {
  const report = ws.returnType('iommu_report_device_fault');
  const response = ws.returnType('iopf_group_response');
  return {
    reportReturnsInt: report ? /^int\b/.test(report) : true,
    // Before iopf_group_response() became void, a failed report left the answer to the driver.
    // With neither (the 6.1 core), a report returning int leaves a failed request to the driver.
    callerCompletes: response ? /^int\b/.test(response) : report ? /^int\b/.test(report) && !ws.definition('iopf_group_response') : false,
    groupHasHandle: true,
    releaseDomain: mentions(ws, /(?:->|\.)\s*release_domain\b/),
    pendingGroups: mentions(ws, /(?:->|\.)\s*pending_node\b/),
    iommufdPasidAttach: iommufdAttachesPasid(ws),
  };
}

/** Whether any code in @ws matches @re: a member the tree's structs have, as its code uses it. */
function mentions(ws: Workspace, re: RegExp): boolean {
  for (const f of ws.files.values()) {
    // Comments do not count: only code that uses the member shows the tree has it.
    if (fileFact(f, `mentions ${re.source}`, () => re.test(f.text) && re.test(f.text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')))) return true;
  }
  return false;
}

/**
 * iommufdAttachesPasid - whether the tree's iommufd attaches a page table at a PASID: a function
 * handling an iommufd_hw_pagetable that calls the core's PASID attach or replace. Until iommufd
 * does, a fault on a PASID never reaches an iommufd fault object (it attaches at the RID only).
 */
function iommufdAttachesPasid(ws: Workspace): boolean {
  for (const f of ws.files.values()) {
    const attaches = fileFact(f, 'iommufd pasid attach', () => f.functions.some((fn) =>
      fn.calls.some((c) => !c.field && /^iommu_(attach|replace)_device_pasid$/.test(c.name))
      && /\bstruct\s+iommufd_hw_pagetable\b/.test(f.text.slice(fn.range.startIndex, fn.range.endIndex))));
    if (attaches) return true;
  }
  return false;
}

export interface Explored {
  paths: PathResult[];
  bounded: boolean;
  unknownCalls: Machine['unknownCalls'];
}

/** drain - run an exploration to its end without pausing. */
export function drain<T>(g: Generator<void, T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** explore - every path of @entry under @scenario. */
export function explore(ws: Workspace, entry: string, file: string | undefined, scenario: Scenario, opts: ExploreOptions,
  era: Era, lockOrder: LockOrder): Explored {
  return drain(exploring(ws, entry, file, scenario, opts, era, lockOrder));
}

/** exploring - explore() as a generator that pauses after each path, so a caller can yield to an event loop and cancel. */
export function* exploring(ws: Workspace, entry: string, file: string | undefined, scenario: Scenario, opts: ExploreOptions,
  era: Era, lockOrder: LockOrder): Generator<void, Explored> {
  const cfg = ws.cfg(entry, file);
  if (!cfg) throw new Error(`no body for ${entry}`);
  const paths: PathResult[] = [];
  const unknown: Machine['unknownCalls'] = [];
  let bounded = false;
  const frontier = new Frontier();
  let prefix = frontier.pop();
  while (prefix) {
    if (paths.length >= opts.maxPaths || opts.cancelled?.()) {
      bounded = true;
      break;
    }
    const oracle: Oracle = new Oracle(prefix);
    const m = new Machine(ws, oracle, opts, era, lockOrder, opts.withState);
    m.scenario = scenario;
    m.handlerResult = scenario.handlerResult;
    // A hard interrupt handler runs with interrupts off: atomic from its first line.
    m.world.threads.push({ id: 0, name: entry, held: [], rcuDepth: 0, atomic: scenario.hardIrq ? 1 : 0, done: false });
    m.stacks = [[]];
    const h = buildWorld(m, scenario);
    m.worldDevice = h.dev;
    const results: Value[] = [];
    let cut: Cut['reason'] | undefined;
    const calls = scenario.events?.length ?? scenario.repeat ?? 1;
    try {
      for (let i = 0; i < calls; i++) {
        const ev = scenario.events?.[i];
        const evt = ev ? eventObj(m, ev) : undefined;
        const args = argsFor(m, cfg, h, evt);
        const gen = m.runFunction(entry, args, undefined, file);
        let r = gen.next();
        while (!r.done) {
          // A lone thread waiting on a lock nobody else holds cannot happen; stop rather than spin.
          if (r.value.kind === 'blocked') throw new Cut('stop');
          r = gen.next();
        }
        results.push(r.value);
        if (calls > 1) m.scenarioStep(cfg.range, `${entry}() returns`, `call ${i + 1} of ${calls}: ${m.name(r.value)}`);
      }
    } catch (e) {
      if (e instanceof Cut) cut = e.reason;
      else throw e;
    }
    if (!cut && scenario.faultObjectDestroy && h.fault) {
      // The iommufd core frees the object once its destroy callback returns: what it still holds
      // is reachable from nothing after that.
      h.fault.freed = 'kfree';
      m.scenarioStep(cfg.range, 'iommufd object freed', `${m.world.name(h.fault.id)} is freed by the iommufd core after its destroy callback`);
    }
    if (cut !== 'infeasible') {
      if (!cut) endChecks(m, entry, scenario, results);
      if (m.bounded) bounded = true;
      paths.push({
        id: paths.length + 1,
        scenario: scenario.name,
        outcome: outcome(m, results, cut),
        returns: results.length ? m.name(results[results.length - 1]) : undefined,
        steps: m.steps,
        findings: m.findings,
        bounded: m.bounded || cut === 'bounded',
        decisions: m.decisions,
      });
    }
    unknown.push(...m.unknownCalls);
    frontier.expand(oracle, prefix);
    prefix = frontier.pop();
    yield;
  }
  return { paths, bounded: bounded || frontier.dropped, unknownCalls: unknown };
}

export function outcome(m: Machine, results: Value[], cut: Cut['reason'] | undefined): string {
  const parts: string[] = [];
  if (cut === 'bounded') parts.push('cut at a bound');
  else if (cut === 'stop') parts.push('stops at a violation');
  else if (results.length) parts.push(`returns ${results.map((r) => m.name(r)).join(', then ')}`);
  for (const r of m.world.requests) {
    if (!r.last) continue;
    if (r.responses.length) parts.push(`grpid ${r.grpid}: ${r.responses.map((x) => responseName(x.code)).join(' + ')}`);
    else if (r.owedBy && r.owedBy !== 'caller') parts.push(`grpid ${r.grpid}: ${r.owedBy} will answer`);
    else if (r.owedBy === 'caller') parts.push(`grpid ${r.grpid}: the caller answers`);
    else parts.push(`grpid ${r.grpid}: no response`);
  }
  return parts.join('; ');
}

/** asConsequence - @f as it is listed under the finding it follows from on the same path. */
export function asConsequence(f: Finding): Consequence {
  return { rule: f.rule, severity: f.severity, file: f.file, line: f.line, column: f.column, function: f.function, message: f.message };
}

/**
 * A fault parameter whose last reference was dropped while dev->iommu->fault_param still points
 * to it: the next report finds freed memory. Checked at the end of each path, and after each step
 * of a lifecycle program, where the next step would otherwise be the first to show it.
 */
export function publishedFreed(m: Machine, at: SourceRange | undefined): void {
  const w = m.world;
  for (const o of w.objs.values()) {
    const fp = o.type === 'dev_iommu' ? o.fields.get('fault_param') : undefined;
    if (fp?.k === 'ptr' && w.obj(fp.obj).freed) {
      m.report('iopf/refcount-imbalance', `the last reference on ${w.name(fp.obj)} is dropped while dev->iommu->fault_param still publishes it: the next fault report uses freed memory`, at);
    }
  }
}

/** Checks of a path's end state: answers owed, objects leaked, references unbalanced. */
export function endChecks(m: Machine, entry: string, s: Scenario, results: Value[]): void {
  const w = m.world;
  const at = m.lastReturn;
  const ret = results[results.length - 1];
  const failed = ret?.k === 'int' && ret.v < 0;
  m.leftSetUp();
  if (s.faultObjectRead) faultObjectKeeps(m, at);
  for (const r of w.requests) {
    if (!r.last || r.responses.length > 0) continue;
    if (r.owedBy === 'reporter') {
      // The report failed and left the answer to the driver: it must answer or fail in turn.
      if (entry === 'iommu_report_device_fault' || (ret && m.isFailure(ret))) continue;
      m.report('iopf/unanswered-page-request', `iommu_report_device_fault() failed for page request grpid ${r.grpid} and left its answer to the driver, which neither answers it nor returns the failure to its caller: the device stalls`, at);
      continue;
    }
    if (r.owedBy) continue;
    // In the era where a failed report leaves the answer to the driver, the core may return an error.
    if (entry === 'iommu_report_device_fault' && m.era.callerCompletes && failed) continue;
    if (s.faultObjectDestroy) {
      m.report('iopf/unanswered-page-request', `page request grpid ${r.grpid} is never answered: its group was still held by the iommufd fault object (delivered, or read by user space and waiting in the response xarray), and the object is destroyed without answering it, so the device waits`, at);
    } else if (s.iommufdPasids) {
      // A replace that failed left the old page table attached, and its faults with it.
      if (ret && m.isFailure(ret)) continue;
      m.report('iommufd/auto-response-pasid', `the fault on ${r.pasid ? `PASID ${r.pasid}` : 'the RID'} (grpid ${r.grpid}) is still outstanding after the fault-capable page table is detached: the device waits forever`, at);
    } else {
      m.report('iopf/unanswered-page-request', m.concurrent
        ? `page request grpid ${r.grpid} is never answered in this interleaving: every thread has finished and none called ops->page_response() for it, so the device stalls`
        : `page request grpid ${r.grpid} is never answered on this path: ops->page_response() is not called and no handler owns the request, so the device stalls`, at);
    }
  }
  const referenced = w.referenced();
  for (const id of m.xaHeld()) referenced.add(id);
  // An attach handle is the core's (the group's PASID table) while it is attached.
  for (const h of m.attached.values()) if (w.objs.has(h)) referenced.add(w.root(h).id);
  // A queued work item's container is the workqueue's until its work function runs (and frees it).
  for (const work of w.queuedWork.keys()) if (w.objs.has(work)) referenced.add(w.root(work).id);
  for (const o of w.objs.values()) {
    if (o.freed || o.parent || (o.alloc !== 'heap' && o.alloc !== 'zeroed')) continue;
    if (referenced.has(o.id) || o.owner) continue;
    if (o.type !== 'iopf_group' && o.type !== 'iopf_fault') {
      // Any other allocation of this path: returned (or its member), handed away, or leaked.
      if (!o.allocLine || o.escaped || results.some((r) => returns(m, r, o.id))) continue;
      const what = o.type === '?' ? `#${o.id}` : w.name(o.id);
      // Reported where it was allocated (one finding however many exits leak it), when that is
      // in the file of the function under check; the trace shows the path that leaks it.
      const site = o.allocAt && o.allocAt.file === m.frame().file ? o.allocAt.range : at;
      const where = o.allocAt && o.allocAt.file !== m.frame().file ? `${o.allocAt.file.split('/').pop()}:${o.allocLine}` : `line ${o.allocLine}`;
      const lost = m.overwritten.get(o.id);
      m.report('mem/leak', `${what}, allocated at ${where}, is neither freed nor reachable from anything live when the path ends${failed || ret?.k === 'err' ? ', on a path that returns failure' : ''}${lost ? `; a pointer to it was overwritten at ${lost.file === m.frame().file ? 'line ' : `${lost.file.split('/').pop()}:`}${lost.at.startLine + 1} (${m.src(lost.at).split('\n')[0].trim()})` : ''}`, site, failed || ret?.k === 'err' ? 'error' : 'warning');
    } else if (o.type === 'iopf_group') {
      m.report('iopf/group-leak', `${w.name(o.id)} (${o.allocLine ? `allocated at line ${o.allocLine}` : 'already pending when the path began'}) is neither freed nor owned by a handler when the path ends`, at);
    } else if (o.type === 'iopf_fault') {
      m.report('iopf/partial-fault-leak', `partial fault ${w.name(o.id)} (${o.allocLine ? `allocated at line ${o.allocLine}` : 'collected before this call'}) is on no list and never freed`, at);
    }
  }
  // References this path took from kernel getters and still holds: dropped, returned or kept
  // (reachable from what it returns or from anything live: iommu_group_get() returns the group
  // whose devices_kobj it took the reference on).
  // Interleavings report the races they exist for; a reference a thread leaks is its entry's own finding.
  const open = m.concurrent ? [] : m.refs.filter((r) => r.open);
  // A reference a finder took on a new object is kept when anything live reaches it; one taken on
  // an object the path was given (of_node_get(dev->of_node)) only when the path stored or returned it.
  const keptAll = open.some((r) => r.found) ? reachable(m, results, true) : new Set<number>();
  const keptHere = open.length ? reachable(m, [...results, ...m.stored], false) : new Set<number>();
  for (const r of open) {
    if (keptHere.has(r.obj) || (r.found && keptAll.has(r.obj)) || m.handedOver.has(r.obj)) continue;
    const onFailure = failed || ret?.k === 'err';
    if (r.failureOnly && !onFailure) continue;
    const site = r.file === m.frame().file ? r.at : at;
    m.report('iopf/refcount-imbalance', `the reference ${r.getter}() took${r.label ? ` on ${r.label.trim()}` : ''} at line ${r.at.start.line + 1} (${w.name(r.obj)}) is never dropped with ${r.shownPutter ?? r.putter}() on this path${onFailure ? ', which returns failure' : ''}: it leaks`, site, onFailure ? 'error' : 'warning');
    break;
  }
  publishedFreed(m, at);
  for (const id of m.refTouched) {
    const fp = w.obj(id);
    if (fp.freed || fp.type !== 'iommu_fault_param') continue;
    const users = w.sub(fp.id, 'users', 'refcount_t').count ?? 0;
    let holders = 0;
    const why: string[] = [];
    if (ret?.k === 'ptr' && ret.obj === fp.id) {
      // A getter hands its reference to its caller.
      holders++;
      why.push('the caller (returned)');
    }
    for (const o of w.objs.values()) {
      // A pointer the path read before it knew the object is still that object (m.norm).
      const published = o.type === 'dev_iommu' ? o.fields.get('fault_param') : undefined;
      if (published && m.norm(published).k === 'ptr' && (m.norm(published) as { obj: number }).obj === fp.id) {
        holders++;
        why.push('the device (dev->iommu->fault_param)');
      }
      if (o.type === 'iopf_group' && !o.freed && o.alloc !== 'stack') {
        const f = o.fields.get('fault_param');
        if (f?.k === 'ptr' && f.obj === fp.id) {
          holders++;
          why.push(w.name(o.id));
        }
      }
    }
    if (users > holders) {
      m.report('iopf/refcount-imbalance', `${w.name(fp.id)} ends with users = ${users} but only ${holders} holder${holders === 1 ? '' : 's'} (${why.join(', ') || 'none'}): a reference is leaked`, at, 'warning');
    } else if (users < holders) {
      m.report('iopf/refcount-imbalance', `${w.name(fp.id)} ends with users = ${users} while ${holders} hold${holders === 1 ? 's' : ''} it (${why.join(', ')}): a reference was dropped early and the parameter can be freed under them`, at);
    }
  }
  if (s.repeat && s.repeat > 1 && results.length === s.repeat) {
    const [a, b] = results;
    const first = m.steps.findIndex((st) => st.op === `${entry}() returns`);
    // A second bind that failed because the machine did (an allocation, a PASID) is not a
    // sharing bug; one sharing the first bind's domain through a handle of its own is how the
    // cores from 6.2 to 6.7 shared a bond (domain->users), before handles were refcounted.
    const envFailed = machineFailed(m, first + 1);
    const sameDomain = a.k === 'ptr' && b.k === 'ptr' && sameSvaDomain(m, a.obj, b.obj);
    if (a.k === 'ptr' && !(b.k === 'ptr' && b.obj === a.obj) && !sameDomain && !(b.k !== 'ptr' && envFailed)) {
      m.report('sva/handle-sharing', `binding the same (mm, device) a second time returns ${m.name(b)} instead of the first bind's handle ${m.name(a)}: uacce and idxd rely on the core sharing the handle`, at);
    }
  }
}

/**
 * machineFailed - whether, from step @from on, the machine itself failed a call (an allocation, a
 * PASID, a driver refusing a domain); -EBUSY from an occupied PASID is the core's own answer.
 */
export function machineFailed(m: Machine, from: number): boolean {
  return m.steps.slice(from).some(isMachineFailure);
}

/** The domain an SVA handle is bound to: handle->domain, or handle->handle.domain. */
function svaDomain(m: Machine, h: number): number | undefined {
  const o = m.world.obj(h);
  const inner = o.fields.get('handle');
  const d = o.fields.get('domain') ?? (inner?.k === 'ptr' ? m.world.obj(inner.obj).fields.get('domain') : undefined);
  const n = d ? m.norm(d) : undefined;
  return n?.k === 'ptr' ? n.obj : undefined;
}

/** Whether two SVA handles are bound to one domain (how 6.2 to 6.7 shared a bond). */
export function sameSvaDomain(m: Machine, a: number, b: number): boolean {
  const d = svaDomain(m, a);
  return d !== undefined && d === svaDomain(m, b);
}

/**
 * After a read of an iommufd fault object's file, each group the object held is still its own:
 * on the deliver list, or in the response xarray for user space to answer, unless answered.
 */
function faultObjectKeeps(m: Machine, at: Machine['lastReturn']): void {
  const w = m.world;
  for (const g of w.objs.values()) {
    if (g.type !== 'iopf_group' || g.owner !== 'iommufd' || g.freed) continue;
    const prm = w.sub(w.sub(w.sub(g.id, 'last_fault').id, 'fault').id, 'prm');
    const grpid = prm.fields.get('grpid');
    const request = w.requests.find((q) => q.last && grpid?.k === 'int' && q.grpid === grpid.v);
    if (request?.responses.length) continue;
    const node = w.sub(g.id, 'node', 'list_head');
    if (w.nodeOn.has(node.id) || m.xaHeld().has(g.id)) continue;
    m.report('iopf/unanswered-page-request', `${w.name(g.id)} was taken off the fault object's deliver list and is neither in its response xarray nor answered: user space can never answer it, and the device waits`, at);
  }
}

/**
 * Objects reachable from @results and the globals, and with @fromLive from every live object's
 * fields and lists too (Machine.reachableFrom() follows the fields from there).
 */
function reachable(m: Machine, results: Value[], fromLive: boolean): Set<number> {
  const w = m.world;
  const seeds: Value[] = [...results, ...w.globals.values()];
  if (fromLive) {
    for (const o of w.objs.values()) {
      if (o.freed) continue;
      for (const [f, v] of o.fields) {
        if (o.parent?.field === f) continue;
        const t = v.k === 'ptr' ? w.objs.get(v.obj) : undefined;
        if (t?.parent?.obj !== o.id) seeds.push(v);
      }
    }
    for (const [node, head] of w.nodeOn) if (!w.root(head).freed) seeds.push(ptr(node));
  }
  return m.reachableFrom(seeds);
}

/** Whether @v (a returned value) is @id or points into it. */
function returns(m: Machine, v: Value, id: number): boolean {
  const n = m.norm(v);
  return n.k === 'ptr' && m.world.objs.has(n.obj) && m.world.root(n.obj).id === id;
}

/** Findings equal but for their traces: the same rule at the same place with the same words. */
export function findingKey(f: Finding): string {
  return `${f.rule}|${f.file}|${f.line}|${f.function}`;
}
