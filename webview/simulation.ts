// Simulation panel webview: path switcher, step navigation (buttons + keyboard), trace with thread lanes, per-step state view.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  isHostToSimulation, isSimulationPersisted, type SimulationCursor, type SimulationView, type ViewPath, type ViewStep,
} from './protocol';
import { findingStep, nextFindingPath, pathLabels } from './path-labels';
import { vscode, el, clear, request, settleReply, breakable } from './shared';

let view: SimulationView | undefined;
let cursor: SimulationCursor = { path: 0, step: 0 };
/** files changed since the view was computed (empty: the view matches the text) */
let staleFiles: string[] = [];
const app = document.getElementById('app')!;

/** A step's file as the header names files: relative to the folder the panel's own file is in. */
function shown(file: string): string {
  const root = rootOf(view);
  return root && file.startsWith(root) ? file.slice(root.length) : file;
}

/** The folder the panel's own file is in, found once per view (a step whose file is that file, as absolute). */
let rootFor: { view: SimulationView; root: string | undefined } | undefined;
function rootOf(v: SimulationView | undefined): string | undefined {
  if (!v) return undefined;
  if (rootFor?.view !== v) {
    let own: string | undefined;
    for (const p of v.paths) {
      own = p.steps.find((s) => s.file === v.file || s.file.endsWith(`/${v.file}`))?.file;
      if (own) break;
    }
    rootFor = { view: v, root: own && own !== v.file ? own.slice(0, own.length - v.file.length) : undefined };
  }
  return rootFor.root;
}

function persist(): void {
  if (view) vscode.setState({ kind: 'simulation', view, cursor });
}

function path(): ViewPath | undefined {
  return view?.paths[cursor.path];
}

/** Moves to a step, tells the host to reveal it, and shows the line the editor landed on. */
async function go(next: SimulationCursor): Promise<void> {
  if (!view) return;
  const p = view.paths[next.path];
  if (!p) return;
  const pathChanged = next.path !== cursor.path;
  cursor = { path: next.path, step: Math.min(Math.max(0, next.step), Math.max(0, p.steps.length - 1)) };
  persist();
  if (pathChanged) render(); else updateCurrent();
  const reply = await request((seq) => ({ type: 'reveal' as const, seq, cursor }));
  const where = document.getElementById('editor-line');
  const step = p.steps[cursor.step];
  if (where) where.textContent = reply.ok && reply.line ? `editor at line ${reply.line}` : step?.scenario ? 'a step of the scenario' : (reply.error ?? '');
  if (where && reply.ok && reply.line) where.setAttribute('data-line', String(reply.line));
}

function threadsOf(p: ViewPath): string[] {
  const t: string[] = [];
  for (const s of p.steps) if (s.thread && !t.includes(s.thread)) t.push(s.thread);
  return t;
}

function stepCell(s: ViewStep, entered: boolean): HTMLElement {
  const depth = s.depth ?? 0;
  const cell = el('div', { class: 'step-body', 'data-depth': String(depth) },
    entered ? el('div', { class: 'callee', title: `steps in ${s.function}(), ${depth} call${depth === 1 ? '' : 's'} deep` }, `${s.function}()`) : undefined,
    el('div', { class: 'op' }, breakable(s.op)),
    s.detail ? el('div', { class: 'detail' }, breakable(s.detail)) : undefined,
    s.source !== undefined ? el('code', { class: 'source' }, breakable(s.source)) : undefined);
  cell.style.setProperty('--depth', String(Math.min(depth, 8)));
  return cell;
}

