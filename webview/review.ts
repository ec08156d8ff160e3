// Patch review webview: per patch, introduced / fixed findings and changed paths with before and after traces side by side.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import { isHostToReview, isReviewPersisted, type ReviewView, type ViewFinding, type ViewPath } from './protocol';
import { vscode, el, clear, request, settleReply } from './shared';

const app = document.getElementById('app')!;
let view: ReviewView | undefined;

function findingItem(f: ViewFinding, patch: number, kind: 'introduced' | 'fixed', index: number): HTMLElement {
  const li = el('li', { class: `finding ${kind} sev-${f.severity}`, 'data-rule': f.rule },
    el('span', { class: 'rule' }, f.rule), ' ',
    el('span', { class: 'msg' }, f.message), ' ',
    el('a', { href: '#', class: 'at' }, `${f.file}:${f.line}`),
    f.function ? el('span', { class: 'fn' }, ` in ${f.function}()`) : undefined);
  li.querySelector('a')!.addEventListener('click', (e) => {
    e.preventDefault();
    void request((seq) => ({ type: 'openFinding' as const, seq, patch, kind, index }));
  });
  if (f.trace.length) {
    // Folded: a series review lists many findings, and their traces would bury the verdicts.
    const ol = el('ol', { class: 'mini-trace' });
    for (const s of f.trace) ol.append(el('li', {}, `${s.thread ? `[${s.thread}] ` : ''}L${s.line} ${s.op}${s.detail ? ` — ${s.detail}` : ''}`));
    li.append(el('details', { class: 'trace' }, el('summary', {}, `trace · ${f.trace.length} step${f.trace.length === 1 ? '' : 's'}`), ol));
  }
  return li;
}

function traceColumn(title: string, text: string, p: ViewPath | undefined, onOpen: () => void): HTMLElement {
  const col = el('td', { class: `side ${title.toLowerCase()}` }, el('div', { class: 'outcome' }, text));
  if (!p) return col;
  const ol = el('ol', { class: 'mini-trace' });
  for (const s of p.steps) {
    ol.append(el('li', {}, `${s.thread ? `[${s.thread}] ` : ''}L${s.line} ${s.op}${s.detail ? ` — ${s.detail}` : ''}`,
      s.source !== undefined ? el('code', { class: 'source' }, s.source) : undefined));
  }
  col.append(el('details', { class: 'trace' }, el('summary', {}, `trace · ${p.steps.length} steps`), ol));
  const b = el('vscode-button', { secondary: '' }, 'Step through');
  b.addEventListener('click', onOpen);
  col.append(b);
  return col;
}

function section(title: string, cls: string, count: number, body: HTMLElement): HTMLElement {
  return el('section', { class: `group ${cls}` },
    el('h3', {}, title, ' ', el('vscode-badge', { variant: 'counter' }, String(count))), body);
}

function render(): void {
  clear(app);
  app.removeAttribute('aria-busy');
  if (!view) { app.append(el('p', { class: 'empty' }, 'No review yet. Run "IOPF: Review Patch File…".')); return; }
  const introduced = view.patches.reduce((n, p) => n + p.introduced.length, 0);
  const fixed = view.patches.reduce((n, p) => n + p.fixed.length, 0);
  app.append(el('header', {}, el('h1', {}, view.title),
    el('div', { class: 'totals', id: 'totals' },
      `${view.patches.length} patch${view.patches.length === 1 ? '' : 'es'} · ${introduced} introduced · ${fixed} fixed`)));
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
      // One row per changed outcome; folded, since a series can change many and the verdicts come first.
      const table = el('table', { class: 'change-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Function · scenario'), el('th', {}, 'Before'), el('th', {}, 'After'))));
      const body = el('tbody', {});
      p.changed.forEach((c, ci) => {
        const open = (side: 'before' | 'after') => () => void request((seq) => ({ type: 'showTrace' as const, seq, patch: pi, change: ci, side }));
        body.append(el('tr', { class: 'change' },
          el('td', { class: 'change-head' }, el('code', {}, c.function), el('div', { class: 'summary' }, c.summary)),
          traceColumn('Before', c.beforeText, c.before, open('before')),
          traceColumn('After', c.afterText, c.after, open('after'))));
      });
      table.append(body);
      card.append(el('details', { class: 'group changed' },
        el('summary', {}, el('h3', {}, 'Changed paths ', el('vscode-badge', { variant: 'counter' }, String(p.changed.length)))),
        table));
    }
    if (!p.error && !p.introduced.length && !p.fixed.length && !p.changed.length) {
      card.append(el('p', { class: 'empty' }, 'No behaviour change on the simulated paths.'));
    }
    app.append(card);
  });
}

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostToReview(m)) return;
  if (m.type === 'load') { view = m.view; vscode.setState({ kind: 'review', view }); render(); } else settleReply(m);
});

const saved = vscode.getState();
if (isReviewPersisted(saved)) view = saved.view;
render();
vscode.postMessage({ type: 'ready' });
