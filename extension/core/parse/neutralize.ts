// Rewrites kernel-C idioms that tree-sitter-c cannot parse into plain C of exactly the same length,
// so every offset, line and column of the rewritten text is the original's.
import { gccView } from './gcc-view';

/** What a rewritten construct was, keyed by the offset of its first character. */
export interface MacroSite {
  /** iterator loops become `for (;;args)`; scoped guards become `if (args)` */
  /** `__free(name)` on a declaration: the cleanup runs on the variable at every exit of its scope */
  kind: 'iterator' | 'scoped_guard' | 'free';
  /** the macro's name as written: list_for_each_entry_safe, scoped_guard, ... */
  name: string;
  start: number;
  /** offset just past the closing parenthesis */
  end: number;
  /** argument texts and their start offsets */
  args: { text: string; start: number }[];
}

export interface Neutralized {
  text: string;
  /** keyed by start offset of the macro name */
  sites: Map<number, MacroSite>;
  /** ranges blanked because they were annotations (`__rcu`, `__free(kfree)`, ...) */
  blanked: { start: number; end: number; text: string }[];
}

/** Annotations that are blanked where they stand. */
const BARE = new Set([
  '__init', '__exit', '__rcu', '__iomem', '__user', '__kernel', '__force', '__percpu', '__must_check',
  '__maybe_unused', '__always_unused', '__read_mostly', '__always_inline', '__ro_after_init', '__initdata',
  '__initconst', '__exitdata', '__refdata', '__ref', '__weak', '__visible', '__cold', '__hot', '__pure',
  '__packed', '__latent_entropy', '__randomize_layout', '__nocfi', '__noreturn', '__sched', '__kprobes',
  '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '__meminit', '__devinit', '__init_or_module', '__bitwise', '__private', 'noinline', 'notrace', '__rcu_cast',
  '__deprecated', 'noinline_for_stack', '__used', '__attribute_const__', '__malloc', '__no_kcsan', '__nostackprotector',
  '__flatten', '__cpuidle', '__noclone', '__lockfunc', '__irq_entry', '__safe', '__counted_by_ptr',
]);

/** Annotations with an argument list, blanked with their parentheses. */
const WITH_ARGS = new Set([
  '__free', '__cleanup', '__acquires', '__releases', '__must_hold', '__counted_by', '__aligned', '__printf',
  '__scanf', '__section', '__guarded_by', '__pt_guarded_by', '__cond_acquires', '__cond_releases', '__alloc_size',
  '__assume_aligned', '__nonstring', '__diag_ignore', '__no_sanitize_address', '__realloc_size', '__attribute__', '__attribute',
]);

/** Loop-like macros whose invocation is followed by a body: `list_for_each_entry(pos, head, member) { ... }`. */
export function isIteratorMacro(name: string): boolean {
  return /(^|_)for_each(_|$)/.test(name) || /^for_each_/.test(name);
}

const SCOPED = new Set(['scoped_guard', 'scoped_cond_guard']);

/**
 * The only identifiers neutralize looks at: annotations, `struct`/`union`, scoped guards and
 * iterator-like names. Matching these alone, not every identifier, keeps the scan cheap.
 */
const CANDIDATES = new RegExp(`\\b(?:${[...BARE, ...WITH_ARGS, ...SCOPED, '__attribute_used__', 'return_ptr', 'struct', 'union']
  .sort((a, b) => b.length - a.length).join('|')}|[A-Za-z_]\\w*for_each\\w*|for_each\\w*)\\b`);

/** `struct T` followed by `,` or `)`: a type passed as a macro argument. */
const TYPE_ARG = /\s+[A-Za-z_]\w*\s*[,)]/y;

const NL = 10;
const SP = 32;
const TAB = 9;
const HASH = 35;
const SLASH = 47;
const STAR = 42;
const BSL = 92;
const DQ = 34;
const SQ = 39;

/*
 * Hand-written scans: String.prototype.indexOf from a position costs far more per call than the
 * few characters a comment spans, and the mask is built for every file the index reads.
 */
function commentEnd(src: string, from: number, n: number): number {
  for (let e = from; e + 1 < n; e++) if (src.charCodeAt(e) === STAR && src.charCodeAt(e + 1) === SLASH) return e + 2;
  return n;
}

