// A plain-object copy of a tree-sitter subtree: outlives the WASM tree, and is cheap to walk from JS.
import type { Node as TSNode } from 'web-tree-sitter';
import { Lines, Walker } from './walker';
import type { SourceRange } from '../types';

export interface Ast {
  type: string;
  /** the field name this node has in its parent (condition, consequence, function, ...) */
  field?: string;
  /** operator text for binary/unary/update/assignment expressions */
  op?: string;
  /** text, for leaves (identifiers, numbers, strings, field names) */
  text?: string;
  start: number;
  end: number;
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  children: Ast[];
}

const OPERATOR_PARENTS = new Set([
  'binary_expression', 'unary_expression', 'update_expression', 'assignment_expression',
  'pointer_expression', 'field_expression',
]);

/** toAst - copy @node and its named descendants (plus operators) in one walk of the tree. */
export function toAst(node: TSNode, source: string, lines: Lines = new Lines(source)): Ast {
  const w = new Walker(node, node.tree.language);
  try {
    return copyAt(w, source, lines);
  } finally {
    w.close();
  }
}

/** copyAt - the subtree at the walker's position (the walker ends where it started). */
export function copyAt(w: Walker, source: string, lines: Lines): Ast {
  return copy(w, source, lines, w.type, undefined);
}

function copy(w: Walker, source: string, lines: Lines, type: string, field: string | undefined): Ast {
  const start = w.start;
  const end = w.end;
  const startLine = lines.line(start);
  const endLine = lines.line(end);
  const node: Ast = {
    type,
    start,
    end,
    startLine,
    startCol: lines.column(start, startLine),
    endLine,
    endCol: lines.column(end, endLine),
    children: [],
  };
  if (field) node.field = field;
  if (w.firstChild()) {
    do {
      const t = w.type;
      if (w.named) {
        node.children.push(copy(w, source, lines, t, w.field ?? undefined));
      } else if (OPERATOR_PARENTS.has(type) && (type === 'field_expression' || w.field === 'operator')) {
        // field_expression's `->` / `.` are anonymous but tell pointer from member access.
        node.op = t;
      } else if (type === 'update_expression' || type === 'pointer_expression') {
        node.op = t;
      }
    } while (w.nextSibling());
    w.parent();
  }
  if (node.children.length === 0) node.text = source.slice(start, end);
  return node;
}

/** The child in @field, if any. */
export function child(n: Ast, field: string): Ast | undefined {
  return n.children.find((c) => c.field === field);
}

export function childrenOf(n: Ast, field: string): Ast[] {
  return n.children.filter((c) => c.field === field);
}

export function textOf(n: Ast, source: string): string {
  return source.slice(n.start, n.end);
}

export function rangeOf(n: Ast): SourceRange {
  return {
    start: { line: n.startLine, column: n.startCol },
    end: { line: n.endLine, column: n.endCol },
    startIndex: n.start,
    endIndex: n.end,
  };
}

/** Depth-first visit of @n and its descendants. */
export function walk(n: Ast, visit: (n: Ast) => boolean | void): void {
  if (visit(n) === false) return;
  for (const c of n.children) walk(c, visit);
}
