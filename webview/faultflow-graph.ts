// The IOPF/SVA/iommufd lifecycle as a small hand-laid graph, the trace-to-node mapping and a pure SVG renderer.
//
// Pure (no DOM, no vscode): the sidebar webview draws renderFlowSvg()'s text and the tests read
// the same text. A fixed hand layout keeps the picture stable from path to path, which is what
// lets a reviewer see *which* edges a path takes; an automatic layout would move boxes around.

export interface FlowNode {
  id: string;
  label: string;
  /** the kernel function or object the box stands for, shown as a second line (a tooltip in the narrow layout) */
  sub: string;
  lane: 'iopf' | 'sva' | 'iommufd';
  /** position in the wide layout (an editor-width panel) */
  col: number;
  row: number;
  /** position in the narrow layout (a sidebar): two columns, the lanes one under the other */
  ncol: number;
  nrow: number;
}

export interface FlowEdge {
  from: string;
  to: string;
  label?: string;
  /** curve the edge out to the left (negative) or right (positive) so it does not run over the boxes between its ends */
  bend?: number;
  /** the same in the narrow layout (0: straight there) */
  nbend?: number;
}

export const FLOW_NODES: readonly FlowNode[] = [
  // IOPF core: enable -> report -> partial | group -> handler -> response -> free
  { id: 'enable', label: 'enable', sub: 'iopf_queue_add_device', lane: 'iopf', col: 0, row: 0, ncol: 0, nrow: 0 },
  { id: 'report', label: 'report', sub: 'iommu_report_device_fault', lane: 'iopf', col: 0, row: 1, ncol: 0, nrow: 1 },
  { id: 'partial', label: 'partial', sub: 'iopf_fault on partial list', lane: 'iopf', col: 1, row: 1, ncol: 1, nrow: 1 },
  { id: 'group', label: 'group', sub: 'iopf_group', lane: 'iopf', col: 0, row: 2, ncol: 0, nrow: 2 },
  { id: 'handler', label: 'handler', sub: 'domain->iopf_handler', lane: 'iopf', col: 0, row: 3, ncol: 0, nrow: 3 },
  { id: 'response', label: 'response', sub: 'iopf_group_response', lane: 'iopf', col: 0, row: 4, ncol: 0, nrow: 4 },
  { id: 'free', label: 'free', sub: 'iopf_free_group', lane: 'iopf', col: 0, row: 5, ncol: 0, nrow: 5 },
  { id: 'discard', label: 'discard', sub: 'iopf_queue_discard_partial', lane: 'iopf', col: 1, row: 2, ncol: 1, nrow: 2 },
  { id: 'flush', label: 'flush', sub: 'iopf_queue_flush_dev', lane: 'iopf', col: 1, row: 3, ncol: 1, nrow: 3 },
  { id: 'remove', label: 'remove', sub: 'iopf_queue_remove_device', lane: 'iopf', col: 1, row: 4, ncol: 1, nrow: 4 },
  // SVA: bind -> domain -> attach handle -> PASID -> unbind
  { id: 'bind', label: 'SVA bind', sub: 'iommu_sva_bind_device', lane: 'sva', col: 2, row: 0, ncol: 0, nrow: 9 },
  { id: 'domain', label: 'domain', sub: 'SVA iommu_domain', lane: 'sva', col: 2, row: 1, ncol: 1, nrow: 9 },
  { id: 'attach', label: 'attach handle', sub: 'iommu_attach_handle', lane: 'sva', col: 2, row: 2, ncol: 1, nrow: 10 },
  { id: 'pasid', label: 'PASID', sub: 'iommu_attach_device_pasid', lane: 'sva', col: 2, row: 3, ncol: 0, nrow: 10 },
  { id: 'unbind', label: 'unbind', sub: 'iommu_sva_unbind_device', lane: 'sva', col: 2, row: 4, ncol: 0, nrow: 11 },
  // iommufd: deliver -> read -> respond; detach / replace and destroy answer what is still pending
  { id: 'deliver', label: 'deliver', sub: 'iommufd_fault_iopf_handler', lane: 'iommufd', col: 1, row: 5, ncol: 1, nrow: 5 },
  { id: 'read', label: 'read', sub: 'fault fops read', lane: 'iommufd', col: 2, row: 6, ncol: 1, nrow: 6 },
  { id: 'respond', label: 'respond', sub: 'fault fops write', lane: 'iommufd', col: 1, row: 6, ncol: 0, nrow: 6 },
  { id: 'detach', label: 'detach / replace', sub: 'iommufd_fault_domain_detach_dev', lane: 'iommufd', col: 0, row: 7, ncol: 0, nrow: 7 },
  { id: 'destroy', label: 'destroy', sub: 'iommufd_fault_destroy', lane: 'iommufd', col: 1, row: 7, ncol: 1, nrow: 7 },
];

