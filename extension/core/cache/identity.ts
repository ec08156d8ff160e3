// What makes the results of this build of iopf-lens: its code, the grammar and queries the parser
// loads, and the JavaScript engine running them. Kept results name it, so a build that could
// answer differently never reads them.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { locate } from '../parse/parser';
import { queries } from '../parse/source';
import { SCHEMA } from './store';

let identity: string | undefined;

const CODE = /\.[cm]?[jt]s$/;

/** The files of code that make results, by name: one bundle, or every module of the program. */
function codeFiles(): [string, string][] {
  // Bundled (dist/cli.js), this module is the bundle and the bundle holds all the code.
  if (!/^identity\.[cm]?[jt]s$/.test(basename(__filename))) return [[basename(__filename), __filename]];
  // Run from its modules (tsx, a compiled tree): every module of the core and of the CLI (what the
  // editor adds is not theirs), and the runtime of the parser, which a bundle would hold.
  const program = join(__dirname, '..', '..');
  const out: [string, string][] = [['web-tree-sitter', require.resolve('web-tree-sitter')]];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (CODE.test(e.name)) out.push([relative(program, p), p]);
    }
  };
  walk(join(program, 'core'));
  walk(join(program, 'cli'));
  for (const e of readdirSync(program)) if (/^cli\.[cm]?[jt]s$/.test(e)) out.push([e, join(program, e)]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** toolIdentity - a hash of everything besides the input and the options that a result depends on. */
export function toolIdentity(): string {
  if (identity) return identity;
  const h = createHash('sha256');
  h.update(`${SCHEMA}\0${process.version}\0`);
  for (const [name, path] of codeFiles()) h.update(`${name}\0`).update(readFileSync(path));
  for (const w of ['web-tree-sitter.wasm', 'tree-sitter-c.wasm']) h.update(readFileSync(locate(w)));
  const q = queries();
  h.update(q.calls).update('\0').update(q.defs);
  identity = h.digest('hex');
  return identity;
}
