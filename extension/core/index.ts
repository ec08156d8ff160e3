// The workspace index: every function definition with its range, mapped calls and call graph,
// updated one file at a time on edit (tree.edit + incremental reparse, re-extracting only what changed).
import { Edit, type Tree } from 'web-tree-sitter';
import { cParser, loadLanguage } from './parse/parser';
import { neutralize } from './parse/neutralize';
import { extract, FunctionDef, ParsedFile, classify, cfgOf, fileFact, fingerprint } from './parse/source';
import { constantValue, containerMacros, exprMacros, listMacros, objectMacros, type ExprMacro, type ListMacro } from './parse/macros';
import { blockEnd } from './parse/args';
import type { Cfg } from './parse/cfg';
import type { SourceFile } from './types';

export interface IndexedFunction {
  name: string;
  file: string;
  /** 1-based */
  line: number;
  endLine: number;
  static: boolean;
  calls: { name: string; op: string; line: number; field: boolean }[];
}

/** A shift of every position after an edit: keeps unchanged functions without re-extracting them. */
function shiftFunction(fn: FunctionDef, dIndex: number, dLine: number): FunctionDef {
  if (dIndex === 0 && dLine === 0) return fn;
  const moveRange = (r: FunctionDef['range']) => {
    r.startIndex += dIndex;
    r.endIndex += dIndex;
    r.start.line += dLine;
    r.end.line += dLine;
  };
  const stack = fn.ast ? [fn.ast] : [];
  while (stack.length) {
    const n = stack.pop()!;
    n.start += dIndex;
    n.end += dIndex;
    n.startLine += dLine;
    n.endLine += dLine;
    for (const c of n.children) stack.push(c);
  }
  moveRange(fn.range);
  for (const c of fn.calls) moveRange(c.range);
  fn.cfg = undefined; // rebuilt on demand from the shifted AST
  return fn;
}

/**
 * What one unit of work (a function under its scenarios, a concurrent scenario) read of a workspace,
 * recorded while `Workspace.reads` holds it: enough to tell, on the same or another workspace, whether
 * the unit would read the same things again (memo.ts in an editor, cache/ across runs).
 */
export class ReadLog {
  /** `name\0fromFile` -> fingerprint of the definition the lookup found ('' for none) */
  readonly defs = new Map<string, string>();
  /** files whose parse the unit held: a definition's file, a file looked up by path */
  readonly files = new Set<string>();
  /** the unit walked the files themselves (every file, in order, may have mattered) */
  all = false;
  /** tree-wide questions (`kind\0args`, see Workspace.ask) -> their answers */
  readonly answers = new Map<string, unknown>();
  /** questions answered from caches the units share (Workspace.sharedAnswer), in the order asked -> their answers */
  readonly asked = new Map<string, unknown>();
  /** the unit read a cache every unit of the analysis shares, outside any question (Workspace.shared) */
  shared = false;
  /** above 0 while a tree-wide question is answered: what it reads is recorded as its answer */
  quiet = 0;
}

/** How to ask again each kind of question a module asks of the tree, by kind (replayable()). */
const replays = new Map<string, (ws: Workspace, args: (string | undefined)[]) => unknown>();

/** replayable - how the module that asks questions of @kind (Workspace.treeAnswer, sharedAnswer) asks one again. */
export function replayable(kind: string, ask: (ws: Workspace, args: (string | undefined)[]) => unknown): void {
  replays.set(kind, ask);
}

/** An argument not given, in a recorded question (names and paths never hold it). */
const UNSET = '\u0001';

/** A question as recorded: its kind and its arguments, NUL-separated. */
function question(kind: string, args: (string | undefined)[]): string {
  let k = kind;
  for (const a of args) k += `\0${a ?? UNSET}`;
  return k;
}

/** The kind and the arguments of a recorded question. */
function parseQuestion(q: string): [string, (string | undefined)[]] {
  const [kind, ...args] = q.split('\0');
  return [kind, args.map((a) => (a === UNSET ? undefined : a))];
}

/** The files of a workspace: a unit of work that looks one up or walks them is recorded in `ws.reads`. */
class FileMap extends Map<string, ParsedFile> {
  constructor(private readonly ws: { reads?: ReadLog }) {
    super();
  }

  private held(path: string): void {
    const log = this.ws.reads;
    if (log && !log.quiet) log.files.add(path);
  }

  private walked(): void {
    const log = this.ws.reads;
    if (log && !log.quiet) log.all = true;
  }