export const FLOW_EDGES: readonly FlowEdge[] = [
  { from: 'enable', to: 'report' },
  { from: 'report', to: 'partial', label: 'not last' },
  { from: 'report', to: 'group', label: 'last page' },
  { from: 'partial', to: 'group', label: 'collected' },
  { from: 'partial', to: 'discard' },
  { from: 'group', to: 'handler' },
  { from: 'handler', to: 'response' },
  { from: 'report', to: 'response', label: 'no handler', bend: -1, nbend: -1 },
  { from: 'group', to: 'response', label: 'not handed on', bend: -0.6, nbend: -0.6 },
  { from: 'response', to: 'free' },
  { from: 'handler', to: 'flush', label: 'waits' },
  { from: 'remove', to: 'response', label: 'INVALID' },
  { from: 'enable', to: 'remove', nbend: 1 },
  { from: 'bind', to: 'domain' },
  { from: 'domain', to: 'attach' },
  { from: 'attach', to: 'pasid' },
  { from: 'pasid', to: 'unbind' },
  { from: 'unbind', to: 'flush', label: 'before PASID free', nbend: 1 },
  { from: 'handler', to: 'deliver', label: 'iommufd domain' },
  { from: 'deliver', to: 'read' },
  { from: 'read', to: 'respond' },
  { from: 'respond', to: 'response', nbend: -1 },
  { from: 'detach', to: 'response', label: 'auto-respond', bend: -1, nbend: -1 },
  { from: 'destroy', to: 'response', label: 'auto-respond', bend: 1, nbend: 1 },
];

/**
 * Which lifecycle node a trace operation touches. The model words operations as the kernel
 * does ("iopf_group_response(...)", "kfree(iopf_group#1)"), so the mapping is by name.
 * Order matters: the first pattern that matches wins.
 */
const OP_TO_NODE: ReadonlyArray<[RegExp, string]> = [
  [/iopf_queue_add_device|iopf_get_dev_fault_param.*alloc|fault_param.*=.*kzalloc/, 'enable'],
  [/iopf_queue_remove_device/, 'remove'],
  [/iopf_queue_discard_partial/, 'discard'],
  [/iopf_queue_flush_dev|flush_workqueue/, 'flush'],
  [/iommu_sva_unbind_device/, 'unbind'],
  [/iommu_sva_bind_device/, 'bind'],
  [/iommu_sva_domain_alloc|domain_alloc_sva|sva.*domain/, 'domain'],
  [/iommu_attach_group_handle|iommu_replace_group_handle|attach_handle_alloc/, 'attach'],
  [/iommu_attach_device_pasid|set_dev_pasid|iommu_sva_get_pasid|pasid_alloc|alloc_global_pasid/, 'pasid'],
  [/iommufd_fault_iopf_handler|iommufd.*deliver/, 'deliver'],
  [/iommufd_fault_fops_read|fault.*read/, 'read'],
  [/iommufd_fault_domain_(?:detach|replace)_dev|iommufd_auto_response|auto.?respon/, 'detach'],
  [/iommufd_fault_destroy/, 'destroy'],
  [/iommufd_fault_fops_write/, 'respond'],
  [/iopf_free_group|kfree\(.*iopf_group/, 'free'],
  [/page_response|iopf_group_response|IOMMU_PAGE_RESP/, 'response'],
  [/iopf_handler|->handler|queue_work/, 'handler'],
  [/report_partial_fault|partial list/i, 'partial'],
  [/iopf_group_alloc|iopf_group\b/, 'group'],
  [/iommu_report_device_fault/, 'report'],
];

/** Steps that decide or loop rather than act: their text names objects, not operations on them. */
const NOT_AN_OPERATION = /^\s*(if|while|for|switch|return|goto|list_for_each\w*|else)\b/;

export function nodeForOp(op: string): string | undefined {
  if (NOT_AN_OPERATION.test(op)) return undefined;
  for (const [re, node] of OP_TO_NODE) if (re.test(op)) return node;
  return undefined;
}

/** The node of the step at @index: the last step at or before it that touches one. */
export function currentNode(ops: readonly string[], index: number): string | undefined {
  for (let i = Math.min(index, ops.length - 1); i >= 0; i--) {
    const n = nodeForOp(ops[i]!);
    if (n) return n;
  }
  return undefined;
}

/** The kernel functions a node opens, in the order they are looked for: the first the workspace defines. */
export const NODE_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  enable: ['iopf_queue_add_device'],
  report: ['iommu_report_device_fault'],
  partial: ['report_partial_fault', 'iommu_report_device_fault'],
  group: ['iopf_group_alloc', 'iommu_report_device_fault'],
  handler: ['iommu_sva_iopf_handler', 'iopf_handler', 'find_fault_handler'],
  response: ['iopf_group_response', 'iommu_page_response'],
  free: ['iopf_free_group'],
  discard: ['iopf_queue_discard_partial'],
  flush: ['iopf_queue_flush_dev'],
  remove: ['iopf_queue_remove_device'],
  bind: ['iommu_sva_bind_device'],
  domain: ['iommu_sva_domain_alloc'],
  attach: ['iommu_attach_group_handle', 'iommu_attach_device_pasid'],
  pasid: ['iommu_attach_device_pasid', 'iommu_sva_alloc_pasid'],
  unbind: ['iommu_sva_unbind_device'],
  deliver: ['iommufd_fault_iopf_handler'],
  read: ['iommufd_fault_fops_read'],
  respond: ['iommufd_fault_fops_write'],
  detach: ['iommufd_fault_domain_detach_dev', 'iommufd_fault_domain_replace_dev', 'iommufd_auto_response_faults'],
  destroy: ['iommufd_fault_destroy'],
};

