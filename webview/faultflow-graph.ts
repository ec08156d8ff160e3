// The IOPF/SVA/iommufd lifecycle as a small hand-laid graph, the trace-to-node mapping and a pure SVG renderer.
//
// Pure (no DOM, no vscode): the sidebar webview draws renderFlowSvg()'s text and the tests read
// the same text. A fixed hand layout keeps the picture stable from path to path, which is what
// lets a reviewer see *which* edges a path takes; an automatic layout would move boxes around.

export interface FlowNode {
  id: string;
  label: string;
  /** the kernel function or object the box stands for, shown as a second line */
  sub: string;
  lane: 'iopf' | 'sva' | 'iommufd';
  col: number;
  row: number;
}

export interface FlowEdge {
  from: string;
  to: string;
  label?: string;
  /** curve the edge out to the left (negative) or right (positive) so it does not run over the boxes between its ends */
  bend?: number;
}

export const FLOW_NODES: readonly FlowNode[] = [
  // IOPF core: enable -> report -> partial | group -> handler -> response -> free
  { id: 'enable', label: 'enable', sub: 'iopf_queue_add_device', lane: 'iopf', col: 0, row: 0 },
  { id: 'report', label: 'report', sub: 'iommu_report_device_fault', lane: 'iopf', col: 0, row: 1 },
  { id: 'partial', label: 'partial', sub: 'iopf_fault on partial list', lane: 'iopf', col: 1, row: 1 },
  { id: 'group', label: 'group', sub: 'iopf_group', lane: 'iopf', col: 0, row: 2 },
  { id: 'handler', label: 'handler', sub: 'domain->iopf_handler', lane: 'iopf', col: 0, row: 3 },
  { id: 'response', label: 'response', sub: 'iopf_group_response', lane: 'iopf', col: 0, row: 4 },
  { id: 'free', label: 'free', sub: 'iopf_free_group', lane: 'iopf', col: 0, row: 5 },
  { id: 'discard', label: 'discard', sub: 'iopf_queue_discard_partial', lane: 'iopf', col: 1, row: 2 },
  { id: 'flush', label: 'flush', sub: 'iopf_queue_flush_dev', lane: 'iopf', col: 1, row: 3 },
  { id: 'remove', label: 'remove', sub: 'iopf_queue_remove_device', lane: 'iopf', col: 1, row: 4 },
  // SVA: bind -> domain -> attach handle -> PASID
  { id: 'bind', label: 'SVA bind', sub: 'iommu_sva_bind_device', lane: 'sva', col: 2, row: 0 },
  { id: 'domain', label: 'domain', sub: 'SVA iommu_domain', lane: 'sva', col: 2, row: 1 },
  { id: 'attach', label: 'attach handle', sub: 'iommu_attach_handle', lane: 'sva', col: 2, row: 2 },
  { id: 'pasid', label: 'PASID', sub: 'iommu_attach_device_pasid', lane: 'sva', col: 2, row: 3 },
  { id: 'unbind', label: 'unbind', sub: 'iommu_sva_unbind_device', lane: 'sva', col: 2, row: 4 },
  // iommufd: deliver -> read -> respond
  { id: 'deliver', label: 'deliver', sub: 'iommufd_fault_iopf_handler', lane: 'iommufd', col: 1, row: 5 },
  { id: 'read', label: 'read', sub: 'fault fops read', lane: 'iommufd', col: 2, row: 6 },
  { id: 'respond', label: 'respond', sub: 'fault fops write', lane: 'iommufd', col: 1, row: 6 },
];

