// A plain-object copy of a tree-sitter subtree: outlives the WASM tree, and is cheap to walk from JS.
import type { Node as TSNode, TreeCursor } from 'web-tree-sitter';
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

/** toAst - copy @node and its named descendants (plus operators) using one cursor walk. */
export function toAst(node: TSNode, source: string): Ast {
  const cursor = node.walk();
  try {
    return copy(cursor, source, undefined);
  } finally {
    cursor.delete();
  }
}

function copy(cursor: TreeCursor, source: string, field: string | undefined): Ast {
  const sp = cursor.startPosition;
  const ep = cursor.endPosition;
  const node: Ast = {
    type: cursor.nodeType,
    start: cursor.startIndex,
    end: cursor.endIndex,
    startLine: sp.row,
    startCol: sp.column,
    endLine: ep.row,
    endCol: ep.column,
    children: [],
  };
  if (field) node.field = field;
  if (cursor.gotoFirstChild()) {
    do {
      if (cursor.nodeIsNamed) {
        node.children.push(copy(cursor, source, cursor.currentFieldName ?? undefined));
      } else if (OPERATOR_PARENTS.has(node.type) && (cursor.currentFieldName === 'operator' || node.type === 'field_expression')) {
        // field_expression's `->` / `.` are anonymous but tell pointer from member access.
        node.op = cursor.nodeType;
      } else if (node.type === 'update_expression' || node.type === 'pointer_expression') {
        node.op = cursor.nodeType;
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  if (node.children.length === 0) node.text = source.slice(node.start, node.end);
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