  override get(path: string): ParsedFile | undefined {
    this.held(path);
    return super.get(path);
  }

  override has(path: string): boolean {
    this.held(path);
    return super.has(path);
  }

  override get size(): number {
    this.walked();
    return super.size;
  }

  override keys(): MapIterator<string> {
    this.walked();
    return super.keys();
  }

  override values(): MapIterator<ParsedFile> {
    this.walked();
    return super.values();
  }

  override entries(): MapIterator<[string, ParsedFile]> {
    this.walked();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, ParsedFile]> {
    this.walked();
    return super[Symbol.iterator]();
  }

  override forEach(f: (v: ParsedFile, k: string, m: Map<string, ParsedFile>) => void, self?: unknown): void {
    this.walked();
    super.forEach(f, self);
  }
}

export class Workspace {
  readonly files: Map<string, ParsedFile> = new FileMap(this);
  /** trees kept for files being edited, so the next parse is incremental */
  private trees = new Map<string, Tree>();
  private defs = new Map<string, FunctionDef[]>();

  static async create(files: SourceFile[] = []): Promise<Workspace> {
    await loadLanguage();
    const ws = new Workspace();
    for (const f of files) ws.add(f.path, f.text);
    ws.reclassify();
    return ws;
  }

  /** Whether @name has a body anywhere in the workspace. */
  readonly known = (name: string): boolean => {
    const v = this.defs.has(name);
    // Asked at every call the machine evaluates: recorded without answer()'s closure.
    const log = this.reads;
    if (log && !log.quiet) {
      const k = `known\0${name}`;
      if (!log.answers.has(k)) log.answers.set(k, v);
    }
    return v;
  };

  /** add - parse a whole file (replacing what was there). @keepTree keeps its tree for incremental edits. */
  add(path: string, text: string, keepTree = false): ParsedFile {
    this.forget(path);
    const neutral = neutralize(text);
    const tree = cParser().parse(neutral.text);
    if (!tree) throw new Error(`${path}: the parser gave no tree`);
    const parsed = extract(path, text, neutral, tree, this.known, undefined, keepTree ? tree : undefined);
    if (keepTree) this.trees.set(path, tree);
    else tree.delete();
    this.remember(parsed);
    return parsed;
  }

  /**
   * update - apply a new text of an indexed file. The kept tree is edited and reparsed incrementally;
   * functions whose text did not change keep their extraction, shifted to their new place.
   */
  update(path: string, text: string): ParsedFile {
    const old = this.files.get(path);
    const oldTree = this.trees.get(path);
    if (!old || !oldTree) return this.add(path, text, true);
    const neutral = neutralize(text);
    // The edit is the span between the common prefix and the common suffix of the two texts.
    const a = old.neutral.text;
    const b = neutral.text;
    let p = 0;
    const max = Math.min(a.length, b.length);
    while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
    const oldEnd = a.length - s;
    const newEnd = b.length - s;
    const pos = (t: string, i: number) => {
      let row = 0;
      let last = -1;
      for (let k = 0; k < i; k++) {
        if (t.charCodeAt(k) === 10) {
          row++;
          last = k;
        }
      }
      return { row, column: i - last - 1 };
    };
    const startPosition = pos(a, p);
    const oldEndPosition = pos(a, oldEnd);
    const newEndPosition = pos(b, newEnd);
    oldTree.edit(new Edit({ startIndex: p, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition, oldEndPosition, newEndPosition }));
    const tree = cParser().parse(b, oldTree);
    oldTree.delete();
    if (!tree) throw new Error(`${path}: the parser gave no tree`);
    // Functions wholly after the edit move by the edit's size; wholly before it stay.
    const dIndex = newEnd - oldEnd;
    const dLine = newEndPosition.row - oldEndPosition.row;
    const reuse = new Map<number, FunctionDef>();
    for (const f of old.functions) {
      if (f.range.endIndex <= p) reuse.set(f.range.startIndex, f);
      else if (f.range.startIndex >= oldEnd && f.range.start.line > oldEndPosition.row) {
        const moved = shiftFunction(f, dIndex, dLine);
        reuse.set(moved.range.startIndex, moved);
      }
    }
    this.forget(path, false);
    const parsed = extract(path, text, neutral, tree, this.known, reuse, tree);
    this.trees.set(path, tree);
    this.remember(parsed);
    return parsed;
  }

