// Patch review webview: per patch, introduced / fixed findings and changed paths; the selected item's before and after paths side by side.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  isHostToReview, isReviewPersisted, type ReviewSelection, type ReviewSide, type ReviewView,
  type ViewFinding, type ViewPath, type ViewStep,
} from './protocol';
import { vscode, el, clear, request, settleReply, breakable } from './shared';

/** Where review text may wrap: after punctuation (a verdict's ';' and ':' too) or before a space. */
const REVIEW_BREAKS = /(?<=[(,.>\]#=;:])|(?=\s)/;

const app = document.getElementById('app')!;
let view: ReviewView | undefined;
let selection: ReviewSelection | undefined;
/** tree files changed since the review read them (empty: the review matches the text) */
let staleFiles: string[] = [];
/** Shared leading steps are folded when there are more than this many; a click unfolds them. */
const FOLD_SHARED = 6;
let unfolded = false;

/** An item the panel can compare: a finding or a changed outcome, with a path on either side. */
interface Comparable { function: string; file?: string; before?: ViewPath; after?: ViewPath; diverge?: number; title: string; beforeText?: string; afterText?: string }

function persist(): void {
  if (view) vscode.setState({ kind: 'review', view, ...(selection ? { selection } : {}) });
}

function itemOf(sel: ReviewSelection | undefined): Comparable | undefined {
  const p = sel && view?.patches[sel.patch];
  if (!p || !sel) return undefined;
  if (sel.kind === 'changed') {
    const c = p.changed[sel.index];
    return c && { ...c, title: `${c.function}() · ${c.summary}` };
  }
  const f = p[sel.kind][sel.index];
  return f && { ...f, title: `${f.rule} in ${f.function}()${f.scenario ? ` · scenario ${f.scenario}` : ''}` };
}

const hasPaths = (x: { before?: ViewPath; after?: ViewPath } | undefined) => Boolean(x?.before || x?.after);

/** The first item of the review that has paths to compare, preferring what a patch introduces. */
function firstComparable(): ReviewSelection | undefined {
  for (const [patch, p] of (view?.patches ?? []).entries()) {
    for (const kind of ['introduced', 'fixed', 'changed'] as const) {
      const index = (p[kind] as Array<{ before?: ViewPath; after?: ViewPath }>).findIndex(hasPaths);
      if (index >= 0) return { patch, kind, index };
    }
  }
  return undefined;
}

function sameSel(a: ReviewSelection | undefined, b: ReviewSelection): boolean {
  return !!a && a.patch === b.patch && a.kind === b.kind && a.index === b.index;
}

/** Makes @node select @sel on click and on Enter/Space (links inside keep their own action). */
function selectable(node: HTMLElement, sel: ReviewSelection): void {
  node.classList.add('item');
  node.setAttribute('tabindex', '0');
  node.setAttribute('role', 'button');
  node.setAttribute('aria-pressed', String(sameSel(selection, sel)));
  node.dataset.kind = sel.kind;
  node.dataset.index = String(sel.index);
  if (sameSel(selection, sel)) node.classList.add('selected');
  const pick = () => select(sel);
  node.addEventListener('click', (e) => { if (!(e.target as Element).closest('a, summary, vscode-button')) pick(); });
  node.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target === node) { e.preventDefault(); pick(); }
  });
}

function select(sel: ReviewSelection): void {
  selection = sel;
  unfolded = false;
  persist();
  app.querySelectorAll<HTMLElement>('.item').forEach((n) => {
    const card = n.closest<HTMLElement>('article.patch');
    const on = card?.dataset.patch === String(sel.patch) && n.dataset.kind === sel.kind && n.dataset.index === String(sel.index);
    n.classList.toggle('selected', on);
    n.setAttribute('aria-pressed', String(on));
  });
  renderCompare();
  app.querySelector('.compare')?.scrollIntoView({ block: 'nearest' });
}

function stepLabel(s: ViewStep): string {
  return `${s.thread ? `[${s.thread}] ` : ''}${s.op}${s.detail ? ` — ${s.detail}` : ''}`;
}