function renderTrace(p: ViewPath): HTMLElement {
  const threads = threadsOf(p);
  const lanes = Math.max(1, threads.length);
  const table = el('div', { class: 'trace', role: 'listbox', 'aria-label': 'trace steps', tabindex: '0' });
  table.dataset.lanes = String(lanes);
  if (threads.length) {
    const head = el('div', { class: 'trace-row head' }, el('div', { class: 'num' }, '#'), el('div', { class: 'loc' }, 'line'));
    const lanesRow = el('div', { class: 'lanes' });
    for (const t of threads) lanesRow.append(el('div', { class: 'lane-head' }, t));
    head.append(lanesRow);
    table.append(head);
  }
  const lastFunction = new Map<string | undefined, string>();
  p.steps.forEach((s, i) => {
    const row = el('div', { class: `trace-row step${s.scenario ? ' scenario-step' : ''}`, role: 'option', 'data-step': String(i), 'data-line': String(s.line) },
      el('div', { class: 'num' }, String(i + 1)),
      s.scenario
        ? el('div', { class: 'loc', title: 'a step of the scenario itself, at no line of the file' }, '·')
        : el('div', { class: 'loc', title: `${shown(s.file)}:${s.line} in ${s.function}` }, `${s.line}`));
    const lanesRow = el('div', { class: 'lanes' });
    const laneIndex = s.thread ? threads.indexOf(s.thread) : 0;
    // The function a step is in, named where the thread enters it (a call, or a return to the caller).
    const before = lastFunction.get(s.thread);
    lastFunction.set(s.thread, s.function);
    const entered = (s.depth ?? 0) > 0 && before !== s.function;
    const cell = stepCell(s, entered);
    // A call on this line the simulation could not follow: checked is not the same as understood.
    for (const u of view?.unmodelled ?? []) {
      if (u.line === s.line && u.file === s.file && !s.scenario) {
        cell.append(el('div', { class: 'unmodelled', title: 'no contract and no body in the workspace: its result is unknown, its effects unseen' }, `no contract: ${u.name}()`));
      }
    }
    for (let l = 0; l < lanes; l++) lanesRow.append(l === laneIndex ? cell : el('div', { class: 'lane-empty' }));
    row.append(lanesRow);
    row.addEventListener('click', () => void go({ path: cursor.path, step: i }));
    table.append(row);
  });
  return table;
}

function kv(title: string, entries: Array<[string, string]>, empty: string): HTMLElement {
  const box = el('section', { class: 'state-group' }, el('h3', {}, title));
  if (!entries.length) box.append(el('div', { class: 'empty' }, empty));
  else {
    const dl = el('dl', {});
    for (const [k, v] of entries) dl.append(el('dt', {}, breakable(k)), el('dd', {}, breakable(v)));
    box.append(dl);
  }
  return box;
}

function renderState(s: ViewStep | undefined): HTMLElement {
  const box = el('aside', { class: 'state', id: 'state', 'aria-label': 'model state after this step' });
  box.append(el('h2', {}, 'State after step'));
  if (!s) return box;
  box.append(el('div', { class: 'where' }, s.scenario
    ? `a step of the scenario, after ${s.function}()${s.thread ? ` · ${s.thread}` : ''}`
    : `${s.function} · ${shown(s.file)}:${s.line}${s.thread ? ` · ${s.thread}` : ''}`));
  const st = s.state;
  if (!st) { box.append(el('div', { class: 'empty' }, 'no state recorded for this step')); return box; }
  box.append(
    kv('References', Object.entries(st.refs).map(([k, v]) => [k, String(v)]), 'none'),
    kv('Locks held', st.locks.map((l) => [l, 'held']), 'none'),
    kv('Lists', Object.entries(st.lists).map(([k, v]) => [k, v.length ? v.join(', ') : '(empty)']), 'none'),
    kv('Outstanding requests', Object.entries(st.requests), 'none'),
    kv('Freed', st.freed.map((f) => [f, 'freed']), 'nothing'),
    kv('RCU read depth', [['depth', String(st.rcuDepth)]], '0'));
  return box;
}

function renderFindings(p: ViewPath): HTMLElement | undefined {
  if (!p.findings.length) return undefined;
  const list = el('ul', { class: 'findings' });
  for (const f of p.findings) {
    list.append(el('li', { class: `finding sev-${f.severity}` },
      el('span', { class: 'rule' }, f.rule), ' ', el('span', { class: 'msg' }, f.message),
      el('span', { class: 'at' }, ` (line ${f.line})`)));
  }
  return list;
}