export const FLOW_EDGES: readonly FlowEdge[] = [
  { from: 'enable', to: 'report' },
  { from: 'report', to: 'partial', label: 'not last' },
  { from: 'report', to: 'group', label: 'last page' },
  { from: 'partial', to: 'group', label: 'collected' },
  { from: 'partial', to: 'discard' },
  { from: 'group', to: 'handler' },
  { from: 'handler', to: 'response' },
  { from: 'report', to: 'response', label: 'no handler', bend: -1 },
  { from: 'response', to: 'free' },
  { from: 'handler', to: 'flush', label: 'waits' },
  { from: 'remove', to: 'response', label: 'INVALID' },
  { from: 'enable', to: 'remove' },
  { from: 'bind', to: 'domain' },
  { from: 'domain', to: 'attach' },
  { from: 'attach', to: 'pasid' },
  { from: 'pasid', to: 'unbind' },
  { from: 'unbind', to: 'flush', label: 'before PASID free' },
  { from: 'handler', to: 'deliver', label: 'iommufd domain' },
  { from: 'deliver', to: 'read' },
  { from: 'read', to: 'respond' },
  { from: 'respond', to: 'response' },
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
  [/iommufd_fault_fops_write|iommufd_auto_response|auto.?respon/, 'respond'],
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

export const LAYOUT = { colW: 150, rowH: 58, boxW: 138, boxH: 38, margin: 12, gutter: 30 } as const;

export function layoutNode(n: FlowNode): Box {
  return {
    x: LAYOUT.gutter + n.col * LAYOUT.colW,
    y: LAYOUT.margin + n.row * LAYOUT.rowH,
    w: LAYOUT.boxW,
    h: LAYOUT.boxH,
  };
}

/**
 * A bent edge: leaves and enters the boxes on the side it bends to, and curves outside the
 * column so that the boxes between its ends stay readable.
 */
export function bentEdgePath(a: Box, b: Box, bend: number): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  const side = (box: Box) => (bend < 0 ? box.x : box.x + box.w);
  const x1 = side(a), y1 = a.y + a.h / 2, x2 = side(b), y2 = b.y + b.h / 2;
  const cx = (bend < 0 ? Math.min(x1, x2) : Math.max(x1, x2)) + bend * 2 * (LAYOUT.gutter - 4);
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

/** The whole diagram as SVG text; highlighted nodes and edges carry the class `hl`. */
export function renderFlowSvg(visited: readonly string[], current?: string): string {
  const byId = new Map(FLOW_NODES.map((n) => [n.id, n]));
  const hlEdges = highlightedEdges(visited);
  const hlNodes = new Set<string>();
  for (const k of hlEdges) { const [a, b] = k.split('->'); hlNodes.add(a!); hlNodes.add(b!); }
  for (const n of visited) if (byId.has(n)) hlNodes.add(n);
  const cols = Math.max(...FLOW_NODES.map((n) => n.col)) + 1;
  const rows = Math.max(...FLOW_NODES.map((n) => n.row)) + 1;
  const width = LAYOUT.gutter * 2 + (cols - 1) * LAYOUT.colW + LAYOUT.boxW;
  const height = LAYOUT.margin * 2 + (rows - 1) * LAYOUT.rowH + LAYOUT.boxH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="flow" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="IOPF fault flow">`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>' +
    '<marker id="arrow-hl" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead hl"/></marker></defs>');
  // Edges first so boxes sit on top of them.
  for (const e of FLOW_EDGES) {
    const a = byId.get(e.from)!, b = byId.get(e.to)!;
    const key = edgeKey(e.from, e.to);
    const hl = hlEdges.has(key);
    const d = e.bend ? bentEdgePath(layoutNode(a), layoutNode(b), e.bend) : edgePath(layoutNode(a), layoutNode(b));
    parts.push(`<g class="edge${hl ? ' hl' : ''}" data-edge="${escapeXml(key)}"><path d="${d}" marker-end="url(#${hl ? 'arrow-hl' : 'arrow'})"/>` +
      (e.label ? `<text class="edge-label" x="${labelX(d)}" y="${labelY(d)}">${escapeXml(e.label)}</text>` : '') + '</g>');
  }
  for (const n of FLOW_NODES) {
    const b = layoutNode(n);
    const hl = hlNodes.has(n.id);
    parts.push(`<g class="node lane-${n.lane}${hl ? ' hl' : ''}${n.id === current ? ' current' : ''}" data-node="${escapeXml(n.id)}">` +
      `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/>` +
      `<text class="label" x="${b.x + b.w / 2}" y="${b.y + 16}">${escapeXml(n.label)}</text>` +
      `<text class="sub" x="${b.x + b.w / 2}" y="${b.y + 31}">${escapeXml(n.sub)}</text></g>`);
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
