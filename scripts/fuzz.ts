// Fuzzing the core: mutated C (our fixtures, the real 6.12 tree) and mutated patches and mailboxes,
// each analysed in a worker thread under a time bound; a crash or a hang is saved as a reproducer.
//
//   npm run fuzz -- --count N --seed S [--time-ms T] [--out DIR] [--only I] [--workers W]
//   npm run fuzz -- --replay DIR/crash-seed1-00042.json
//
// Input I of seed S is the same on every run over the same corpus (its PRNG is seeded from S and I);
// `--replay` runs a saved reproducer again as it was, whatever the corpus has become since.
// Exit status: 0 nothing found, 1 a crash or a hang, 2 usage.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as core from '../extension/core/analyze';
import { Workspace } from '../extension/core/index';
import { loadLanguage } from '../extension/core/parse/parser';
import { InputError } from '../extension/core/review/mail';
import { reviewSeries, type Analyzer } from '../extension/core/review/review';
import { parseSeriesText } from '../extension/core/review/series';
import { kernelTree } from '../test/support/kernel';

const ROOT = resolve(__dirname, '..');
/** The tree the fixture patches apply to. */
const PATCH_TREE = join(ROOT, 'examples', 'series', 'tree');
/** Exploration bounds while fuzzing: the editor's defaults; crashes and hangs do not need deep paths. */
const BOUNDS = { maxPaths: 64, loopBound: 2, callDepth: 3, maxStates: 2000 };
/** Well above the slowest input seen alone (about 7 s); one over it runs again with three times as long. */
export const DEFAULT_TIME_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** A 32-bit PRNG (mulberry32) seeded from the run seed and the input index. */
export function prng(seed: number, index: number): () => number {
  let s = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

// ---------------------------------------------------------------------------------------------
// Mutations: each takes a text and returns the mutated text and what it did, for the reproducer

type Mutation = (text: string, rng: Rng) => { text: string; what: string };

/** Snippets that kernel C and our neutralizer are touchy about. */
const SNIPPETS = [
  '#define X(...)\n', '#define X(a, b) a ## b\n', '#define list_for_each_entry(pos, head, member) for (;;)\n',
  'list_for_each_entry(', 'list_for_each_entry_safe(group, next, &queue->groups, node) {\n',
  'scoped_guard(mutex, &m)\n', 'scoped_guard(mutex, &m) {\n', 'guard(mutex)(&param->lock);\n', 'guard(rcu)();\n',
  '}\n', '{\n', '#if 0\n', '#endif\n', '#else\n', '/*', '*/', '"', "'", '\\\n', 'goto err_unlock;\n', 'err_unlock:\n',
  'do {\n', '} while (0);\n', 'return\n', 'return -EINVAL;\n', 'if (WARN_ON(!param))\n', 'rcu_read_lock();\n',
  'rcu_read_unlock();\n', 'mutex_lock(&param->lock);\n', 'mutex_unlock(&param->lock);\n', 'kfree(group);\n',
  'kfree_rcu(param, rcu);\n', 'iopf_put_dev_fault_param(param);\n', 'refcount_inc(&param->users);\n',
  'ops->page_response(dev, &evt, &resp);\n', 'EXPORT_SYMBOL_GPL(iommu_report_device_fault);\n',
  'switch (x) {\ncase 1:\n', 'default:\n', 'for (;;)\n', 'while (1) ;\n', '__rcu ', 'static inline ', '((((', '))))',
  '__attribute__((unused)) ', 'asm volatile("" ::: "memory");\n', 'struct iopf_group *group = ({ ', ' });\n',
];

/** Splits into lines, keeping each line's newline. */
const lines = (t: string) => t.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** The index just after a random newline (or 0): where an inserted line starts. */
function lineStart(text: string, rng: Rng): number {
  const at = int(rng, 0, text.length);
  const nl = text.lastIndexOf('\n', at - 1);
  return nl + 1;
}

export const MUTATIONS: Record<string, Mutation> = {
  'byte-flip': (text, rng) => {
    const buf = Buffer.from(text, 'utf8');
    if (!buf.length) return { text, what: 'byte-flip (empty)' };
    const at: number[] = [];
    for (let k = int(rng, 1, 8); k > 0; k--) {
      const p = int(rng, 0, buf.length - 1);
      buf[p] ^= 1 << int(rng, 0, 7);
      at.push(p);
    }
    // decoded as the CLI decodes files: invalid UTF-8 becomes U+FFFD
    return { text: buf.toString('utf8'), what: `byte-flip at ${at.join(',')}` };
  },
  'token-delete': (text, rng) => {
    const tokens = [...text.matchAll(/[A-Za-z_]\w*|\d+|[^\s\w]/g)];
    if (!tokens.length) return { text, what: 'token-delete (none)' };
    const gone: string[] = [];
    for (let k = int(rng, 1, 5); k > 0; k--) {
      const m = pick(rng, tokens);
      const at = m.index!;
      if (text.slice(at, at + m[0].length) !== m[0]) continue; // shifted by an earlier deletion
      text = text.slice(0, at) + text.slice(at + m[0].length);
      gone.push(`"${m[0]}"@${at}`);
    }
    return { text, what: `token-delete ${gone.join(' ')}` };
  },
  truncate: (text, rng) => {
    const at = int(rng, 0, text.length);
    return { text: text.slice(0, at), what: `truncate at ${at}` };
  },
  'brace-remove': (text, rng) => {
    const braces = [...text.matchAll(/[{}]/g)].map((m) => m.index!);
    if (!braces.length) return { text, what: 'brace-remove (none)' };
    const at = [...new Set(Array.from({ length: int(rng, 1, 3) }, () => pick(rng, braces)))].sort((a, b) => b - a);
    for (const p of at) text = text.slice(0, p) + text.slice(p + 1);
    return { text, what: `brace-remove at ${at.join(',')}` };
  },
  'macro-insert': (text, rng) => {
    const s = pick(rng, SNIPPETS);
    const at = rng() < 0.7 ? lineStart(text, rng) : int(rng, 0, text.length);
    return { text: text.slice(0, at) + s + text.slice(at), what: `insert ${JSON.stringify(s)} at ${at}` };
  },
  'line-duplicate': (text, rng) => {
    const ls = lines(text);
    if (!ls.length) return { text, what: 'line-duplicate (empty)' };
    const from = int(rng, 0, ls.length - 1);
    const n = int(rng, 1, Math.min(20, ls.length - from));
    const copies = int(rng, 1, 3);
    const block = ls.slice(from, from + n).join('');
    const to = int(rng, 0, ls.length);
    ls.splice(to, 0, block.endsWith('\n') ? block.repeat(copies) : (block + '\n').repeat(copies));
    return { text: ls.join(''), what: `line-duplicate ${n} lines from ${from + 1} x${copies} at line ${to + 1}` };
  },
  nest: (text, rng) => {
    // deep nesting: recursion in the AST, CFG and interpreter walks must not run out of stack
    const depth = int(rng, 20, 400);
    const [open, close] = pick(rng, [['if (x) {\n', '}\n'], ['(', ')'], ['{ ', '} '], ['do { ', '} while (0); ']] as const);
    const at = lineStart(text, rng);
    return { text: text.slice(0, at) + open.repeat(depth) + 'x = 1;\n' + close.repeat(depth) + text.slice(at), what: `nest ${JSON.stringify(open)} x${depth} at ${at}` };
  },
};

// ---------------------------------------------------------------------------------------------
// Mutations of patch and mail headers: what a hostile sender controls besides the code

/** File names a hostile patch may give: dot paths, traversal, absolute, control and bidi characters, non-C files. */
const HOSTILE_NAMES = [
  'drivers/iommu/io-pgfault.c', 'drivers/iommu/leak.c', '.git/config', 'drivers/iommu/../../.git/config', '../outside.c',
  '/etc/passwd', 'drivers/iommu/\x1b[8mhidden.c', 'drivers/iommu/a\u202eb.c', 'drivers/iommu/sp ace.c', 'drivers/iommu/Kconfig',
  'drivers/iommu/"q".c', 'drivers/iommu/tab\there.c', 'drivers/iommu/new\nline.c', 'drivers/iommu/caf\u00e9.c', 'drivers/iommu/back\\slash.c',
];

/** A name as git quotes it (C-style, octal bytes), sometimes broken: unterminated, an unknown escape, a short octal. */
function cQuoted(name: string, rng: Rng): string {
  let q = '';
  for (const b of Buffer.from(name, 'utf8')) {
    if (b === 0x22) q += '\\"';
    else if (b === 0x5c) q += '\\\\';
    else if (b === 0x09) q += '\\t';
    else if (b === 0x0a) q += '\\n';
    else if (b < 0x20 || b >= 0x7f) q += `\\${b.toString(8).padStart(3, '0')}`;
    else q += String.fromCharCode(b);
  }
  const r = rng();
  if (r < 0.15) return `"${q}`;
  if (r < 0.25) return `"${q}\\q"`;
  if (r < 0.3) return `"${q}\\3"`;
  return `"${q}"`;
}

const pathIn = (prefix: string, name: string, rng: Rng) => (rng() < 0.4 ? cQuoted(prefix + name, rng) : prefix + name);

/** Extended header lines of one kind for a file renamed or changed from @a to @b. */
function extendedHeader(kind: string, a: string, b: string, rng: Rng): string {
  switch (kind) {
    case 'binary':
      return 'index 1111111..2222222\nGIT binary patch\n' + pick(rng, [
        'literal 24\nzcmZ?wbhEHbWMp7uXkdT>MwkEpoZ<&~0Rf1D\n\nliteral 0\nHcmV?d00001\n\n',
        'delta 14\nVcmZ?wbhEHbWMp7uXkdT>0RR6000000\n\ndelta 0\nHcmV?d00001\n\n',
        'literal 3\nKcmZ?w\n\n',
      ]);
    case 'binary-files':
      return `Binary files ${pathIn('a/', a, rng)} and ${pathIn('b/', b, rng)} differ\n`;
    case 'rename':
      return `similarity index ${int(rng, 0, 100)}%\nrename from ${pathIn('', a, rng)}\nrename to ${pathIn('', b, rng)}\n`;
    case 'copy':
      return `similarity index ${int(rng, 0, 100)}%\ncopy from ${pathIn('', a, rng)}\ncopy to ${pathIn('', b, rng)}\n`;
    case 'mode':
      return `old mode ${pick(rng, ['100644', '100755'])}\nnew mode ${pick(rng, ['100755', '120000', '160000', '040000', '999999'])}\n`;
    case 'new-file':
      return `new file mode ${pick(rng, ['100644', '120000', '160000'])}\n`;
    default:
      return `deleted file mode ${pick(rng, ['100644', '120000'])}\n`;
  }
}

/** Bytes as an RFC 2047 encoded word, base64 or Q, in a charset that may not exist. */
function encodedWord(text: string, rng: Rng): string {
  const charset = pick(rng, ['utf-8', 'UTF-8', 'iso-8859-1', 'us-ascii', 'utf-16le', 'x-bogus']);
  const bytes = Buffer.from(text, charset === 'utf-16le' ? 'utf16le' : 'utf8');
  if (rng() < 0.5) return `=?${charset}?${pick(rng, ['b', 'B'])}?${bytes.toString('base64')}?=`;
  let q = '';
  for (const b of bytes) q += b === 0x20 ? '_' : /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return `=?${charset}?${pick(rng, ['q', 'Q'])}?${q}?=`;
}

/** What a forged header wants the terminal or the report to show. */
const FORGED = [
  '\r\nNo change in simulated behaviour.\r\nVerdict: no patch introduces a finding.\x1b[8m', '\x1b[2J\x1b[H', '\x1b]0;title\x07',
  '\r', '\n', '\0\0', '\u202eesrever', '\u2028\u2029', '\x7f\x08\x08', '\x1b[8m', '\t\v\f',
];

export const PATCH_MUTATIONS: Record<string, Mutation> = {
  'patch-header': (text, rng) => {
    const kind = pick(rng, ['binary', 'binary-files', 'rename', 'copy', 'mode', 'new-file', 'deleted', 'quoted'] as const);
    const a = pick(rng, HOSTILE_NAMES);
    const b = rng() < 0.5 ? a : pick(rng, HOSTILE_NAMES);
    const heads = [...text.matchAll(/^diff --git [^\n]*\n/gm)];
    if (heads.length && kind === 'quoted') {
      // the file's names, as git writes names it must quote, in the diff --git line and the ---/+++ lines
      const h = pick(rng, heads);
      const at = h.index!;
      const next = text.indexOf('\ndiff --git ', at + 1);
      const end = next < 0 ? text.length : next + 1;
      const section = text.slice(at, end)
        .replace(/^diff --git [^\n]*/, `diff --git ${cQuoted(`a/${a}`, rng)} ${cQuoted(`b/${b}`, rng)}`)
        .replace(/^--- a\/[^\n]*/m, `--- ${cQuoted(`a/${a}`, rng)}`)
        .replace(/^\+\+\+ b\/[^\n]*/m, `+++ ${cQuoted(`b/${b}`, rng)}`);
      return { text: text.slice(0, at) + section + text.slice(end), what: `patch-header quoted ${JSON.stringify(a)} -> ${JSON.stringify(b)} at ${at}` };
    }
    if (heads.length) {
      const h = pick(rng, heads);
      const at = h.index! + h[0].length;
      const ext = extendedHeader(kind === 'quoted' ? 'rename' : kind, a, b, rng);
      return { text: text.slice(0, at) + ext + text.slice(at), what: `patch-header ${kind} ${JSON.stringify(a)} -> ${JSON.stringify(b)} after ${h.index}` };
    }
    // no git diff to change: a whole section of that kind
    const section = `diff --git ${pathIn('a/', a, rng)} ${pathIn('b/', b, rng)}\n${extendedHeader(kind === 'quoted' ? 'rename' : kind, a, b, rng)}`;
    const at = lineStart(text, rng);
    return { text: text.slice(0, at) + section + text.slice(at), what: `patch-header section ${kind} ${JSON.stringify(a)} -> ${JSON.stringify(b)} at ${at}` };
  },
  'mail-header': (text, rng) => {
    const forged = pick(rng, FORGED);
    const word = encodedWord(forged, rng);
    const header = pick(rng, [
      () => `Subject: [PATCH ${int(rng, 0, 3)}/${int(rng, 1, 3)}] iommu: ${word} fix`,
      () => `Subject: ${word}${rng() < 0.5 ? ` ${encodedWord(pick(rng, FORGED), rng)}` : ''}`,
      () => `Subject: [PATCH] x\n ${word}\n\t${forged}`,
      () => `From: ${word} <a@example.org>`,
      () => `Subject: raw ${forged} in the header`,
      () => `Content-Type: ${pick(rng, ['text/plain', 'multipart/mixed', 'application/x-patch'])}; charset=${pick(rng, ['"utf-8"', word, 'x-bogus'])}; boundary="${forged}"`,
      () => `Content-Transfer-Encoding: ${pick(rng, ['base64', 'quoted-printable', word, '8bit'])}`,
      () => `Message-Id: <${forged}@example.org>`,
    ])();
    // first occurrence wins: after a From_ line, ahead of the message's own headers
    const froms = [...text.matchAll(/^From \S+ [^\n]*\n/gm)];
    if (froms.length) {
      const f = pick(rng, froms);
      const at = f.index! + f[0].length;
      return { text: text.slice(0, at) + header + '\n' + text.slice(at), what: `mail-header ${JSON.stringify(header)} at ${at}` };
    }
    const isMail = /^[A-Za-z][A-Za-z0-9-]*:/.test(text);
    return { text: header + '\n' + (isMail ? '' : '\n') + text, what: `mail-header ${JSON.stringify(header)} at 0` };
  },
  // The body as git mailinfo and a mail reader might read it apart: MIME parts nested (boundaries
  // alike or not), base64 with padding in the middle, a signature before more diff, a line that
  // looks like a From_ line, a no-newline marker inside a hunk.
  'mail-body': (text, rng) => {
    const blank = text.indexOf('\n\n');
    const head = blank < 0 ? '' : text.slice(0, blank + 1);
    const body = blank < 0 ? text : text.slice(blank + 2);
    const kind = pick(rng, ['multipart', 'base64', 'signature', 'from-line', 'marker'] as const);
    if (kind === 'multipart') {
      const depth = int(rng, 1, 8);
      const alike = rng() < 0.3;
      let inner = body;
      for (let k = depth; k >= 1; k--) {
        const b = alike ? `B${'x'.repeat(k)}` : `b${k}z`;
        inner = `--${b}\nContent-Type: ${k === depth ? pick(rng, ['text/plain', 'application/octet-stream']) : `multipart/mixed; boundary="${alike ? `B${'x'.repeat(k + 1)}` : `b${k + 1}z`}"`}\n\n${inner}\n--${b}--\n`;
      }
      const top = alike ? 'Bx' : 'b1z';
      return { text: `${head}Content-Type: multipart/mixed; boundary="${top}"\n\n${inner}`, what: `mail-body multipart depth ${depth}${alike ? ' alike' : ''}` };
    }
    if (kind === 'base64') {
      const cut = int(rng, 0, body.length);
      const enc = (t: string) => Buffer.from(t).toString('base64');
      const b64 = `${enc(body.slice(0, cut))}${enc(body.slice(cut))}`.replace(/.{76}/g, '$&\n');
      return { text: `${head}Content-Transfer-Encoding: base64\n\n${b64}\n`, what: `mail-body base64 split at ${cut}` };
    }
    const at = lineStart(text, rng);
    const piece = kind === 'signature' ? '-- \n2.39.5\n\n' : kind === 'from-line' ? `From mallory Mon Jan  1 ${int(rng, 0, 23)}:00 2001\n` : '\\ No newline at end of file\n';
    return { text: text.slice(0, at) + piece + text.slice(at), what: `mail-body ${kind} at ${at}` };
  },
};

// ---------------------------------------------------------------------------------------------
// The corpus and the inputs made from it

export interface CorpusEntry {
  /** what to call it: "fixture:test/fixtures/seeds/helpers.c", "kernel:drivers/iommu/iommu.c" */
  name: string;
  kind: 'c' | 'patch';
  /** path inside the input (a C file's path, or a patch's file name) */
  path: string;
  text: string;
  /** kernel files are large: each input takes a window of lines */
  window?: boolean;
}

export interface Corpus {
  fixtures: CorpusEntry[];
  kernel: CorpusEntry[];
  patches: CorpusEntry[];
  /** why the kernel tree is not fuzzed, when it is not */
  kernelNote?: string;
}

function walk(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, keep));
    else if (keep(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * loadCorpus - our fixture C and patches, and the real tree's IOMMU files when it can be had.
 * @kernelRoot: a tree root, null for fixtures only, undefined to locate (or install) it.
 */
export function loadCorpus(kernelRoot?: string | null): Corpus {
  const entry = (prefix: string, base: string, kind: CorpusEntry['kind'], window = false) => (p: string): CorpusEntry => {
    const rel = relative(base, p).split('\\').join('/');
    return { name: `${prefix}:${rel}`, kind, path: rel, text: readFileSync(p, 'utf8'), window };
  };
  const isC = (n: string) => n.endsWith('.c');
  const fixtures = [...walk(join(ROOT, 'test', 'fixtures'), isC), ...walk(join(ROOT, 'examples'), isC)].map(entry('fixture', ROOT, 'c'));
  const isPatch = (n: string) => /\.(patch|diff|mbox|mboxrd|eml)$/.test(n);
  const patchDirs = [join(ROOT, 'examples', 'series'), join(ROOT, 'test', 'fixtures', 'review')];
  const patches = patchDirs.flatMap((d) => {
    try {
      return walk(d, isPatch);
    } catch {
      return [];
    }
  }).map(entry('patch', ROOT, 'patch'));
  const corpus: Corpus = { fixtures, kernel: [], patches };
  let root = kernelRoot ?? undefined;
  if (kernelRoot === null) corpus.kernelNote = 'the real tree was left out on request';
  else if (!root) {
    const k = kernelTree();
    root = k.root;
    if (!root) corpus.kernelNote = `no real tree (${k.reason}): fuzzing our fixtures only`;
  }
  if (root) {
    const iommu = join(root, 'drivers', 'iommu');
    const top = readdirSync(iommu).filter(isC).map((n) => join(iommu, n));
    const files = [...top, join(iommu, 'iommufd', 'fault.c')].filter((p) => {
      try {
        return readFileSync(p).length > 0;
      } catch {
        return false;
      }
    });
    corpus.kernel = files.sort().map(entry('kernel', root, 'c', true));
  }
  return corpus;
}

export interface FuzzInput {
  index: number;
  kind: 'c' | 'patch';
  /** e.g. "kernel:drivers/iommu/iommu.c lines 1200-1480" */
  name: string;
  /** the path the core sees */
  path: string;
  text: string;
  mutations: string[];
}

/** makeInput - input @index of the run with @seed: a corpus entry (or a window of it) with 1-3 mutations. */
export function makeInput(corpus: Corpus, seed: number, index: number): FuzzInput {
  const rng = prng(seed, index);
  const r = rng();
  const pool = corpus.kernel.length
    ? (r < 0.4 ? corpus.kernel : r < 0.7 ? corpus.fixtures : corpus.patches)
    : (r < 0.65 ? corpus.fixtures : corpus.patches);
  const src = pick(rng, pool.length ? pool : corpus.fixtures);
  let text = src.text;
  let name = src.name;
  if (src.window) {
    // a whole iommu.c takes seconds to simulate; a window of it, cut anywhere, fuzzes the same code
    const ls = lines(text);
    const from = int(rng, 0, Math.max(0, ls.length - 1));
    const n = int(rng, 30, 300);
    text = ls.slice(from, from + n).join('');
    name = `${name} lines ${from + 1}-${Math.min(ls.length, from + n)}`;
  }
  const mutations: string[] = [];
  // C inputs keep the mutations (and so the inputs) they always had; patches also get their headers mutated
  const table = src.kind === 'patch' ? { ...MUTATIONS, ...PATCH_MUTATIONS } : MUTATIONS;
  const names = Object.keys(table);
  for (let k = int(rng, 1, 3); k > 0; k--) {
    const m = pick(rng, names);
    const res = table[m](text, rng);
    text = res.text;
    mutations.push(res.what);
  }
  return { index, kind: src.kind, name, path: src.path, text, mutations };
}

// ---------------------------------------------------------------------------------------------
// The worker: analyses one input at a time through the core's public functions

interface Job {
  id: number;
  input: Omit<FuzzInput, 'mutations'>;
}

type Outcome =
  | { id: number; status: 'ok' | 'rejected'; ms: number; message?: string }
  | { id: number; status: 'crash'; ms: number; error: string; stack?: string };

async function workerMain(): Promise<void> {
  const { analyzer: analyzerPath } = workerData as { analyzer?: string };
  await loadLanguage();

  const analyzeC = async (path: string, text: string) => {
    const ws = await Workspace.create([{ path, text }]);
    try {
      const res = core.analyzeWorkspace(ws, BOUNDS);
      // analyzeWorkspace reports an interpreter error as a "bounded" verdict so the other functions still
      // count; simulating the bounded ones again lets such an error through to the fuzzer.
      for (const f of res.functions.filter((s) => s.known && s.bounded).slice(0, 2)) {
        core.simulateInWorkspace(ws, f.file, f.name, BOUNDS);
      }
    } finally {
      ws.dispose();
    }
  };
  const bounded: Analyzer = {
    analyzeFiles: (files, o) => core.analyzeFiles(files, { ...o, ...BOUNDS }),
    simulateFunction: (files, file, fn, o) => core.simulateFunction(files, file, fn, { ...o, ...BOUNDS }),
  };
  const analyzePatch = async (path: string, text: string) => {
    const series = parseSeriesText(text, path);
    await reviewSeries(series, PATCH_TREE, { analyzer: bounded });
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const planted = analyzerPath ? (require(analyzerPath) as { analyze(i: Job['input']): unknown }) : undefined;

  parentPort!.on('message', async (job: Job) => {
    const t = performance.now();
    let out: Outcome;
    try {
      if (planted) await planted.analyze(job.input);
      else if (job.input.kind === 'c') await analyzeC(job.input.path, job.input.text);
      else await analyzePatch(basename(job.input.path), job.input.text);
      out = { id: job.id, status: 'ok', ms: performance.now() - t };
    } catch (e) {
      const ms = performance.now() - t;
      // The core's documented input errors (a patch that does not parse or apply) are answers, not crashes.
      if (e instanceof InputError) out = { id: job.id, status: 'rejected', ms, message: e.message };
      else out = { id: job.id, status: 'crash', ms, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? e.stack : undefined };
    }
    parentPort!.postMessage(out);
  });
  parentPort!.postMessage({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// The driver: a pool of workers, a time bound per input, reproducers for what goes wrong

export interface FuzzOptions {
  count: number;
  seed: number;
  /** per-input time bound in ms; an input still running then, and again with 3x the bound, is a hang (default 10 000) */
  timeMs?: number;
  /** where reproducers go (default .fuzz-out/ in the repository); created only when something is found */
  out?: string;
  /** worker threads (default: the machine's cores, at most 4) */
  workers?: number;
  /** run only this input index */
  only?: number;
  /** run this saved reproducer (its .json) instead of generated inputs */
  replay?: string;
  /** a CommonJS module whose analyze(input) replaces the core's; for testing the harness itself */
  analyzer?: string;
  /** a kernel tree root, null for fixtures only, undefined to locate it */
  kernelRoot?: string | null;
  log?: (line: string) => void;
}

export interface Finding {
  kind: 'crash' | 'hang';
  index: number;
  name: string;
  error?: string;
  reproducer: string;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  /** inputs the core rejected with a documented input error */
  rejected: number;
  crashes: number;
  hangs: number;
  findings: Finding[];
  slowest?: { name: string; index: number; ms: number };
  /** inputs that passed the time bound once but finished when run again with three times the bound */
  slow: { name: string; index: number; ms: number }[];
  seconds: number;
  perSecond: number;
  kernelNote?: string;
  corpus: { fixtures: number; kernel: number; patches: number };
}

function saveReproducer(dir: string, seed: number, input: FuzzInput, kind: Finding['kind'], detail: { error?: string; stack?: string; ms: number }): string {
  mkdirSync(dir, { recursive: true });
  const ext = input.kind === 'c' ? '.c' : extname(input.path) || '.patch';
  const stem = join(dir, `${kind}-seed${seed}-${String(input.index).padStart(5, '0')}`);
  writeFileSync(stem + ext, input.text);
  writeFileSync(stem + '.json', JSON.stringify({
    kind, seed, index: input.index, input: basename(stem + ext), source: input.name, analysis: input.kind, path: input.path,
    mutations: input.mutations, ms: Math.round(detail.ms), error: detail.error, stack: detail.stack,
    replay: `npm run fuzz -- --replay ${stem}.json`,
  }, null, 2) + '\n');
  return stem + ext;
}

/** replayInput - the input a reproducer's description (.json next to it) names, as it was saved. */
export function replayInput(json: string): () => FuzzInput {
  const meta = JSON.parse(readFileSync(json, 'utf8')) as { index: number; input: string; source: string; analysis: 'c' | 'patch'; path?: string; mutations: string[] };
  const text = readFileSync(join(dirname(json), meta.input), 'utf8');
  // "kernel:drivers/iommu/iommu.c lines 1-40" -> drivers/iommu/iommu.c, for descriptions without a path
  const path = meta.path ?? meta.source.replace(/^\w+:/, '').split(' ')[0];
  return () => ({ index: meta.index, kind: meta.analysis, name: meta.source, path, text, mutations: meta.mutations });
}

/** fuzz - run @opts.count inputs of @opts.seed through the core; never throws for what the inputs do. */
export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const timeMs = opts.timeMs ?? DEFAULT_TIME_MS;
  const outDir = opts.out ?? join(ROOT, '.fuzz-out');
  const log = opts.log ?? (() => {});
  const corpus = loadCorpus(opts.kernelRoot);
  const indexes = opts.only !== undefined || opts.replay ? [opts.only ?? 0] : Array.from({ length: opts.count }, (_, i) => i);
  const inputAt = opts.replay ? replayInput(opts.replay) : (i: number) => makeInput(corpus, opts.seed, i);
  const report: FuzzReport = {
    seed: opts.seed, inputs: 0, rejected: 0, crashes: 0, hangs: 0, findings: [], slow: [], seconds: 0, perSecond: 0,
    kernelNote: corpus.kernelNote,
    corpus: { fixtures: corpus.fixtures.length, kernel: corpus.kernel.length, patches: corpus.patches.length },
  };
  const nWorkers = Math.max(1, Math.min(opts.workers ?? Math.min(4, availableParallelism()), indexes.length));
  const start = performance.now();
  let next = 0;

  const record = (input: FuzzInput, kind: Finding['kind'], detail: { error?: string; stack?: string; ms: number }) => {
    if (kind === 'crash') report.crashes++;
    else report.hangs++;
    const reproducer = saveReproducer(outDir, opts.seed, input, kind, detail);
    report.findings.push({ kind, index: input.index, name: input.name, error: detail.error, reproducer });
    log(`${kind}: input ${input.index} (${input.name}; ${input.mutations.join('; ')}): ${detail.error ?? `no answer in ${timeMs} ms`} -> ${reproducer}`);
  };

  // The worker loads the core through tsx (the fuzzer itself runs under `node --import tsx`).
  const spawn = () => new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: { iopfFuzzWorker: true, analyzer: opts.analyzer },
    // a runaway input should fail its own worker, not the machine
    resourceLimits: { maxOldGenerationSizeMb: 1024 },
  });

  /** One lane: a worker fed one input at a time; a hung or dead worker is replaced. */
  const lane = async (): Promise<void> => {
    let worker: Worker | undefined;
    let ready: Promise<void> | undefined;
    const fresh = () => {
      worker = spawn();
      const w = worker;
      ready = new Promise<void>((res, rej) => {
        w.once('message', () => res());
        w.once('error', rej);
        w.once('exit', (code) => rej(new Error(`fuzz worker exited with ${code} before it was ready`)));
      });
    };
    type Answer = Outcome | { status: 'hang' } | { status: 'died'; error: string };
    /** One input on this lane's worker (a fresh one if the last hung or died), within @bound ms. */
    const attempt = async (input: FuzzInput, bound: number): Promise<{ outcome: Answer; ms: number }> => {
      if (!worker) fresh();
      await ready;
      const w = worker!;
      const t = performance.now();
      const outcome = await new Promise<Answer>((res) => {
        const timer = setTimeout(() => res({ status: 'hang' }), bound);
        const done = (o: Answer) => {
          clearTimeout(timer);
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          res(o);
        };
        const onMessage = (o: Outcome) => done(o);
        const onError = (e: Error) => done({ status: 'died', error: `${e.name}: ${e.message}` });
        const onExit = (code: number) => done({ status: 'died', error: `the worker exited with status ${code}` });
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        w.postMessage({ id: input.index, input: { index: input.index, kind: input.kind, name: input.name, path: input.path, text: input.text } } satisfies Job);
      });
      if (outcome.status === 'hang') await w.terminate();
      if (outcome.status === 'hang' || outcome.status === 'died') worker = undefined;
      return { outcome, ms: 'ms' in outcome ? outcome.ms : performance.now() - t };
    };
    try {
      while (next < indexes.length) {
        const input = inputAt(indexes[next++]);
        let { outcome, ms } = await attempt(input, timeMs);
        if (outcome.status === 'hang') {
          // Wall time is not CPU time: on a loaded machine a slow input can pass the bound. Once more,
          // with three times the bound, before calling it a hang.
          ({ outcome, ms } = await attempt(input, 3 * timeMs));
          if (outcome.status !== 'hang') report.slow.push({ name: input.name, index: input.index, ms });
        }
        report.inputs++;
        if (outcome.status === 'hang') {
          record(input, 'hang', { ms });
          continue;
        }
        if (outcome.status === 'died') {
          record(input, 'crash', { error: outcome.error, ms });
          continue;
        }
        if (outcome.status === 'crash') record(input, 'crash', { error: outcome.error, stack: outcome.stack, ms });
        else if (outcome.status === 'rejected') report.rejected++;
        if (!report.slowest || ms > report.slowest.ms) report.slowest = { name: input.name, index: input.index, ms };
      }
    } finally {
      await worker?.terminate();
    }
  };
  await Promise.all(Array.from({ length: nWorkers }, lane));
  report.seconds = (performance.now() - start) / 1000;
  report.perSecond = report.inputs / Math.max(report.seconds, 1e-9);
  report.findings.sort((a, b) => a.index - b.index);
  return report;
}

/** formatReport - the figures a run prints. */
export function formatReport(r: FuzzReport, timeMs: number): string {
  const out = [
    `fuzz: seed ${r.seed}; corpus ${r.corpus.fixtures} fixture C files, ${r.corpus.kernel} real-tree files, ${r.corpus.patches} patches/mailboxes; time bound ${timeMs} ms per input`,
  ];
  if (r.kernelNote) out.push(`note: ${r.kernelNote}`);
  out.push(
    `inputs run: ${r.inputs} (${r.rejected} rejected as bad input by the core)`,
    `crashes: ${r.crashes}`,
    `hangs: ${r.hangs}${r.slow.length ? ` (and ${r.slow.length} over the bound once that finished when run again: ${r.slow.map((x) => `input ${x.index} in ${Math.round(x.ms)} ms`).join(', ')})` : ''}`,
    `slowest: ${r.slowest ? `${r.slowest.name} (input ${r.slowest.index}), ${Math.round(r.slowest.ms)} ms` : '-'}`,
    `time: ${r.seconds.toFixed(1)} s, ${r.perSecond.toFixed(1)} inputs/s`,
  );
  for (const f of r.findings) out.push(`${f.kind}: input ${f.index}: ${f.name}: ${f.error ?? 'hang'} -> ${f.reproducer}`);
  return out.join('\n') + '\n';
}

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- --count N --seed S [--time-ms T] [--out DIR] [--only I] [--workers W] | --replay FILE.json\n`);
  process.exit(2);
}

async function cli(argv: string[]): Promise<void> {
  const o = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) usage(`unexpected argument ${argv[i]}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) usage(`--${m[1]} needs a value`);
    o.set(m[1], v);
  }
  const num = (k: string, def?: number) => {
    const v = o.get(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) usage(`--${k} must be a whole number`);
    return n;
  };
  for (const k of o.keys()) if (!['count', 'seed', 'time-ms', 'out', 'only', 'workers', 'analyzer', 'replay'].includes(k)) usage(`unknown option --${k}`);
  const timeMs = num('time-ms', DEFAULT_TIME_MS)!;
  const report = await fuzz({
    count: num('count', 200)!, seed: num('seed', 1)!, timeMs, out: o.get('out') && resolve(o.get('out')!),
    only: num('only'), workers: num('workers'), analyzer: o.get('analyzer') && resolve(o.get('analyzer')!),
    replay: o.get('replay') && resolve(o.get('replay')!),
    log: (l) => process.stderr.write(l + '\n'),
  });
  process.stdout.write(formatReport(report, timeMs));
  process.exitCode = report.crashes || report.hangs ? 1 : 0;
}

if (!isMainThread && (workerData as { iopfFuzzWorker?: boolean } | undefined)?.iopfFuzzWorker) {
  void workerMain();
} else if (require.main === module) {
  void cli(process.argv.slice(2));
}
