// Loads web-tree-sitter and the tree-sitter-c grammar once, from the same files in Node and in the extension host.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';
import { useRuntime } from './walker';

let loading: Promise<Language> | undefined;
let language: Language | undefined;

/** Candidate folders that hold the two WASM files: next to the bundle (dist/grammars) or in node_modules. */
export function locate(file: string): string {
  const candidates = [
    join(__dirname, 'grammars', file),
    join(__dirname, '..', 'grammars', file),
    join(__dirname, '..', 'dist', 'grammars', file),
    join(__dirname, '..', '..', '..', 'dist', 'grammars', file),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  // Development (tests under tsx): resolve from the installed packages.
  const pkg = file === 'tree-sitter-c.wasm' ? 'tree-sitter-c/tree-sitter-c.wasm' : `web-tree-sitter/${file}`;
  return require.resolve(pkg);
}

/** loadLanguage - initialise the runtime and the C grammar; safe to call many times. */
export function loadLanguage(): Promise<Language> {
  if (!loading) {
    loading = (async () => {
      // The options object becomes the emscripten module: the Walker calls its cursor functions directly.
      const runtime: Record<string, unknown> = { locateFile: (name: string) => locate(name) };
      await Parser.init(runtime);
      useRuntime(runtime);
      language = await Language.load(locate('tree-sitter-c.wasm'));
      return language;
    })();
  }
  return loading;
}

/** The loaded language; only valid after loadLanguage() resolved. */
export function cLanguage(): Language {
  if (!language) throw new Error('tree-sitter-c is not loaded yet');
  return language;
}

let shared: Parser | undefined;

/** A parser for C, reused: tree-sitter parsers are cheap to keep and costly to create. */
export function cParser(): Parser {
  if (!shared) {
    shared = new Parser();
    shared.setLanguage(cLanguage());
  }
  return shared;
}

const queries = new Map<string, Query>();

/** A compiled query, cached by source; queries live as long as the process (freed by disposeQueries). */
export function query(source: string): Query {
  let q = queries.get(source);
  if (!q) {
    q = new Query(cLanguage(), source);
    queries.set(source, q);
  }
  return q;
}

export function disposeQueries(): void {
  for (const q of queries.values()) q.delete();
  queries.clear();
}