/** The lifecycle nodes a trace visits, in order, with repeats collapsed. */
export function nodesForTrace(ops: readonly string[]): string[] {
  const out: string[] = [];
  for (const op of ops) {
    const n = nodeForOp(op);
    if (n && out[out.length - 1] !== n) out.push(n);
  }
  return out;
}

const edgeKey = (from: string, to: string) => `${from}->${to}`;

/**
 * The edges to highlight for a visited node sequence: each consecutive pair that is an edge of
 * the graph. Pairs that are not edges (the model skipped a box) are bridged only when a single
 * intermediate node connects them, so a path that goes report -> response through a handler the
 * trace did not name still lights a connected route.
 */
export function highlightedEdges(nodes: readonly string[]): Set<string> {
  const edges = new Set(FLOW_EDGES.map((e) => edgeKey(e.from, e.to)));
  const out = new Set<string>();
  for (let i = 1; i < nodes.length; i++) {
    const a = nodes[i - 1]!;
    const b = nodes[i]!;
    if (edges.has(edgeKey(a, b))) { out.add(edgeKey(a, b)); continue; }
    const via = FLOW_NODES.find((m) => edges.has(edgeKey(a, m.id)) && edges.has(edgeKey(m.id, b)));
    if (via) { out.add(edgeKey(a, via.id)); out.add(edgeKey(via.id, b)); }
  }
  return out;
}

export interface Box { x: number; y: number; w: number; h: number }

export type FlowLayout = 'wide' | 'narrow';

/** Wide: three lanes side by side, a box holds its kernel name. Narrow: two columns readable in a sidebar, lanes stacked. */
export const LAYOUTS = {
  wide: { colW: 150, rowH: 58, boxW: 138, boxH: 38, margin: 12, gutter: 30, label: 12, sub: 8.5 },
  narrow: { colW: 150, rowH: 44, boxW: 132, boxH: 30, margin: 10, gutter: 26, label: 14, sub: 0 },
} as const;
export const LAYOUT = LAYOUTS.wide;

/** The layout for a view @width CSS pixels wide: the narrow one below the wide one's natural width. */
export function layoutFor(width: number): FlowLayout {
  return width < 480 ? 'narrow' : 'wide';
}

export function layoutNode(n: FlowNode, layout: FlowLayout = 'wide'): Box {
  const L = LAYOUTS[layout];
  const [col, row] = layout === 'wide' ? [n.col, n.row] : [n.ncol, n.nrow];
  return { x: L.gutter + col * L.colW, y: L.margin + row * L.rowH, w: L.boxW, h: L.boxH };
}

/**
 * A bent edge: leaves and enters the boxes on the side it bends to, and curves outside the
 * column so that the boxes between its ends stay readable.
 */
export function bentEdgePath(a: Box, b: Box, bend: number, gutter: number = LAYOUT.gutter): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  const side = (box: Box) => (bend < 0 ? box.x : box.x + box.w);
  const x1 = side(a), y1 = a.y + a.h / 2, x2 = side(b), y2 = b.y + b.h / 2;
  const cx = (bend < 0 ? Math.min(x1, x2) : Math.max(x1, x2)) + bend * 2 * (gutter - 4);
  return `M${r(x1)},${r(y1)} Q${r(cx)},${r((y1 + y2) / 2)} ${r(x2)},${r(y2)}`;
}