function lineEnd(src: string, from: number, n: number): number {
  let e = from;
  while (e < n && src.charCodeAt(e) !== NL) e++;
  return e;
}

/** Offsets of comments, string and character literals, and preprocessor lines: never rewritten. */
function opaqueMask(src: string): Uint8Array {
  const n = src.length;
  const mask = new Uint8Array(n);
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === NL) { lineStart = true; i++; continue; }
    if (lineStart && (c === SP || c === TAB)) { i++; continue; }
    if (lineStart && c === HASH) {
      // A directive, including backslash-continued lines (macro bodies are text to the parser).
      const s = i;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === NL) break;
        if (d === BSL && src.charCodeAt(i + 1) === NL) i += 2;
        else if (d === SLASH && src.charCodeAt(i + 1) === STAR) i = commentEnd(src, i + 2, n);
        else i++;
      }
      mask.fill(1, s, i);
      continue;
    }
    lineStart = false;
    if (c === SLASH) {
      const d = src.charCodeAt(i + 1);
      if (d === SLASH) {
        const s = i;
        i = lineEnd(src, i, n);
        mask.fill(1, s, i);
        continue;
      }
      if (d === STAR) {
        const s = i;
        i = commentEnd(src, i + 2, n);
        mask.fill(1, s, i);
        continue;
      }
    } else if (c === DQ || c === SQ) {
      const s = i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === c || d === NL) break;
        i += d === BSL ? 2 : 1;
      }
      i++;
      mask.fill(1, s, Math.min(i, n));
      continue;
    }
    i++;
  }
  return mask;
}

/**
 * For every `(` outside opaque text, the index of its closing parenthesis, or -1 when it has none
 * or a `;` stands directly inside it (a statement end in an argument list means the text is not
 * what we think). One pass with a stack: searching forward from each candidate instead takes
 * quadratic time on a run of unclosed `__free(` or nested iterator calls.
 */
function parenMatches(src: string, mask: Uint8Array): Int32Array {
  const n = src.length;
  const close = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const broken: boolean[] = [];
  for (let i = 0; i < n; i++) {
    if (mask[i]) continue;
    const c = src.charCodeAt(i);
    if (c === 40) {
      stack.push(i);
      broken.push(false);
    } else if (c === 41) {
      if (!stack.length) continue;
      const open = stack.pop()!;
      if (!broken.pop()) close[open] = i;
    } else if (c === 59 && broken.length) {
      broken[broken.length - 1] = true;
    }
  }
  return close;
}

