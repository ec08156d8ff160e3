// A small, tolerant scan of C text for function definitions (name, lines, return type) and call sites, used to map hunks to functions.
// It needs no parser, so a patch can be mapped even where the tree-sitter front end is not loaded or the file does not parse.
import { neutralize } from '../parse/neutralize';

export interface CFunction {
  name: string;
  /** 1-based, from the first token of the return type to the closing brace */
  startLine: number;
  endLine: number;
  /** 1-based line of the name */
  nameLine: number;
  /** return type without storage class and attributes: "int", "void", "struct iopf_group *" */
  returnType: string;
  isStatic: boolean;
  /** offsets of the body braces in the text */
  bodyStart: number;
  bodyEnd: number;
}

export interface CallSite {
  /** the function the call is in */
  caller: string;
  /** 1-based */
  line: number;
  /** the source line, trimmed */
  text: string;
  /** whether the call's value is used (assigned, returned, tested, passed on) */
  usesValue: boolean;
}

/** mask - comments, string and character literals and preprocessor lines blanked out, offsets and newlines kept */
export function mask(original: string): string {
  // Read as the analysis reads it: as gcc would (digraphs, a lone CR that ends a comment), and
  // with the kernel's annotations blanked (`__printf(2, 3)`, `__section(…)`, `__releases(x)`).
  const text = neutralize(original).text;
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i];
    if (lineStart && /[ \t]/.test(c)) {
      i++;
      continue;
    }
    if (lineStart && c === '#') {
      // a directive runs to the end of the line, continued by backslash-newline
      let j = i;
      while (j < text.length && !(text[j] === '\n' && text[j - 1] !== '\\')) j++;
      // A comment opened on the directive's line runs on after it: `#define X 1 /* … \n … */`.
      const open = lastOpenComment(text, i, j);
      if (open >= 0) {
        const close = text.indexOf('*/', open + 2);
        j = close < 0 ? text.length : close + 2;
        while (j < text.length && text[j] !== '\n') j++;
      }
      const directive = text.slice(i + 1, Math.min(j, i + 64)).trimStart();
      blank(i, j);
      i = j;
      // `#if 0` … `#else`/`#endif` is never compiled: its text (an unbalanced brace) must not move
      // function boundaries, so it is blanked like a comment.
      if (/^if\s+0\b/.test(directive)) {
        const end = skipGroup(text, j);
        blank(j, end);
        i = end;
      }
      continue;
    }
    lineStart = false;
    if (c === '\n') {
      lineStart = true;
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      const end = j < 0 ? text.length : j + 2;
      blank(i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      let j = text.indexOf('\n', i);
      if (j < 0) j = text.length;
      blank(i, j);
      i = j;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, text.length));
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** The start of a block comment opened in text[@from, @to) and not closed there, or -1. */
function lastOpenComment(text: string, from: number, to: number): number {
  let open = -1;
  for (let k = from; k < to - 1; k++) {
    if (open < 0 && text[k] === '/' && text[k + 1] === '*') {
      open = k;
      k++;
    } else if (open >= 0 && text[k] === '*' && text[k + 1] === '/') {
      open = -1;
      k++;
    }
  }
  return open;
}

/**
 * The end of the group a `#if 0` opens at @from: the start of its `#else`/`#elif` line (compiled,
 * read on) or of its `#endif` line, nested conditionals counted.
 */
function skipGroup(text: string, from: number): number {
  let depth = 0;
  let at = from;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(at, Math.min(end, at + 64)).trimStart();
    if (line.startsWith('#')) {
      const d = line.slice(1).trimStart();
      if (/^if(n?def)?\b/.test(d)) depth++;
      else if (/^endif\b/.test(d)) {
        if (depth === 0) return at;
        depth--;
      } else if (/^(else|elif)\b/.test(d) && depth === 0) return at;
    }
    at = end + 1;
  }
  return text.length;
}

const STORAGE = /\b(static|extern|inline|__inline__|__inline|__always_inline|noinline|__init|__exit|__must_check|__maybe_unused|__cold|__hot|notrace|asmlinkage|__weak)\b/g;

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function lineStarts(text: string): number[] {
  const s = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
}

/** What findFunctions and findCalls derive from a text: built once per text, not once per name looked up. */
interface Scan {
  mask: string;
  starts: number[];
  fns?: CFunction[];
  /** for each `)` of the mask, the offset of its `(`, or -1 */
  opens?: Int32Array;
}

/*
 * A review looks up many names in the same few texts (every changed function in every touched file);
 * the last texts' masks are kept so each lookup costs a search, not a fresh mask.
 */
const SCANS = new Map<string, Scan>();
const SCANS_KEPT = 2;

