// Fault-flow sidebar webview: draws the lifecycle SVG and highlights the edges of the path the simulation panel shows.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { isHostToFlow, type FlowHighlight } from './protocol';
import { layoutFor, renderFlowSvg, type FlowLayout } from './faultflow-graph';
import { vscode, el, clear, request, settleReply } from './shared';

const app = document.getElementById('app')!;
let highlight: FlowHighlight = { title: '', nodes: [] };

function isFlowState(x: unknown): x is { kind: 'faultflow'; highlight: FlowHighlight } {
  if (typeof x !== 'object' || x === null) return false;
  const h = (x as { highlight?: unknown }).highlight as FlowHighlight | undefined;
  return (x as { kind?: unknown }).kind === 'faultflow' && !!h && typeof h.title === 'string' &&
    Array.isArray(h.nodes) && h.nodes.every((n) => typeof n === 'string') && (h.current === undefined || typeof h.current === 'string') &&
    (h.threads === undefined || (Array.isArray(h.threads) && h.threads.every((t) => typeof t?.name === 'string' && Array.isArray(t.nodes))));
}

let layout: FlowLayout = layoutFor(document.body.clientWidth);

function render(): void {
  layout = layoutFor(document.body.clientWidth);
  clear(app);
  app.removeAttribute('aria-busy');
  app.append(el('div', { class: 'caption', id: 'flow-title' },
    highlight.title ? highlight.title : 'No path selected: simulate a function to highlight its route.'));
  const holder = el('div', { class: 'diagram', id: 'diagram' });
  // renderFlowSvg escapes every label; the only dynamic text (the title) is set as text above.
  const doc = new DOMParser().parseFromString(renderFlowSvg(highlight.nodes, highlight.current, layout,
    highlight.threads ? highlight.threads.map((t) => t.nodes) : [highlight.nodes]), 'image/svg+xml');
  holder.append(document.importNode(doc.documentElement, true));
  // Each node opens the kernel function it stands for (click, Enter or Space).
  holder.querySelectorAll('g.node').forEach((g) => {
    const open = () => {
      const node = g.getAttribute('data-node');
      if (node) void request((seq) => ({ type: 'openNode' as const, seq, node }));
    };
    g.addEventListener('click', open);
    g.addEventListener('keydown', (e) => {
      const k = (e as KeyboardEvent).key;
      if (k === 'Enter' || k === ' ') { e.preventDefault(); open(); }
    });
  });
  app.append(holder);
  if (!highlight.nodes.length) {
    const b = el('vscode-button', { id: 'btn-simulate' }, 'Simulate function at cursor');
    b.addEventListener('click', () => void request((seq) => ({ type: 'simulate' as const, seq })));
    app.append(b);
  } else {
    if (highlight.threads) {
      for (const t of highlight.threads) app.append(el('div', { class: 'legend thread' }, `${t.name}: ${t.nodes.length ? t.nodes.join(' → ') : '(no lifecycle step)'}`));
    } else app.append(el('div', { class: 'legend' }, `route: ${highlight.nodes.join(' → ')}`));
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostToFlow(m)) return;
  if (m.type === 'highlight') {
    highlight = m.highlight;
    vscode.setState({ kind: 'faultflow', highlight });
    render();
  } else settleReply(m);
});

// The layout follows the view's width: two columns in a sidebar, three lanes when there is room.
new ResizeObserver(() => { if (layoutFor(document.body.clientWidth) !== layout) render(); }).observe(document.body);

const saved = vscode.getState();
if (isFlowState(saved)) highlight = saved.highlight;
render();
vscode.postMessage({ type: 'ready' });
