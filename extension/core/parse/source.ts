// One C file through the front end: neutralise, parse, and extract its function definitions and mapped calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node as TSNode, Tree } from 'web-tree-sitter';
import { Ast, copyAt, toAst, walk } from './ast';
import { Lines, Walker } from './walker';
import { buildCfg, Cfg, functionName } from './cfg';
import { neutralize, Neutralized } from './neutralize';
import { cParser, query } from './parser';
import { lookupOperation, isLogging } from '../mapping/api';
import type { AnalysisNote, SourceRange } from '../types';

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
  /** the body as plain objects: built on first use (see astOf), or at once for files kept for editing */
  ast?: Ast;
  calls: MappedCall[];
  isStatic: boolean;
  /** built on first use */
  cfg?: Cfg;
  /** identity for re-using analysis results (memo.ts); cleared when a call's mapping changes */
  print?: string;
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
  /** names of every function the file declares with a prototype, inside #if blocks too */
  declared: Set<string>;
  /** the tree, while the workspace keeps it for incremental edits (bodies are read from it on demand) */
  tree?: Tree;
  /** definitions nested deeper than MAX_NESTING: left out of `functions`, never simulated */
  tooDeep?: TooDeep[];
}

/** A function definition left out of the analysis because its body nests too deep. */
export interface TooDeep {
  /** the function's name; none for a declaration or a definition whose name could not be read */
  name?: string;
  /** 0-based line of the definition */
  line: number;
  /** 0-based line where it ends */
  endLine?: number;
  /** levels of the syntax tree below the definition */
  depth: number;
}

/**
 * Levels of syntax tree a function body may nest (tree-sitter's nodes, tokens included). Copying,
 * CFG building and interpretation recurse on the tree; a body nested deeper (100,000 parentheses
 * or `if`s in a hostile patch) would exhaust the stack, so it is reported and not analysed. Kernel
 * functions stay far below this.
 */
export const MAX_NESTING = 256;

/** parseNotes - what parsing left out of @files (functions nested too deeply), as analysis notes */
export function parseNotes(files: Iterable<ParsedFile>, only?: Set<string>): AnalysisNote[] {
  const out: AnalysisNote[] = [];
  for (const f of files) {
    if (only && !only.has(f.path)) continue;
    for (const d of f.tooDeep ?? []) {
      out.push({
        file: f.path, line: d.line + 1, ...(d.name ? { function: d.name } : {}),
        message: `${d.name ? `${d.name}() is` : 'a declaration is'} too deeply nested (${d.depth} levels), not analysed`,
      });
    }
  }
  return out;
}

/** Characters from which a file-level declaration (a table, an initializer) is measured too. */
const LARGE_DECLARATION = 4096;

/*
 * The text outside @zones (sorted, disjoint), as ranges for the calls query. Its range options
 * count bytes of the UTF-16 text the parser was given, two per character (hence the `* 2`).
 */
function gaps(zones: { start: number; end: number }[], length: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = 0;
  for (const z of [...zones].sort((a, b) => a.start - b.start)) {
    if (z.start > at) out.push({ start: at, end: z.start });
    at = Math.max(at, z.end);
  }
  if (at < length) out.push({ start: at, end: length });
  return out;
}

let queryText: { calls: string; defs: string } | undefined;