function scanOf(text: string): Scan {
  let s = SCANS.get(text);
  if (s) {
    SCANS.delete(text);
  } else {
    s = { mask: mask(text), starts: lineStarts(text) };
    if (SCANS.size >= SCANS_KEPT) SCANS.delete(SCANS.keys().next().value!);
  }
  SCANS.set(text, s);
  return s;
}

/** maskedText - mask(@text), shared with the scans of the same text. */
export function maskedText(text: string): string {
  return scanOf(text).mask;
}

/** findFunctions - the function definitions of a C file, in order */
export function findFunctions(text: string): CFunction[] {
  const scan = scanOf(text);
  scan.fns ??= functionsIn(scan.mask, scan.starts);
  return scan.fns.map((f) => ({ ...f }));
}

function functionsIn(m: string, starts: number[]): CFunction[] {
  const out: CFunction[] = [];
  let depth = 0;
  let segStart = 0; // where the current top-level declaration began
  for (let i = 0; i < m.length; i++) {
    const c = m[i];
    if (c === '{') {
      if (depth === 0) {
        const fn = definitionBefore(m, segStart, i);
        const end = matchBrace(m, i);
        if (fn) {
          const nameLine = lineAt(starts, fn.nameAt);
          out.push({
            name: fn.name, startLine: lineAt(starts, fn.typeAt), endLine: lineAt(starts, end), nameLine,
            returnType: fn.returnType, isStatic: fn.isStatic, bodyStart: i, bodyEnd: end,
          });
        }
        // skip the whole body (or initializer / struct body)
        i = end;
        depth = 0;
        segStart = end + 1;
        continue;
      }
      depth++;
    } else if (c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) segStart = i + 1;
    } else if (c === ';' && depth === 0) {
      segStart = i + 1;
    }
  }
  return out;
}

function matchBrace(m: string, open: number): number {
  let d = 0;
  for (let i = open; i < m.length; i++) {
    if (m[i] === '{') d++;
    else if (m[i] === '}') {
      d--;
      if (d === 0) return i;
    }
  }
  return m.length - 1;
}

function isSpace(c: string): boolean {
  const k = c.charCodeAt(0);
  return k === 32 || (k >= 9 && k <= 13) || (k >= 0x80 && /\s/.test(c));
}