  /** Drops a file (and its kept tree). */
  forget(path: string, freeTree = true): void {
    const old = this.files.get(path);
    if (old) {
      old.tree = undefined;
      for (const f of old.functions) {
        const list = this.defs.get(f.name)?.filter((d) => d !== f) ?? [];
        if (list.length) this.defs.set(f.name, list);
        else this.defs.delete(f.name);
      }
      this.files.delete(path);
      this.macroIndex = undefined;
      this.generation++;
    }
    if (freeTree) {
      this.trees.get(path)?.delete();
      this.trees.delete(path);
    }
  }

  private remember(parsed: ParsedFile): void {
    this.files.set(parsed.path, parsed);
    this.macroIndex = undefined;
    this.generation++;
    for (const f of parsed.functions) {
      // A header that declares a function in one #if branch and defines an empty static inline of
      // it in the other (`#else static inline void iopf_group_response(...) {}`) gives the body of
      // a configuration the tree is not built in: the function keeps its contract, or stays unknown.
      if (/\.h$/.test(parsed.path) && f.isStatic && parsed.declared.has(f.name)) continue;
      const list = this.defs.get(f.name) ?? [];
      list.push(f);
      this.defs.set(f.name, list);
    }
  }

  /** name -> value of the object-like macros of every file, the first file's where several define one */
  private macroIndex?: Map<string, string>;
  /** Changes each time a file is added, replaced or dropped: facts about the whole tree are read again. */
  generation = 0;
  /** constant values of macros already read, by file (undefined: not a constant) */
  private constants = new Map<string, Map<string, number | undefined>>();

  /**
   * The value of the object-like macro @name as an integer seen from @fromFile (its own #define
   * first, then any other file's, a header's), when its value is a constant expression.
   */
  macroConstant(name: string, fromFile: string): number | undefined {
    return this.answer('macroConstant', [name, fromFile], () => this.constantOf(name, fromFile));
  }

  private constantOf(name: string, fromFile: string): number | undefined {
    if (!this.macroIndex) {
      this.macroIndex = new Map();
      this.constants.clear();
      for (const f of this.files.values()) {
        for (const [k, v] of fileFact(f, 'object macros', () => objectMacros(f.text))) if (!this.macroIndex.has(k)) this.macroIndex.set(k, v);
      }
    }
    let cache = this.constants.get(fromFile);
    if (!cache) this.constants.set(fromFile, (cache = new Map()));
    if (cache.has(name)) return cache.get(name);
    const own = this.files.get(fromFile);
    const mine = own ? fileFact(own, 'object macros', () => objectMacros(own.text)) : undefined;
    const lookup = (n: string) => mine?.get(n) ?? this.macroIndex!.get(n);
    const text = lookup(name);
    const v = text === undefined ? undefined : constantValue(text, lookup);
    const n = v !== undefined && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
    cache.set(name, n);
    return n;
  }

  /** Per kind of function-like macro: every file's definitions, first one of a name wins, for one generation. */
  private macroTables = new Map<string, { generation: number; macros: Map<string, unknown> }>();

  /** A function-like macro of kind @kind (read from a file's text by @read), its own file's first. */
  private treeMacro<T>(kind: string, read: (text: string) => Map<string, T>, name: string, fromFile?: string): T | undefined {
    return this.answer(kind, [name, fromFile], () => this.macroOf(kind, read, name, fromFile));
  }

  private macroOf<T>(kind: string, read: (text: string) => Map<string, T>, name: string, fromFile?: string): T | undefined {
    const own = fromFile ? this.files.get(fromFile) : undefined;
    const mine = own ? fileFact(own, kind, () => read(own.text)).get(name) : undefined;
    if (mine) return mine;
    let table = this.macroTables.get(kind);
    if (!table || table.generation !== this.generation) {
      const macros = new Map<string, T>();
      for (const f of this.files.values()) {
        for (const [k, v] of fileFact(f, kind, () => read(f.text))) if (!macros.has(k)) macros.set(k, v);
      }
      this.macroTables.set(kind, (table = { generation: this.generation, macros }));
    }
    return table.macros.get(name) as T | undefined;
  }

  /**
   * containerMacro - a function-like macro of the tree that is container_of() of its one argument
   * (`confdev_to_idxd_dev(dev)`): the container's struct type and the member the argument is. Its own
   * file's definition first.
   */
  containerMacro(name: string, fromFile?: string): { type: string; member: string } | undefined {
    return this.treeMacro('container macros', containerMacros, name, fromFile);
  }