export function queries(): { calls: string; defs: string } {
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
  known: (name: string) => boolean = () => false, reuse?: Map<number, FunctionDef>, kept?: Tree): ParsedFile {
  const root = tree.rootNode;
  const q = queries();
  const lines = new Lines(neutral.text);
  const functions: FunctionDef[] = [];
  const reused = new Set<FunctionDef>();
  const tooDeep: TooDeep[] = [];
  // Prototypes tell the era of the API when the body lives elsewhere (include/linux/iommu.h).
  const prototypes = new Map<string, string>();
  // Prototypes inside #if/#ifdef blocks: a header that declares a function in one branch and
  // defines a static inline stub of it in the other.
  const conditional = new Map<string, string>();
  // Top-level nodes nested too deep: never copied or simulated, and kept out of the calls query,
  // whose in-progress matches grow with the nesting of calls (quadratic on `f(f(f(…)))`).
  const deepZones: { start: number; end: number }[] = [];
  const tooDeepAt = (w: Walker, name?: string): boolean => {
    if (nestingDepth(w, MAX_NESTING) <= MAX_NESTING) return false;
    deepZones.push({ start: w.start, end: w.end });
    tooDeep.push({ name, line: lines.line(w.start), endLine: lines.line(w.end), depth: nestingDepth(w, Infinity) });
    return true;
  };
  topLevel(root, (w, depth) => {
    const type = w.type;
    if (type !== 'function_definition') {
      // Only a large declaration can nest deep enough to cost the query anything.
      if (w.end - w.start >= LARGE_DECLARATION && tooDeepAt(w)) return false;
      if (type === 'declaration') prototypeAt(w, neutral.text, depth === 0 ? prototypes : conditional);
      return false;
    }
    const start = w.start;
    const end = w.end;
    // An unchanged function keeps its extraction: same place, same text (hence same name).
    const cached = reuse?.get(start);
    if (cached && cached.range.endIndex === end && cached.text === neutral.text.slice(start, end)) {
      functions.push(cached);
      reused.add(cached);
      return false;
    }
    const { name, isStatic } = definitionAt(w, neutral.text);
    if (!name) {
      tooDeepAt(w);
      return false;
    }
    if (tooDeepAt(w, name)) return false;
    const fn: FunctionDef = { name, file: path, range: rangeAt(start, end, lines), text: neutral.text.slice(start, end), calls: [], isStatic };
    functions.push(fn);
    return false;
  });
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
  const callMatches = reused.size > 0
    ? fresh.flatMap((f) => query(q.calls).matches(root, {
      startPosition: { row: f.range.start.line, column: f.range.start.column },
      endPosition: { row: f.range.end.line, column: f.range.end.column },
    }))
    : deepZones.length === 0 ? query(q.calls).matches(root)
      : gaps(deepZones, neutral.text.length).flatMap((g) => query(q.calls).matches(root, { startIndex: g.start * 2, endIndex: g.end * 2 }));
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
    const line = lines.line(site.start);
    const column = lines.column(site.start, line);
    fn.calls.push({
      name: site.name, field: false, op: 'lock.scope',
      range: { start: { line, column }, end: { line, column: column + site.name.length }, startIndex: site.start, endIndex: site.end },
    });
  }
  const declared = new Set([...prototypes.keys(), ...conditional.keys()]);
  const parsed: ParsedFile = { path, text, neutral, functions, errors: countErrors(root), prototypes, declared, tree: kept };
  if (tooDeep.length) parsed.tooDeep = tooDeep;
  return parsed;
}

function rangeAt(start: number, end: number, lines: Lines): SourceRange {
  const sl = lines.line(start);
  const el = lines.line(end);
  return { start: { line: sl, column: lines.column(start, sl) }, end: { line: el, column: lines.column(end, el) }, startIndex: start, endIndex: end };
}

/**
 * topLevel - visit the nodes at file level (function definitions, declarations, type definitions…),
 * including those inside #if/#ifdef blocks (the nodes grammars/queries/definitions.scm captures),
 * without walking function bodies. @visit sees the walker on the node and its nesting; true stops the walk.
 * The walk keeps its place in the cursor, not on the stack: #if blocks may nest arbitrarily deep.
 */
function topLevel(root: TSNode, visit: (w: Walker, depth: number) => boolean): void {
  const w = new Walker(root, root.tree.language);
  try {
    if (!w.firstChild()) return;
    let depth = 0;
    for (;;) {
      let enter = false;
      if (w.named) {
        const t = w.type;
        if (t.startsWith('preproc_') || t === 'linkage_specification' || t === 'declaration_list' || t === 'ERROR') enter = true;
        else if (visit(w, depth)) return;
      }
      if (enter && w.firstChild()) {
        depth++;
        continue;
      }
      while (!w.nextSibling()) {
        if (depth === 0) return;
        w.parent();
        depth--;
      }
    }
  } finally {
    w.close();
  }
}

/**
 * nestingDepth - levels of the tree below the walker's node, counted with the cursor (no recursion),
 * or @limit + 1 as soon as it is known to be deeper than @limit. The walker ends where it started.
 */
export function nestingDepth(w: Walker, limit: number): number {
  let depth = 0;
  let max = 0;
  for (;;) {
    if (w.firstChild()) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) {
          while (depth-- > 0) w.parent();
          return limit + 1;
        }
      }
      continue;
    }
    for (;;) {
      if (depth === 0) return max;
      if (w.nextSibling()) break;
      w.parent();
      depth--;
    }
  }
}

/** Moves to the first named child; false (and unmoved) if there is none. */
function firstNamed(w: Walker): boolean {
  if (!w.firstChild()) return false;
  do if (w.named) return true;
  while (w.nextSibling());
  w.parent();
  return false;
}

/** The name and linkage of the function_definition at the walker; the walker ends where it started. */
function definitionAt(w: Walker, src: string): { name?: string; isStatic: boolean } {
  let isStatic = false;
  if (w.firstChild()) {
    do if (w.type === 'storage_class_specifier' && src.slice(w.start, w.end) === 'static') isStatic = true;
    while (w.nextSibling());
    w.parent();
  }
  let depth = 0;
  let name: string | undefined;
  if (w.fieldChild('declarator')) {
    depth++;
    let found = true;
    while (w.type !== 'function_declarator') {
      if (w.fieldChild('declarator') || firstNamed(w)) depth++;
      else {
        found = false;
        break;
      }
    }
    if (found && w.fieldChild('declarator')) {
      depth++;
      if (w.type === 'identifier') name = src.slice(w.start, w.end);
    }
  }
  while (depth-- > 0) w.parent();
  return { name, isStatic };
}