function isWordChar(k: number): boolean {
  return (k >= 48 && k <= 57) || (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 95;
}

/**
 * The identifier that ends @s before trailing blanks (what `/([A-Za-z_]\w*)\s*$/` finds), read
 * backwards: that regex, tried from every letter of a long word, takes quadratic time.
 */
function lastWord(s: string): { name: string; index: number } | undefined {
  let q = s.length;
  while (q > 0 && isSpace(s[q - 1])) q--;
  let a = q;
  while (a > 0 && isWordChar(s.charCodeAt(a - 1))) a--;
  // the match starts at the first letter or underscore of the run (a leading digit is not a name)
  let p = a;
  while (p < q && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
  return p < q ? { name: s.slice(p, q), index: p } : undefined;
}

/** The function a top-level `{` opens, if it is one: `type name(params) attrs {` with no `=` at paren depth 0. */
function definitionBefore(m: string, from: number, brace: number): { name: string; nameAt: number; typeAt: number; returnType: string; isStatic: boolean } | undefined {
  const seg = m.slice(from, brace);
  let depth = 0;
  let firstParen = -1;
  for (let k = 0; k < seg.length; k++) {
    const ch = seg[k];
    if (ch === '(') {
      if (depth === 0 && firstParen < 0) firstParen = k;
      depth++;
    } else if (ch === ')') depth--;
    else if (depth === 0 && (ch === '=' || ch === ';')) return undefined;
  }
  if (firstParen < 0) return undefined;
  const before = seg.slice(0, firstParen);
  const nm = lastWord(before);
  if (!nm) return undefined;
  const name = nm.name;
  if (/^(if|for|while|switch|return|sizeof)$/.test(name)) return undefined;
  const typeText = before.slice(0, nm.index);
  const lead = typeText.search(/\S/);
  const typeAt = from + (lead < 0 ? nm.index : lead);
  const isStatic = /\bstatic\b/.test(typeText);
  const returnType = typeText.replace(STORAGE, ' ').replace(/\s+/g, ' ').replace(/\s+\*/g, ' *').trim();
  // a bare `name(...) {` without a type is a macro-made definition (SYSCALL_DEFINE…) or K&R; keep it, type unknown
  return { name, nameAt: from + nm.index, typeAt, returnType, isStatic };
}

/** normalizeType - a return type compared across versions: whitespace and pointer spacing only */
export function normalizeType(t: string): string {
  return t.replace(/\s+/g, ' ').replace(/\s*\*\s*/g, ' *').trim();
}

/**
 * findCalls - calls of @name inside function bodies of @text, each with whether its value is used.
 * Declarations and the definition itself sit outside bodies and are not calls.
 */
export function findCalls(text: string, name: string, fns?: CFunction[]): CallSite[] {
  if (!text.includes(name)) return [];
  const scan = scanOf(text);
  const m = scan.mask;
  const starts = scan.starts;
  const bodies = sortedBodies(fns ?? (scan.fns ??= functionsIn(m, starts)));
  const out: CallSite[] = [];
  const ctx: UseContext = { scan, pos: 0, lastBoundary: -1, lastQuestion: -1 };
  const re = new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\s*\\(`, 'g');
  for (let hit = re.exec(m); hit; hit = re.exec(m)) {
    const at = hit.index;
    const fn = bodyAt(bodies, at);
    if (!fn) continue;
    if (m[at - 1] === '.' || (m[at - 1] === '>' && m[at - 2] === '-')) continue; // ops->name(...) is a field, not this function
    const line = lineAt(starts, at);
    const lineEnd = line < starts.length ? starts[line] - 1 : text.length;
    out.push({ caller: fn.name, line, text: text.slice(starts[line - 1], lineEnd).trim(), usesValue: valueUsed(m, at, ctx) });
  }
  return out;
}

/** @fns ordered by body, so the body holding an offset is found by bisection (top-level bodies never overlap). */
function sortedBodies(fns: CFunction[]): CFunction[] {
  for (let k = 1; k < fns.length; k++) if (fns[k].bodyStart < fns[k - 1].bodyStart) return [...fns].sort((a, b) => a.bodyStart - b.bodyStart);
  return fns;
}

function bodyAt(fns: CFunction[], at: number): CFunction | undefined {
  let lo = 0;
  let hi = fns.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fns[mid].bodyStart < at) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best >= 0 && at < fns[best].bodyEnd ? fns[best] : undefined;
}

/*
 * What valueUsed needs from the text before a call, kept as the calls are met in order: the last
 * statement boundary and `?` (a `label:` from the `:` of `?:`), and every `)`'s `(`. Scanning back
 * from each call instead costs quadratic time on a long expression full of calls.
 */
interface UseContext {
  scan: Scan;
  /** offsets before this have been read into lastBoundary and lastQuestion */
  pos: number;
  lastBoundary: number;
  lastQuestion: number;
}

function advance(m: string, ctx: UseContext, to: number): void {
  for (let k = ctx.pos; k < to; k++) {
    const c = m[k];
    if (c === ';' || c === '{' || c === '}') ctx.lastBoundary = k;
    else if (c === '?') ctx.lastQuestion = k;
  }
  if (to > ctx.pos) ctx.pos = to;
}

function opensOf(scan: Scan): Int32Array {
  if (scan.opens) return scan.opens;
  const m = scan.mask;
  const opens = new Int32Array(m.length).fill(-1);
  const stack: number[] = [];
  for (let k = 0; k < m.length; k++) {
    const c = m.charCodeAt(k);
    if (c === 40) stack.push(k);
    else if (c === 41 && stack.length) opens[k] = stack.pop()!;
  }
  scan.opens = opens;
  return opens;
}

/** Whether the call starting at @at is an expression whose value is consumed rather than a statement of its own. */
function valueUsed(m: string, at: number, ctx: UseContext): boolean {
  let j = at - 1;
  while (j >= 0 && isSpace(m[j])) j--;
  if (j < 0) return false;
  const ch = m[j];
  if (ch === ';' || ch === '{' || ch === '}') return false;
  if (ch === ':') {
    // a label (`out:`) or the second arm of `?:`
    advance(m, ctx, j);
    return ctx.lastQuestion > ctx.lastBoundary;
  }
  if (ch === ')') {
    const k = opensOf(ctx.scan)[j];
    // an unbalanced `)`: not a cast, nor a statement's condition we can see
    if (k < 0) return true;
    let a = k + 1;
    let b = j;
    while (a < b && isSpace(m[a])) a++;
    while (b > a && isSpace(m[b - 1])) b--;
    if (b - a === 4 && m.startsWith('void', a)) return false; // (void)f(): explicitly discarded
    let w = k - 1;
    while (w >= 0 && isSpace(m[w])) w--;
    const word = /([A-Za-z_]\w*)$/.exec(m.slice(Math.max(0, w - 40), w + 1));
    // if (x) f(); while (x) f(); and iterator macros: a statement. A cast like (int)f(): a value.
    if (word && /^(if|while|for|switch)$/.test(word[1])) return false;
    if (word && /_for_each|^scoped_guard$|^for_each/.test(word[1])) return false;
    return true;
  }
  if (/\w/.test(ch)) {
    const word = /([A-Za-z_]\w*)$/.exec(m.slice(Math.max(0, j - 40), j + 1));
    return word?.[1] === 'return';
  }
  return true;
}