  /** exprMacro - a function-like macro of the tree whose body is one expression (`user_ctx_dev(ctx)`). Its own file's first. */
  exprMacro(name: string, fromFile?: string): ExprMacro | undefined {
    return this.treeMacro('expression macros', exprMacros, name, fromFile);
  }

  /** listMacro - a function-like macro of the tree that walks a list (`for_each_group_device()`). Its own file's first. */
  listMacro(name: string, fromFile?: string): ListMacro | undefined {
    return this.treeMacro('list macros', listMacros, name, fromFile);
  }

  private members?: { generation: number; types: Map<string, string> };

  /**
   * memberType - the struct a pointer member of struct @type points to, read from the tree's struct
   * definitions (`struct iommu_domain { const struct iommu_domain_ops *ops; ... }`).
   */
  memberType(type: string, member: string): string | undefined {
    return this.answer('memberType', [type, member], () => this.memberOf(type, member));
  }

  private memberOf(type: string, member: string): string | undefined {
    if (!this.members || this.members.generation !== this.generation) {
      const types = new Map<string, string>();
      for (const f of this.files.values()) {
        for (const [k, v] of fileFact(f, 'pointer members', () => pointerMembers(f.text))) if (!types.has(k)) types.set(k, v);
      }
      this.members = { generation: this.generation, types };
    }
    return this.members.types.get(`${type}.${member}`);
  }

  /** After a batch of adds: calls to functions defined later become `workspace` calls. */
  reclassify(): void {
    for (const file of this.files.values()) {
      for (const fn of file.functions) {
        for (const c of fn.calls) {
          if (c.op !== 'unknown' && c.op !== 'workspace') continue;
          const op = classify(c.name, c.field, this.known);
          if (op !== c.op) fn.print = undefined;
          c.op = op;
        }
      }
    }
  }

  /** While set, what a unit of work reads is written here (definition lookups, files, tree-wide answers). */
  reads?: ReadLog;

  /**
   * A tree-wide question (@kind of @args) answered by @find: recorded in `reads` as its answer, not as
   * the files read to find it, so a unit re-used elsewhere needs only the same answer (ask()).
   */
  private answer<T>(kind: string, args: (string | undefined)[], find: () => T, into: 'answers' | 'asked' = 'answers'): T {
    const log = this.reads;
    if (!log) return find();
    log.quiet++;
    let v: T;
    try {
      v = find();
    } finally {
      log.quiet--;
    }
    if (!log.quiet) {
      const k = question(kind, args);
      if (!log[into].has(k)) log[into].set(k, v);
    }
    return v;
  }

  /** ask - the answer of this workspace to a tree-wide question a ReadLog recorded (ReadLog.answers). */
  ask(q: string): unknown {
    const [kind, [a = '', b]] = parseQuestion(q);
    switch (kind) {
      case 'known': return this.known(a);
      case 'macroConstant': return this.macroConstant(a, b ?? '');
      case 'container macros': return this.containerMacro(a, b);
      case 'expression macros': return this.exprMacro(a, b);
      case 'list macros': return this.listMacro(a, b);
      case 'memberType': return this.memberType(a, b ?? '');
      case 'returnType': return this.returnType(a);
      case 'functions': return this.functions();
      case 'callGraph': return this.callGraph();
      default: return this.replay(q);
    }
  }

  /**
   * treeAnswer - the answer to the tree-wide question @kind of @args (replayable()), found by @find:
   * recorded as such (ReadLog.answers), not as the files read to find it.
   */
  treeAnswer<T>(kind: string, args: (string | undefined)[], find: () => T): T {
    return this.answer(kind, args, find);
  }

  /**
   * sharedAnswer - the answer to the question @kind of @args, found by @find with caches every unit
   * of an analysis shares (shared()). Recorded with its answer in the order asked (ReadLog.asked):
   * a unit re-used from elsewhere has its questions asked again in that order (replay()), which
   * leaves those caches as running the unit would have.
   */
  sharedAnswer<T>(kind: string, args: (string | undefined)[], find: () => T): T {
    return this.answer(kind, args, find, 'asked');
  }

  /** replay - asks again a question a ReadLog recorded in ReadLog.asked. */
  replay(q: string): unknown {
    const [kind, args] = parseQuestion(q);
    const ask = replays.get(kind);
    if (!ask) throw new Error(`no question ${kind}`);
    return ask(this, args);
  }