/** Straight edge from the border of one box to the border of the other, as an SVG path. */
export function edgePath(a: Box, b: Box): string {
  const ax = a.x + a.w / 2, ay = a.y + a.h / 2;
  const bx = b.x + b.w / 2, by = b.y + b.h / 2;
  const clip = (cx: number, cy: number, dx: number, dy: number, box: Box): [number, number] => {
    // Scale the direction so the point lands on the box border.
    const sx = dx === 0 ? Infinity : (box.w / 2) / Math.abs(dx);
    const sy = dy === 0 ? Infinity : (box.h / 2) / Math.abs(dy);
    const s = Math.min(sx, sy);
    return [cx + dx * s, cy + dy * s];
  };
  const [x1, y1] = clip(ax, ay, bx - ax, by - ay, a);
  const [x2, y2] = clip(bx, by, ax - bx, ay - by, b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return `M${r(x1)},${r(y1)} L${r(x2)},${r(y2)}`;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

/** The whole diagram as SVG text; highlighted nodes and edges carry the class `hl`, the current step's node `current`. */
export function renderFlowSvg(visited: readonly string[], current?: string, layout: FlowLayout = 'wide',
  routes: ReadonlyArray<readonly string[]> = [visited]): string {
  const L = LAYOUTS[layout];
  const byId = new Map(FLOW_NODES.map((n) => [n.id, n]));
  // Each thread's route lights its own edges: an edge between two threads' steps was never taken.
  const hlEdges = new Set(routes.flatMap((r) => [...highlightedEdges(r)]));
  const hlNodes = new Set<string>();
  for (const k of hlEdges) { const [a, b] = k.split('->'); hlNodes.add(a!); hlNodes.add(b!); }
  for (const n of visited) if (byId.has(n)) hlNodes.add(n);
  const boxes = new Map(FLOW_NODES.map((n) => [n.id, layoutNode(n, layout)]));
  const right = Math.max(...[...boxes.values()].map((b) => b.x + b.w));
  const bottom = Math.max(...[...boxes.values()].map((b) => b.y + b.h));
  const width = right + L.gutter;
  const height = bottom + L.margin;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="flow ${layout}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="IOPF fault flow">`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>' +
    '<marker id="arrow-hl" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead hl"/></marker></defs>');
  // Edges first so boxes sit on top of them.
  for (const e of FLOW_EDGES) {
    const a = boxes.get(e.from)!, b = boxes.get(e.to)!;
    const key = edgeKey(e.from, e.to);
    const hl = hlEdges.has(key);
    const bend = layout === 'wide' ? e.bend : e.nbend;
    const d = bend ? bentEdgePath(a, b, bend, L.gutter) : edgePath(a, b);
    parts.push(`<g class="edge${hl ? ' hl' : ''}" data-edge="${escapeXml(key)}"><path d="${d}" marker-end="url(#${hl ? 'arrow-hl' : 'arrow'})"/>` +
      (e.label && layout === 'wide' ? `<text class="edge-label" x="${labelX(d)}" y="${labelY(d)}">${escapeXml(e.label)}</text>` : '') +
      (e.label ? `<title>${escapeXml(e.label)}</title>` : '') + '</g>');
  }
  for (const n of FLOW_NODES) {
    const b = boxes.get(n.id)!;
    const hl = hlNodes.has(n.id);
    // A node is a button: it opens the kernel function it stands for.
    parts.push(`<g class="node lane-${n.lane}${hl ? ' hl' : ''}${n.id === current ? ' current' : ''}" data-node="${escapeXml(n.id)}" tabindex="0" role="button" aria-label="${escapeXml(`${n.label}: ${n.sub}`)}">` +
      `<title>${escapeXml(`${n.label} — ${n.sub}`)}</title>` +
      `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/>` +
      (L.sub
        ? `<text class="label" x="${b.x + b.w / 2}" y="${b.y + 16}">${escapeXml(n.label)}</text>` +
          `<text class="sub" x="${b.x + b.w / 2}" y="${b.y + 31}">${escapeXml(n.sub)}</text>`
        : `<text class="label" x="${b.x + b.w / 2}" y="${b.y + b.h / 2 + L.label * 0.35}">${escapeXml(n.label)}</text>`) +
      '</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Where an edge's label goes: the middle of a straight edge, the apex of a bent one. */
function labelAt(d: string): [number, number] {
  const n = (d.match(/-?[\d.]+/g) ?? []).map(Number);
  if (n.length === 6) { // M x1,y1 Q cx,cy x2,y2: the curve's midpoint
    return [Math.round(0.25 * n[0]! + 0.5 * n[2]! + 0.25 * n[4]! + 3), Math.round(0.25 * n[1]! + 0.5 * n[3]! + 0.25 * n[5]!)];
  }
  return [Math.round(((n[0] ?? 0) + (n[2] ?? 0)) / 2 + 4), Math.round(((n[1] ?? 0) + (n[3] ?? 0)) / 2 - 3)];
}
function labelX(d: string): number { return labelAt(d)[0]; }
function labelY(d: string): number { return labelAt(d)[1]; }