function findingItem(f: ViewFinding & { before?: ViewPath; after?: ViewPath }, patch: number, kind: 'introduced' | 'fixed', index: number): HTMLElement {
  const li = el('li', { class: `finding ${kind} sev-${f.severity}`, 'data-rule': f.rule },
    el('span', { class: 'rule' }, f.rule), ' ',
    el('span', { class: 'msg' }, f.message), ' ',
    el('a', { href: '#', class: 'at', title: kind === 'introduced' ? 'open on the patched text' : 'open on the text before the patch' }, `${f.file}:${f.line}`),
    f.function ? el('span', { class: 'fn' }, ` in ${f.function}()`) : undefined,
    f.scenario ? el('span', { class: 'scenario' }, ` · ${f.scenario}`) : undefined);
  li.querySelector('a')!.addEventListener('click', (e) => {
    e.preventDefault();
    void request((seq) => ({ type: 'openFinding' as const, seq, patch, kind, index }));
  });
  if (hasPaths(f)) selectable(li, { patch, kind, index });
  else if (f.trace.length) {
    // No paths to compare (a finding without a scenario): its own trace, folded.
    const ol = el('ol', { class: 'mini-trace' });
    for (const s of f.trace) ol.append(el('li', {}, `L${s.line} ${stepLabel(s)}`));
    li.append(el('details', { class: 'trace' }, el('summary', {}, `trace · ${f.trace.length} step${f.trace.length === 1 ? '' : 's'}`), ol));
  }
  return li;
}

function section(title: string, cls: string, count: number, body: HTMLElement): HTMLElement {
  return el('section', { class: `group ${cls}` },
    el('h3', {}, title, ' ', el('vscode-badge', { variant: 'counter' }, String(count))), body);
}

/** One step cell of a compare column; clicking it reveals the line on that side's text. */
function stepCell(side: ReviewSide, s: ViewStep, i: number, sel: ReviewSelection, mainFile: string | undefined, cls: string): HTMLElement {
  const where = s.file !== mainFile ? `${s.file.split('/').pop()}:${s.line}` : `${s.line}`;
  const cell = el('div', {
    class: `step ${side} ${cls}${s.op.startsWith('✗') ? ' violation' : ''}`, role: 'button', tabindex: '0',
    'data-step': String(i), 'data-line': String(s.line), title: `${s.function} · ${s.file}:${s.line}`,
  },
  el('span', { class: 'ln' }, where),
  el('span', { class: 'what' }, el('span', { class: 'op' }, s.op), s.detail ? el('span', { class: 'detail' }, ` — ${s.detail}`) : undefined,
    s.source !== undefined ? el('code', { class: 'source' }, s.source) : undefined));
  const go = async () => {
    const reply = await request((seq) => ({ type: 'revealStep' as const, seq, ...sel, side, step: i }));
    app.querySelectorAll('.compare .step.current').forEach((c) => c.classList.remove('current'));
    cell.classList.add('current');
    const status = document.getElementById('reveal-status');
    if (status) {
      status.textContent = reply.ok && reply.line ? `${side === 'before' ? 'Before' : 'After'} the patch: editor at line ${reply.line}` : (reply.error ?? '');
      if (reply.ok && reply.line) status.setAttribute('data-line', String(reply.line)); else status.removeAttribute('data-line');
      status.setAttribute('data-side', side);
    }
  };
  cell.addEventListener('click', () => void go());
  cell.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); void go(); }
  });
  return cell;
}

function columnHead(side: ReviewSide, it: Comparable, sel: ReviewSelection, total: number): HTMLElement {
  const p = it[side];
  const label = `${side === 'before' ? 'Before' : 'After'} patch ${sel.patch + 1}/${total}`;
  const head = el('div', { class: `col-head ${side}` }, el('div', { class: 'side-label' }, label),
    el('div', { class: 'outcome' }, p ? p.outcome : side === 'before' ? 'no path of this scenario before the patch' : 'no path of this scenario after the patch'));
  if (p) {
    const b = el('vscode-button', { secondary: '', class: 'open-sim', title: 'step through this path in the simulation panel' }, 'Open in simulation panel');
    b.addEventListener('click', () => void request((seq) => ({ type: 'showTrace' as const, seq, ...sel, side })));
    head.append(b);
  }
  return head;
}