function render(): void {
  clear(app);
  app.removeAttribute('aria-busy');
  if (!view) { app.append(el('p', { class: 'empty' }, 'No simulation yet. Run "IOPF: Simulate Function at Cursor".')); return; }
  const p = path();
  // One finding met on many paths (or schedules) is one finding: counted by rule and place, as the core does.
  const distinct = new Set(view.paths.flatMap((q) => q.findings.map((f) => `${f.rule}|${f.file}|${f.line}|${f.function}`))).size;
  const withFindings = view.paths.filter((q) => q.findings.length).length;
  app.append(el('header', {},
    el('h1', {}, el('code', {}, view.function), ` · ${view.paths.length} path${view.paths.length === 1 ? '' : 's'}`,
      ` · ${distinct} finding${distinct === 1 ? '' : 's'}`,
      distinct ? ` on ${withFindings} path${withFindings === 1 ? '' : 's'}` : '', view.bounded ? ' · bounded' : ''),
    el('div', { class: 'file' }, view.file)));
  if (view.unmodelled?.length) {
    const names = [...new Set(view.unmodelled.map((u) => `${u.name}()`))];
    app.append(el('div', { class: 'unmodelled-note', id: 'unmodelled' },
      `${view.unmodelled.length} call${view.unmodelled.length === 1 ? '' : 's'} not modelled: `,
      el('code', {}, names.join(', ')), ' — their results are unknown values and their effects are not seen.'));
  }
  if (view.bounded) {
    const b = view.bounds;
    const cut = view.paths.filter((q) => q.bounded).length;
    const banner = el('div', { class: 'bounded', id: 'bounded', role: 'status' },
      el('strong', {}, 'Bounded: '),
      `${cut ? `${cut} of the paths shown ${cut === 1 ? 'was' : 'were'} cut short, and ` : ''}not every path was run` +
      `${b ? ` (at most ${b.maxPaths} paths per scenario, loops unrolled ${b.loopBound} time${b.loopBound === 1 ? '' : 's'})` : ''}` +
      '; no finding on the paths explored is not a proof.');
    if (view.rerun && b) {
      const x = el('vscode-button', { id: 'btn-rerun-larger', secondary: '', title: `${b.maxPaths * 4} paths, loops unrolled ${b.loopBound + 2} times` }, 'Re-run with larger bounds');
      x.addEventListener('click', () => void request((seq) => ({ type: 'rerun' as const, seq, larger: true }), 300_000));
      banner.append(' ', x);
    }
    app.append(banner);
  }
  if (staleFiles.length) {
    const banner = el('div', { class: 'stale', id: 'stale', role: 'status' },
      el('strong', {}, 'Out of date: '), `${staleFiles.map(shown).join(', ')} changed since this simulation; the steps below may name code that is no longer there.`);
    if (view.rerun) {
      const b = el('vscode-button', { id: 'btn-rerun' }, 'Re-run');
      b.addEventListener('click', () => void request((seq) => ({ type: 'rerun' as const, seq }), 120_000));
      banner.append(' ', b);
    }
    app.append(banner);
  }
  if (!p) { app.append(el('p', { class: 'empty' }, 'The simulator found no path through this function.')); return; }

  const select = el('vscode-single-select', { id: 'path-select', 'aria-label': 'path' });
  const labels = pathLabels(view.paths);
  view.paths.forEach((_q, i) => {
    const o = el('vscode-option', { value: String(i) }, labels[i]!);
    if (i === cursor.path) o.setAttribute('selected', '');
    select.append(o);
  });
  select.addEventListener('change', () => {
    const v = Number((select as unknown as { value: string }).value);
    if (Number.isInteger(v) && v !== cursor.path) void go({ path: v, step: 0 });
  });

  const btn = (id: string, label: string, title: string, to: () => SimulationCursor) => {
    const b = el('vscode-button', { id, title, secondary: '' }, label);
    b.addEventListener('click', () => void go(to()));
    return b;
  };
  const last = () => Math.max(0, (path()?.steps.length ?? 1) - 1);
  app.append(el('div', { class: 'toolbar' },
    el('label', { class: 'path-label' }, 'Path ', select),
    btn('btn-first', '◀◀ First', 'First step (Home)', () => ({ path: cursor.path, step: 0 })),
    btn('btn-prev', '◀ Prev', 'Previous step (↑ / k)', () => ({ path: cursor.path, step: cursor.step - 1 })),
    btn('btn-next', 'Next ▶', 'Next step (↓ / j)', () => ({ path: cursor.path, step: cursor.step + 1 })),
    btn('btn-last', 'Last ▶▶', 'Last step (End)', () => ({ path: cursor.path, step: last() })),
    ...findingButtons(),
    el('span', { id: 'position', class: 'position' }),
    el('span', { id: 'editor-line', class: 'editor-line' })));

  const exportBar = el('div', { class: 'toolbar secondary' });
  for (const format of ['json', 'mermaid'] as const) {
    const b = el('vscode-button', { id: `btn-export-${format}`, secondary: '' }, `Export ${format === 'json' ? 'JSON' : 'Mermaid'}`);
    b.addEventListener('click', () => void request((seq) => ({ type: 'export' as const, seq, format, path: cursor.path })));
    exportBar.append(b);
  }
  app.append(el('div', { class: 'outcome' }, el('strong', {}, 'Outcome: '), p.outcome,
    p.returns !== undefined ? ` (returns ${p.returns})` : '', p.bounded ? ' · cut by a bound' : ''));
  const findings = renderFindings(p);
  if (findings) app.append(findings);
  app.append(el('div', { class: 'body' }, renderTrace(p), renderState(p.steps[cursor.step])), exportBar);
  updateCurrent();
}