/** Top-level comma-separated arguments between @open and @close. */
function splitArgs(src: string, open: number, close: number, mask: Uint8Array): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let depth = 0;
  let start = open + 1;
  const push = (end: number) => {
    const raw = src.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim()) out.push({ text: raw.trim(), start: start + lead });
  };
  for (let i = open + 1; i < close; i++) {
    if (mask[i]) continue;
    const c = src[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(close);
  return out;
}

function nextSignificant(src: string, from: number, mask: Uint8Array): number {
  let i = from;
  while (i < src.length && (mask[i] || /\s/.test(src[i]))) i++;
  return i;
}

function prevSignificant(src: string, from: number, mask: Uint8Array): number {
  let i = from;
  while (i >= 0 && (mask[i] || /\s/.test(src[i]))) i--;
  return i;
}

/**
 * neutralize - rewrite @src into same-length C that tree-sitter-c parses.
 *
 * Annotations become spaces; iterator macros become `for (;;args)` loops keeping their bodies;
 * `scoped_guard(args)` becomes `if (args)`; `struct T` as a macro argument (container_of,
 * list_first_entry) loses its keyword. The macro sites are returned so later stages know what
 * each rewritten loop or scope really was.
 */
export function neutralize(original: string): Neutralized {
  // Read as gcc reads it first: digraphs, and a lone CR that ends a comment or directive.
  const src = gccView(original);
  const mask = opaqueMask(src);
  // Rewrites are collected as same-length spans and applied once at the end: splitting a large
  // file into characters costs more than the scan itself.
  const spans: { start: number; text: string }[] = [];
  const sites = new Map<number, MacroSite>();
  const blanked: Neutralized['blanked'] = [];
  const blank = (s: number, e: number) => {
    blanked.push({ start: s, end: e, text: src.slice(s, e) });
    spans.push({ start: s, text: src.slice(s, e).replace(/[^\n]/g, ' ') });
  };
  let closes: Int32Array | undefined;
  const matchParen = (open: number) => (closes ??= parenMatches(src, mask))[open];
  // The arguments of the last rewritten macro: another macro inside them is not rewritten, so
  // each argument list is split once (nested ones would be re-read at every level).
  let argsEnd = -1;
  const ident = new RegExp(CANDIDATES.source, 'g');
  let m: RegExpExecArray | null;
  while ((m = ident.exec(src))) {
    const start = m.index;
    if (mask[start]) continue;
    const name = m[0];
    const end = start + name.length;
    if (BARE.has(name)) {
      blank(start, end);
      continue;
    }
    if (name === 'return_ptr') {
      // `return_ptr(p)` is `return no_free_ptr(p)`: a return, of a pointer its __free() cleanup
      // no longer owns. Written in the same length as a return of `_NF(p)`.
      spans.push({ start, text: 'return _NF' });
      continue;
    }
    if (WITH_ARGS.has(name) || name === '__attribute_used__') {
      const open = nextSignificant(src, end, mask);
      if (src[open] === '(') {
        const close = matchParen(open);
        if (close > 0) {
          if (name === '__free') sites.set(start, { kind: 'free', name: src.slice(open + 1, close).trim(), start, end: close + 1, args: [] });
          blank(start, close + 1);
          ident.lastIndex = close + 1;
          continue;
        }
      }
      blank(start, end);
      continue;
    }
    if (name === 'struct' || name === 'union') {
      // `container_of(p, struct iopf_group, work)`: a type where an expression must be.
      const before = prevSignificant(src, start - 1, mask);
      if (before < 0 || src[before] !== ',') continue;
      TYPE_ARG.lastIndex = end;
      if (TYPE_ARG.test(src)) blank(start, end);
      continue;
    }
    const isIter = name.length >= 5 && name.includes('for_each') && isIteratorMacro(name);
    const isScoped = SCOPED.has(name);
    if (!isIter && !isScoped) continue;
    if (start < argsEnd) continue;
    const open = nextSignificant(src, end, mask);
    if (src[open] !== '(') continue;
    // A definition (`#define list_for_each_entry(...)`) is masked; a declaration of a function
    // named like an iterator (`void for_each_x(int a);`) has a type before it.
    const before = prevSignificant(src, start - 1, mask);
    if (before >= 0 && !/[;{}):]/.test(src[before]) && !/\belse$/.test(src.slice(Math.max(0, before - 3), before + 1))) continue;
    const close = matchParen(open);
    if (close < 0) continue;
    const follow = nextSignificant(src, close + 1, mask);
    if (follow >= src.length || src[follow] === ';' || /[=,)+\-*/<>&|?:.\]]/.test(src[follow])) continue;
    const args = splitArgs(src, open, close, mask);
    if (isIter) {
      // `NAME(` -> `for   (;;`: the parenthesis moves left so `;;` fits without moving an argument.
      const region = open + 1 - start;
      if (region < 6) continue;
      const head = src.slice(start, open + 1);
      // Keep newlines between the name and its parenthesis, so lines do not move.
      const repl = head.includes('\n') ? head : 'for' + ' '.repeat(region - 6) + '(;;';
      if (head.includes('\n')) continue;
      spans.push({ start, text: repl });
      sites.set(start, { kind: 'iterator', name, start, end: close + 1, args });
    } else {
      if (src.slice(start, open).includes('\n')) continue;
      spans.push({ start, text: 'if' + ' '.repeat(open - start - 2) });
      sites.set(start, { kind: 'scoped_guard', name, start, end: close + 1, args });
    }
    argsEnd = close;
    ident.lastIndex = open + 1;
  }
  spans.sort((a, b) => a.start - b.start);
  let text = '';
  let at = 0;
  for (const sp of spans) {
    if (sp.start < at) continue;
    text += src.slice(at, sp.start) + sp.text;
    at = sp.start + sp.text.length;
  }
  text += src.slice(at);
  return { text, sites, blanked };
}
