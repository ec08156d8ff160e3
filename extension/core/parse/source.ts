// One C file through the front end: neutralise, parse, and extract its function definitions and mapped calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node as TSNode, Tree } from 'web-tree-sitter';
import { Ast, toAst, rangeOf } from './ast';
import { buildCfg, Cfg, functionName } from './cfg';
import { neutralize, Neutralized } from './neutralize';
import { cParser, query } from './parser';
import { lookupOperation, isLogging } from '../mapping/api';
import type { SourceRange } from '../types';

export interface MappedCall {
  /** the called name: `kfree`, or the field of `ops->page_response` */
  name: string;
  field: boolean;
  /** model operation (`iopf.respond`, `lock.acquire`), `workspace` for a body we have, or `unknown` */
  op: string;
  range: SourceRange;
}

export interface FunctionDef {
  name: string;
  file: string;
  range: SourceRange;
  /** text of the definition, for change detection */
  text: string;
  ast: Ast;
  calls: MappedCall[];
  isStatic: boolean;
  /** built on first use */
  cfg?: Cfg;
}

export interface ParsedFile {
  path: string;
  text: string;
  neutral: Neutralized;
  functions: FunctionDef[];
  /** ERROR and MISSING nodes in the tree */
  errors: number;
  /** declarations seen at file level: `void iommu_report_device_fault(...)` -> "void" (era detection) */
  prototypes: Map<string, string>;
}

let queryText: { calls: string; defs: string } | undefined;

function queries(): { calls: string; defs: string } {
  if (!queryText) {
    const dirs = [join(__dirname, 'grammars', 'queries'), join(__dirname, '..', '..', '..', 'grammars', 'queries'),
      join(__dirname, '..', 'grammars', 'queries')];
    for (const d of dirs) {
      try {
        queryText = { calls: readFileSync(join(d, 'calls.scm'), 'utf8'), defs: readFileSync(join(d, 'definitions.scm'), 'utf8') };
        break;
      } catch {
        // try the next location
      }
    }
    if (!queryText) throw new Error('grammars/queries/calls.scm not found next to the bundle');
  }
  return queryText;
}