/** The step where the next (or previous) path with a finding meets it; where we are when none has one. */
function findingCursor(dir: 1 | -1): SimulationCursor {
  const i = view ? nextFindingPath(view.paths, cursor.path, dir) : undefined;
  return i === undefined || !view ? cursor : { path: i, step: findingStep(view.paths[i]!) };
}

/** Previous / next path with a finding: absent when no path has one. */
function findingButtons(): HTMLElement[] {
  if (!view || !view.paths.some((q) => q.findings.length)) return [];
  const b = (id: string, label: string, title: string, dir: 1 | -1) => {
    const x = el('vscode-button', { id, title, secondary: '' }, label);
    x.addEventListener('click', () => void go(findingCursor(dir)));
    return x;
  };
  return [b('btn-prev-finding', '⚠ ◀', 'Previous path with a finding (Shift+F)', -1),
    b('btn-next-finding', '⚠ ▶', 'Next path with a finding (F)', 1)];
}

function updateCurrent(): void {
  const p = path();
  if (!p) return;
  document.querySelectorAll('.trace-row.step').forEach((r) => {
    const on = r.getAttribute('data-step') === String(cursor.step);
    r.classList.toggle('current', on);
    r.setAttribute('aria-selected', on ? 'true' : 'false');
    if (on) (r as HTMLElement).scrollIntoView({ block: 'nearest' });
  });
  const pos = document.getElementById('position');
  if (pos) pos.textContent = `step ${p.steps.length ? cursor.step + 1 : 0} / ${p.steps.length}`;
  const old = document.getElementById('state');
  if (old) old.replaceWith(renderState(p.steps[cursor.step]));
}

window.addEventListener('keydown', (e) => {
  if (!view || e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'VSCODE-SINGLE-SELECT')) return;
  const n = path()?.steps.length ?? 0;
  const moves: Record<string, () => SimulationCursor> = {
    ArrowDown: () => ({ path: cursor.path, step: cursor.step + 1 }),
    j: () => ({ path: cursor.path, step: cursor.step + 1 }),
    ArrowUp: () => ({ path: cursor.path, step: cursor.step - 1 }),
    k: () => ({ path: cursor.path, step: cursor.step - 1 }),
    Home: () => ({ path: cursor.path, step: 0 }),
    End: () => ({ path: cursor.path, step: n - 1 }),
    PageDown: () => ({ path: Math.min(cursor.path + 1, (view?.paths.length ?? 1) - 1), step: 0 }),
    PageUp: () => ({ path: Math.max(cursor.path - 1, 0), step: 0 }),
    f: () => findingCursor(1),
    F: () => findingCursor(-1),
  };
  const m = moves[e.key];
  if (m) { e.preventDefault(); void go(m()); }
});

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostToSimulation(m)) return;
  switch (m.type) {
    case 'load': view = m.view; cursor = m.cursor; staleFiles = []; persist(); render(); void go(cursor); break;
    case 'stale': staleFiles = m.stale ? m.files : []; render(); break;
    case 'goto': void go(m.cursor); break;
    case 'reply': settleReply(m); break;
  }
});

// A panel restored after reload draws its saved view at once; the host sends the same view on ready.
const saved = vscode.getState();
if (isSimulationPersisted(saved)) { view = saved.view; cursor = saved.cursor; }
render();
vscode.postMessage({ type: 'ready' });