  private sharedCaches = new Map<string, { generation: number; value: unknown }>();

  /**
   * shared - the cache @name that every unit of an analysis shares (made by @make, made again when a
   * file changes). What it holds may depend on which units asked before: read it inside a
   * sharedAnswer(); a unit that reads it otherwise is marked so (ReadLog.shared) and is never re-used
   * on a workspace other than its own.
   */
  shared<T>(name: string, make: () => T): T {
    if (this.reads && !this.reads.quiet) this.reads.shared = true;
    let c = this.sharedCaches.get(name);
    if (!c || c.generation !== this.generation) this.sharedCaches.set(name, (c = { generation: this.generation, value: make() }));
    return c.value as T;
  }

  /** The definition of @name, preferring one in @fromFile (static functions shadow others). */
  definition(name: string, fromFile?: string): { fn: FunctionDef; file: ParsedFile } | undefined {
    const list = this.defs.get(name);
    // A static function is seen only in its own translation unit (or from a header that defines
    // it); another driver's static helper of the same name (to_smmu_domain()) is a different one.
    const fn = !list?.length ? undefined
      : fromFile === undefined ? list.find((d) => !d.isStatic) ?? list[0]
        : list.find((d) => d.file === fromFile) ?? list.find((d) => !d.isStatic) ?? list.find((d) => /\.h$/.test(d.file));
    this.reads?.defs.set(`${name}\0${fromFile ?? ''}`, fn ? fingerprint(fn) : '');
    // The file is looked up, and so recorded, with the definition: its caller holds the whole parse.
    return fn ? { fn, file: this.files.get(fn.file)! } : undefined;
  }

  cfg(name: string, fromFile?: string): Cfg | undefined {
    const d = this.definition(name, fromFile);
    return d ? cfgOf(d.fn, d.file) : undefined;
  }

  /** The declared return type of @name from any prototype or definition in the workspace. */
  returnType(name: string): string | undefined {
    return this.answer('returnType', [name], () => this.declaredReturn(name));
  }

  private declaredReturn(name: string): string | undefined {
    const d = this.definition(name);
    if (d) return cfgOf(d.fn, d.file).returnType;
    for (const f of this.files.values()) {
      const t = f.prototypes.get(name);
      if (t) return t.replace(/^(static|extern|inline|\s)+/g, '').trim();
    }
    return undefined;
  }

  functions(): IndexedFunction[] {
    return this.answer('functions', [], () => this.indexed());
  }

  private indexed(): IndexedFunction[] {
    const out: IndexedFunction[] = [];
    for (const file of this.files.values()) {
      for (const f of file.functions) {
        out.push({
          name: f.name,
          file: f.file,
          line: f.range.start.line + 1,
          endLine: f.range.end.line + 1,
          static: f.isStatic,
          calls: f.calls.map((c) => ({ name: c.name, op: c.op, line: c.range.start.line + 1, field: c.field })),
        });
      }
    }
    return out;
  }

  /** Caller -> callees with bodies in the workspace. */
  callGraph(): Record<string, string[]> {
    return this.answer('callGraph', [], () => this.calls());
  }

  private calls(): Record<string, string[]> {
    const g: Record<string, string[]> = {};
    for (const file of this.files.values()) {
      for (const f of file.functions) {
        const callees = [...new Set(f.calls.filter((c) => !c.field && this.known(c.name)).map((c) => c.name))];
        g[f.name] = [...new Set([...(g[f.name] ?? []), ...callees])];
      }
    }
    return g;
  }

  dispose(): void {
    for (const f of this.files.values()) f.tree = undefined;
    for (const t of this.trees.values()) t.delete();
    this.trees.clear();
  }
}

/** `struct.member` -> struct pointed to, for the `struct x *member;` members of @text's struct definitions. */
function pointerMembers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const head = /\bstruct\s+(\w+)\s*\{/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const start = m.index + m[0].length;
    const i = blockEnd(text, start);
    // A definition is followed by `;` or a declarator; `struct x { ... } = ` would be an initializer.
    for (const x of text.slice(start, i).matchAll(/\bstruct\s+(\w+)\s*\*\s*(?:const\s+)?(?:__\w+\s+)*(\w+)\s*;/g)) {
      const k = `${m[1]}.${x[2]}`;
      if (!out.has(k)) out.set(k, x[1]);
    }
    head.lastIndex = start;
  }
  return out;
}