/** `void iommu_report_device_fault(...);` at file level -> prototypes["iommu_report_device_fault"] = "void". */
function prototypeAt(w: Walker, src: string, prototypes: Map<string, string>): void {
  let type: string | undefined;
  if (w.fieldChild('type')) {
    type = src.slice(w.start, w.end);
    w.parent();
  }
  if (!w.fieldChild('declarator')) return;
  let depth = 1;
  let ptr = 0;
  let ok = true;
  while (w.type === 'pointer_declarator') {
    ptr++;
    if (!w.fieldChild('declarator')) {
      ok = false;
      break;
    }
    depth++;
  }
  if (ok && w.type === 'function_declarator' && w.fieldChild('declarator')) {
    depth++;
    const id: string = w.type;
    if (id === 'identifier' && type !== undefined) prototypes.set(src.slice(w.start, w.end), type + (ptr ? ' *' : ''));
  }
  while (depth-- > 0) w.parent();
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
  if (!fn.cfg) fn.cfg = buildCfg(astOf(fn, file), file.neutral.sites);
  return fn.cfg;
}

/*
 * Bodies are copied out of the tree only for files something simulates: most of a workspace is
 * never looked at, and its trees are not kept. The first body asked for copies every body of its
 * file in one walk (callers and callees tend to live together), from the tree the workspace keeps
 * for an edited file or from a fresh parse that is freed at once.
 */
/** astOf - the body of @fn as plain objects. */
export function astOf(fn: FunctionDef, file: ParsedFile): Ast {
  if (fn.ast) return fn.ast;
  const missing = new Map<number, FunctionDef>();
  for (const f of file.functions) if (!f.ast) missing.set(f.range.startIndex, f);
  missing.set(fn.range.startIndex, fn);
  const tree = file.tree ?? cParser().parse(file.neutral.text);
  if (!tree) throw new Error(`${file.path}: the parser gave no tree`);
  try {
    const lines = new Lines(file.neutral.text);
    topLevel(tree.rootNode, (w) => {
      const f = w.type === 'function_definition' ? missing.get(w.start) : undefined;
      if (f && f.range.endIndex === w.end) {
        f.ast = copyAt(w, file.neutral.text, lines);
        missing.delete(w.start);
      }
      return missing.size === 0;
    });
  } finally {
    if (tree !== file.tree) tree.delete();
  }
  if (!fn.ast) throw new Error(`${file.path}: ${fn.name} is no longer where the index has it`);
  return fn.ast;
}

export { functionName };

/**
 * fingerprint - the identity of a definition for re-using analysis results (memo.ts): where it is,
 * its text, and how its calls are mapped. Here, below both the index and the memo, so neither
 * imports the other.
 */
export function fingerprint(fn: FunctionDef): string {
  fn.print ??= `${fn.file}\0${fn.text}\0${fn.calls.map((c) => c.op).join(',')}`;
  return fn.print;
}

const facts = new WeakMap<ParsedFile, Map<string, unknown>>();

/**
 * fileFact - what @compute reads from one parsed file, kept with it: a file's text never changes
 * (an edit makes a new ParsedFile), so whole-tree questions asked at every analysis (the era, the
 * interrupt handlers) cost one scan per file that changed.
 */
export function fileFact<T>(f: ParsedFile, key: string, compute: () => T): T {
  let m = facts.get(f);
  if (!m) facts.set(f, (m = new Map()));
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/**
 * Whether the definition starting at @start of @text is declared inline: `static inline`,
 * `static __always_inline`, or a macro that says so (`__FORTIFY_INLINE void *kmemdup(…)`).
 */
export function isInlineDefinition(text: string, start: number): boolean {
  const head = text.slice(start, start + 300);
  const paren = head.indexOf('(');
  // What stands before the function's name.
  const prefix = (paren < 0 ? head : head.slice(0, paren)).replace(/\w+\s*$/, '');
  return /inline/i.test(prefix);
}

/**
 * expressionAst - @text parsed as one C expression (a macro's expansion), every node placed at
 * @at and given its own text through @named: undefined when it does not parse as one.
 */
export function expressionAst(text: string, at: Ast, named?: (n: Ast, text: string) => void): Ast | undefined {
  const src = `void __expansion(void) { (${text}); }`;
  const tree = cParser().parse(src);
  if (!tree) return undefined;
  try {
    if (tree.rootNode.hasError) return undefined;
    const body = tree.rootNode.namedChildren[0]?.childForFieldName('body');
    const stmt = body?.namedChildren[0];
    const expr = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (!expr || body!.namedChildren.length !== 1) return undefined;
    const ast = toAst(expr, src);
    walk(ast, (n) => {
      named?.(n, src.slice(n.start, n.end).replace(/\s+/g, ' '));
      n.start = at.start;
      n.end = at.end;
      n.startLine = at.startLine;
      n.startCol = at.startCol;
      n.endLine = at.endLine;
      n.endCol = at.endCol;
    });
    return ast;
  } finally {
    tree.delete();
  }
}