/** The two paths of the selected item side by side, row by row, the first differing step marked. */
function compareGrid(it: Comparable, sel: ReviewSelection, total: number): HTMLElement {
  const b = it.before?.steps ?? [];
  const a = it.after?.steps ?? [];
  const d = it.diverge ?? (it.before && it.after ? Math.min(b.length, a.length) : 0);
  const grid = el('div', { class: 'compare-grid', role: 'table', 'aria-label': 'paths before and after the patch' },
    columnHead('before', it, sel, total), columnHead('after', it, sel, total));
  const rows = Math.max(b.length, a.length);
  const fold = !unfolded && d > FOLD_SHARED;
  for (let i = 0; i < rows; i++) {
    if (fold && i === 2) {
      const hidden = d - 4;
      const btn = el('button', { class: 'fold', type: 'button' }, `⋯ ${hidden} shared step${hidden === 1 ? '' : 's'} (the same on both sides) — show`);
      btn.addEventListener('click', () => { unfolded = true; renderCompare(); });
      grid.append(el('div', { class: 'fold-row' }, btn));
      i = d - 3;
      continue;
    }
    const cls = i < d ? 'shared' : i === d ? 'diverge' : 'differs';
    for (const [side, steps] of [['before', b], ['after', a]] as const) {
      const s = steps[i];
      grid.append(s ? stepCell(side, s, i, sel, it.file, cls) : el('div', { class: `step ${side} empty` }));
    }
    if (i === d && it.before && it.after) {
      grid.lastElementChild!.after(el('div', { class: 'diverge-note' }, '↑ the paths part here'));
    }
  }
  return grid;
}

/**
 * One side of a changed outcome as a diff: what only this side has first (− gone before the patch,
 * + new after it), then what both sides have (=), so the change reads without comparing two lists.
 */
function outcomeList(own: string[], kept: string[], kind: 'gone' | 'came'): HTMLElement {
  const list = el('ul', { class: 'outcomes' });
  for (const o of own) {
    list.append(el('li', { class: `outcome ${kind}`, title: kind === 'gone' ? 'only before the patch' : 'only after the patch' },
      el('span', { class: 'glyph', 'aria-label': kind === 'gone' ? 'gone' : 'new' }, kind === 'gone' ? '−' : '+'), breakable(o, REVIEW_BREAKS)));
  }
  for (const o of kept) {
    list.append(el('li', { class: 'outcome kept', title: 'on both sides' }, el('span', { class: 'glyph', 'aria-label': 'kept' }, '='), breakable(o, REVIEW_BREAKS)));
  }
  if (!own.length && !kept.length) list.append(el('li', { class: 'outcome none' }, kind === 'gone' ? 'scenario did not apply' : 'scenario no longer applies'));
  return list;
}

function renderCompare(): void {
  app.querySelectorAll('.compare').forEach((old) => old.remove());
  const it = itemOf(selection);
  if (!view || !selection || !it) return;
  const card = app.querySelector<HTMLElement>(`article.patch[data-patch="${selection.patch}"]`);
  if (!card) return;
  const sel = selection;
  const diff = el('vscode-button', { secondary: '', class: 'show-diff', title: 'the file before and after the patch, in the diff editor' }, 'Show diff');
  diff.addEventListener('click', () => void request((seq) => ({ type: 'showDiff' as const, seq, ...sel })));
  const box = el('section', { class: 'compare', 'data-kind': sel.kind, 'data-index': String(sel.index), 'aria-live': 'polite' },
    el('div', { class: 'compare-head' }, el('h3', {}, 'Before and after'), el('span', { class: 'compare-title' }, it.title), diff),
    el('div', { class: 'reveal-status', id: 'reveal-status' }, 'Click a step to see its line: before on the tree, after on the patched text.'),
    compareGrid(it, sel, view.patches.length));
  card.append(box);
}