/** countErrors - ERROR and MISSING nodes below @node. */
export function countErrors(node: TSNode): number {
  if (!node.hasError) return 0;
  let n = 0;
  const cursor = node.walk();
  let done = false;
  while (!done) {
    const t = cursor.currentNode;
    if (t.isError || t.isMissing) n++;
    if (t.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  cursor.delete();
  return n;
}

export function classify(name: string, field: boolean, known: (name: string) => boolean): string {
  const entry = lookupOperation(name, field);
  if (entry) return entry.op;
  if (!field && known(name)) return 'workspace';
  if (!field && isLogging(name)) return 'log';
  return 'unknown';
}

/**
 * extract - function definitions and mapped calls of a parsed tree.
 * @known: whether a name has a body somewhere in the workspace (for `workspace` vs `unknown`).
 */
export function extract(path: string, text: string, neutral: Neutralized, tree: Tree,
  known: (name: string) => boolean = () => false, reuse?: Map<string, FunctionDef>): ParsedFile {
  const root = tree.rootNode;
  const q = queries();
  const defs = definitions(root);
  void q.defs;
  const functions: FunctionDef[] = [];
  const reused = new Set<FunctionDef>();
  const prototypes = new Map<string, string>();
  for (const node of defs) {
    const defText = neutral.text.slice(node.startIndex, node.endIndex);
    const name = nameOf(node);
    if (!name) continue;
    const cached = reuse?.get(name);
    if (cached && cached.text === defText && cached.range.startIndex === node.startIndex) {
      functions.push(cached);
      reused.add(cached);
      continue;
    }
    const ast = toAst(node, neutral.text);
    const storage = node.children.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
    functions.push({ name, file: path, range: rangeOf(ast), text: defText, ast, calls: [], isStatic: storage });
  }
  // Prototypes tell the era of the API when the body lives elsewhere (include/linux/iommu.h).
  for (const child of root.namedChildren) {
    if (child?.type === 'declaration') {
      const decl = child.childForFieldName('declarator');
      const t = child.childForFieldName('type');
      let d: TSNode | null = decl;
      let ptr = 0;
      while (d && d.type === 'pointer_declarator') {
        ptr++;
        d = d.childForFieldName('declarator');
      }
      if (d?.type === 'function_declarator') {
        const id = d.childForFieldName('declarator');
        if (id?.type === 'identifier' && t) prototypes.set(id.text, t.text + (ptr ? ' *' : ''));
      }
    }
  }
  const byStart = functions.map((f) => f).sort((a, b) => a.range.startIndex - b.range.startIndex);
  const owner = (at: number): FunctionDef | undefined => {
    let lo = 0;
    let hi = byStart.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = byStart[mid];
      if (at < f.range.startIndex) hi = mid - 1;
      else if (at >= f.range.endIndex) lo = mid + 1;
      else return f;
    }
    return undefined;
  };
  // After an edit only the re-extracted functions need their calls; a query limited to their
  // ranges keeps the per-edit cost proportional to what changed.
  const fresh = functions.filter((f) => !reused.has(f));
  const callMatches = reused.size === 0
    ? query(q.calls).matches(root)
    : fresh.flatMap((f) => query(q.calls).matches(root, {
      startPosition: { row: f.range.start.line, column: f.range.start.column },
      endPosition: { row: f.range.end.line, column: f.range.end.column },
    }));
  for (const m of callMatches) {
    const nameCap = m.captures.find((c) => c.name === 'call.name' || c.name === 'call.field');
    if (!nameCap) continue;
    const callCap = m.captures.find((c) => c.name === 'call.direct' || c.name === 'call.indirect')!;
    const fn = owner(callCap.node.startIndex);
    if (!fn || reused.has(fn)) continue;
    const field = nameCap.name === 'call.field';
    const name = nameCap.node.text;
    const r = callCap.node;
    fn.calls.push({
      name,
      field,
      op: classify(name, field, known),
      range: {
        start: { line: r.startPosition.row, column: r.startPosition.column },
        end: { line: r.endPosition.row, column: r.endPosition.column },
        startIndex: r.startIndex,
        endIndex: r.endIndex,
      },
    });
  }
  // scoped_guard() was rewritten to `if (...)`: it is still a lock scope of its function.
  for (const site of neutral.sites.values()) {
    if (site.kind !== 'scoped_guard') continue;
    const fn = owner(site.start);
    if (!fn || reused.has(fn)) continue;
    const before = text.slice(0, site.start);
    const line = before.split('\n').length - 1;
    const column = site.start - (before.lastIndexOf('\n') + 1);
    fn.calls.push({
      name: site.name, field: false, op: 'lock.scope',
      range: { start: { line, column }, end: { line, column: column + site.name.length }, startIndex: site.start, endIndex: site.end },
    });
  }
  return { path, text, neutral, functions, errors: countErrors(root), prototypes };
}

/**
 * Function definitions at file level, including those inside #if/#ifdef blocks: the same nodes
 * grammars/queries/definitions.scm captures, found without walking function bodies.
 */
function definitions(root: TSNode): TSNode[] {
  const out: TSNode[] = [];
  const visit = (n: TSNode) => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'function_definition') out.push(c);
      else if (c.type.startsWith('preproc_') || c.type === 'linkage_specification' || c.type === 'declaration_list' || c.type === 'ERROR') visit(c);
    }
  };
  visit(root);
  return out;
}

function nameOf(def: TSNode): string | undefined {
  let d: TSNode | null = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator') ?? d.namedChild(0);
  const id = d?.childForFieldName('declarator');
  return id?.type === 'identifier' ? id.text : undefined;
}

/** parseSource - neutralise and parse @text; the tree is freed unless @keep is set. */
export function parseSource(path: string, text: string, known?: (name: string) => boolean): ParsedFile {
  const neutral = neutralize(text);
  const tree = cParser().parse(neutral.text);
  if (!tree) throw new Error(`${path}: the parser gave no tree`);
  try {
    return extract(path, text, neutral, tree, known);
  } finally {
    tree.delete();
  }
}

/** cfgOf - the control-flow graph of @fn, built once. */
export function cfgOf(fn: FunctionDef, file: ParsedFile): Cfg {
  if (!fn.cfg) fn.cfg = buildCfg(fn.ast, file.neutral.sites);
  return fn.cfg;
}

export { functionName };