function render(): void {
  clear(app);
  app.removeAttribute('aria-busy');
  if (!view) { app.append(el('p', { class: 'empty' }, 'No review yet. Run "IOPF: Review Patch File…".')); return; }
  const introduced = view.patches.reduce((n, p) => n + p.introduced.length, 0);
  const fixed = view.patches.reduce((n, p) => n + p.fixed.length, 0);
  if (!itemOf(selection)) selection = firstComparable();
  if (staleFiles.length) {
    const rerun = el('vscode-button', { id: 'btn-rerun-review' }, 'Re-run review');
    rerun.addEventListener('click', () => void request((seq) => ({ type: 'rerun' as const, seq }), 300_000));
    app.append(el('div', { class: 'stale', id: 'stale', role: 'status' }, el('strong', {}, 'Out of date: '),
      `${staleFiles.join(', ')} changed since this review read ${staleFiles.length === 1 ? 'it' : 'them'}; the paths below may name code that is no longer there. `, rerun));
  }
  app.append(el('header', {}, el('h1', {}, view.title),
    view.verdict ? el('p', { class: `series-verdict${introduced ? ' bad' : ''}`, id: 'series-verdict' }, el('strong', {}, 'Verdict: '), view.verdict) : undefined,
    el('div', { class: 'totals', id: 'totals' },
      `${view.patches.length} patch${view.patches.length === 1 ? '' : 'es'} · ${introduced} introduced · ${fixed} fixed · select an item to compare its paths before and after`)));
  view.patches.forEach((p, pi) => {
    const verdict = p.error ? 'error' : p.introduced.length ? 'introduces' : p.fixed.length ? 'fixes' : p.changed.length ? 'changes' : 'neutral';
    const card = el('article', { class: `patch verdict-${verdict}`, 'data-patch': String(pi) },
      el('h2', {}, el('span', { class: 'num' }, `${pi + 1}. `), el('span', { class: 'subject' }, p.subject),
        el('span', { class: `verdict ${verdict}` }, verdict)));
    if (p.error) card.append(el('p', { class: 'error' }, p.error));
    for (const n of p.notes ?? []) card.append(el('p', { class: 'note' }, n));
    const intro = el('ul', { class: 'findings' });
    p.introduced.forEach((f, i) => intro.append(findingItem(f, pi, 'introduced', i)));
    const fix = el('ul', { class: 'findings' });
    p.fixed.forEach((f, i) => fix.append(findingItem(f, pi, 'fixed', i)));
    if (p.introduced.length) card.append(section('Introduced', 'introduced', p.introduced.length, intro));
    if (p.fixed.length) card.append(section('Fixed', 'fixed', p.fixed.length, fix));
    if (p.changed.length) {
      // One row per changed outcome or contract: the verdicts in words; a row with paths selects them for comparison.
      const table = el('table', { class: 'change-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Function · scenario'), el('th', {}, 'Before'), el('th', {}, 'After'))));
      const body = el('tbody', {});
      p.changed.forEach((c, ci) => {
        const row = el('tr', { class: 'change' },
          el('td', { class: 'change-head' }, el('code', {}, breakable(c.function, /(?<=_)/)), el('div', { class: 'summary' }, c.summary)),
          el('td', { class: 'side before' }, c.outcomes ? outcomeList(c.outcomes.gone, c.outcomes.kept, 'gone') : c.beforeText),
          el('td', { class: 'side after' }, c.outcomes ? outcomeList(c.outcomes.came, c.outcomes.kept, 'came') : c.afterText));
        if (hasPaths(c)) selectable(row, { patch: pi, kind: 'changed', index: ci });
        body.append(row);
      });
      table.append(body);
      card.append(section('Changed', 'changed', p.changed.length, table));
    }
    if (!p.error && !p.introduced.length && !p.fixed.length && !p.changed.length) {
      card.append(el('p', { class: 'empty' }, 'No behaviour change on the simulated paths.'));
    }
    app.append(card);
  });
  renderCompare();
}

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostToReview(m)) return;
  if (m.type === 'load') {
    // A new review keeps the selection only if it still names an item of it.
    view = m.view;
    staleFiles = [];
    if (!itemOf(selection)) selection = undefined;
    render();
    persist();
  } else if (m.type === 'stale') {
    staleFiles = m.stale ? m.files : [];
    render();
  } else settleReply(m);
});

const saved = vscode.getState();
if (isReviewPersisted(saved)) { view = saved.view; selection = saved.selection; }
render();
vscode.postMessage({ type: 'ready' });
