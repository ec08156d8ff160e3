// Worst cases for the text parsers of patches and C: for each regex or scan that could go quadratic
// on hostile input, an input of about @size characters built to make it do so. Shared by the unit
// test (a generous time bound) and scripts/bench-redos.ts (the figures).
import { decodeWords, looksLikeMail, parseMessage, parsePatchMail, parseSubject, splitMbox, splitTrailers } from '../../extension/core/review/mail';
import { parseDiff, parseSeriesText, stripPrefix } from '../../extension/core/review/series';
import { findCalls, findFunctions, mask, normalizeType } from '../../extension/core/review/cscan';
import { neutralize } from '../../extension/core/parse/neutralize';

export interface RedosCase {
  /** the entry point and the shape of the input */
  name: string;
  /** what it exercises, for the benchmark's table */
  target: string;
  /** the input, about @size characters */
  make: (size: number) => string;
  /** the parse; input errors (bad mail, bad diff) are a quick answer, not a failure */
  run: (input: string) => unknown;
}

const rep = (unit: string, size: number) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const mail = (body: string, headers = '') => `From: a@example.org\nSubject: [PATCH] x\n${headers}\n${body}\n`;
const patch = (added: string) => `--- /dev/null\n+++ b/drivers/iommu/x.c\n@@ -0,0 +1,1 @@\n+${added}\n`;

export const REDOS_CASES: RedosCase[] = [
  // mail.ts
  { name: 'mail: body line `diff -rrr…!`', target: 'diff-start match', make: (n) => `diff -${rep('r', n)}!`, run: (s) => parsePatchMail(mail(s)) },
  { name: 'mail: body line `diff -rrr… ` ending in a blank', target: 'diff-start match', make: (n) => `diff -${rep('r', n)} `, run: (s) => parsePatchMail(mail(s)) },
  { name: 'mail: commit message `x` + blanks + `x`', target: 'trailer splitting', make: (n) => `x${rep(' ', n)}x`, run: (s) => parsePatchMail(mail(s)) },
  { name: 'splitTrailers: `x` + blanks + `x`', target: 'trailing-blank trim', make: (n) => `x${rep(' ', n)}x`, run: (s) => splitTrailers(s) },
  { name: 'splitTrailers: trailer name `a-a-a…` without colon', target: 'trailer regex', make: (n) => `text\n\nSigned-off-by: a\n${rep('a-', n)}`, run: (s) => splitTrailers(s) },
  { name: 'splitTrailers: `A:` + blanks', target: 'trailer regex', make: (n) => `text\n\nA:${rep(' ', n)}`, run: (s) => splitTrailers(s) },
  { name: 'splitTrailers: trailer value with a CR inside', target: 'trailer regex', make: (n) => `text\n\nA: ${rep('a', n / 2)}\r${rep('a', n / 2)}`, run: (s) => splitTrailers(s) },
  { name: 'mail: lines of `--- x` (no +++)', target: 'diff-start match', make: (n) => rep('--- x\n', n), run: (s) => parsePatchMail(mail(s)) },
  { name: 'splitMbox: `From ` + word without date', target: 'From_ line', make: (n) => `From ${rep('a', n)}`, run: (s) => splitMbox(s) },
  { name: 'splitMbox: `From a` + blanks', target: 'From_ line', make: (n) => `From a${rep(' ', n)}Mon`, run: (s) => splitMbox(s) },
  { name: 'splitMbox: `>>>…From`', target: 'mboxrd unescape', make: (n) => `From x Mon Jan  1 00:00:00 2001\n\n${rep('>', n)}Fro`, run: (s) => splitMbox(s) },
  { name: 'looksLikeMail: header name `a-a-…`', target: 'header line test', make: (n) => `${rep('a-', n)}\n\nbody`, run: (s) => looksLikeMail(s) },
  { name: 'looksLikeMail: headers without a blank line', target: 'head split', make: (n) => rep('Subject: x\r\n', n), run: (s) => looksLikeMail(s) },
  { name: 'parseMessage: header `a…` without colon', target: 'header regex', make: (n) => `From: a\n${rep('a', n)} x`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: header value with a CR inside', target: 'header regex', make: (n) => `Subject: ${rep('a', n / 2)}\r${rep('a', n / 2)}\n\nbody`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: Content-Type `;` + blanks', target: 'MIME parameter', make: (n) => `Content-Type: text/plain;${rep(' ', n)}\n\nbody`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: Content-Type `; charset=` + blanks', target: 'MIME parameter', make: (n) => `Content-Type: text/plain; charset=${rep(' ', n)}\n\nbody`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: Content-Type `;charset="x` repeated', target: 'MIME parameter', make: (n) => `Content-Type: text/plain${rep(';charset=x', n)}\n\nbody`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: multipart boundary lines', target: 'boundary split', make: (n) => `Content-Type: multipart/mixed; boundary="b"\n\n${rep('--b-\n', n)}`, run: (s) => parseMessage(s) },
  { name: 'parseMessage: quoted-printable `=` run', target: 'QP decoding', make: (n) => `Content-Transfer-Encoding: quoted-printable\n\n${rep('=', n)}`, run: (s) => parseMessage(s) },
  { name: 'decodeWords: `=?` + charset without `?`', target: 'encoded word', make: (n) => `=?${rep('a', n)}`, run: (s) => decodeWords(s) },
  { name: 'decodeWords: `=?a?q?` repeated', target: 'encoded word', make: (n) => rep('=?a?q?', n), run: (s) => decodeWords(s) },
  { name: 'decodeWords: encoded word + blanks', target: 'encoded word', make: (n) => `=?utf-8?q?a?=${rep(' ', n)}x`, run: (s) => decodeWords(s) },
  { name: 'parseSubject: `[[[…`', target: 'bracket tags', make: (n) => rep('[', n), run: (s) => parseSubject(s) },
  { name: 'parseSubject: `Re: Re: …`', target: 'reply prefix', make: (n) => `${rep('Re: ', n)}x`, run: (s) => parseSubject(s) },
  { name: 'parseSubject: `[a][a]…`', target: 'bracket tags', make: (n) => rep('[a]', n), run: (s) => parseSubject(s) },
  // series.ts and jsdiff's parsePatch
  { name: 'parseDiff: `diff -r a -r a…` without blank', target: 'jsdiff header', make: (n) => `${rep('diff -r a', n)}\n--- a/x\n+++ b/x\n`, run: (s) => parseDiff(s, 'x') },
  { name: 'parseDiff: hunk header `@@ -1,` + digits', target: 'jsdiff hunk header', make: (n) => `--- a/x\n+++ b/x\n@@ -1,${rep('1', n)}\n`, run: (s) => parseDiff(s, 'x') },
  { name: 'parseDiff: `diff --git a/ b/ b/ …`', target: 'git header split', make: (n) => `diff --git a/${rep(' b/', n)}\n`, run: (s) => parseDiff(s, 'x') },
  { name: 'parseDiff: quoted name of `\\\\`', target: 'C-quoted names', make: (n) => `diff --git "a/${rep('\\\\', n)}" "b/x"\n--- "a/${rep('\\\\', n / 4)}"\n+++ b/x\n`, run: (s) => parseDiff(s, 'x') },
  { name: 'parseDiff: `rename from` lines', target: 'git extended headers', make: (n) => `diff --git a/x b/y\n${rep('rename from "a\\001\n', n)}`, run: (s) => parseDiff(s, 'x') },
  { name: 'parseSeriesText: bare diff of many files', target: 'series of files', make: (n) => rep('--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n', n), run: (s) => parseSeriesText(s, 'x') },
  { name: 'parseSeriesText: added line `aaaa…*(void){…}`', target: 'whole patch', make: (n) => patch(`${rep('a', n)}*(void){return;}`), run: (s) => parseSeriesText(s, 'x') },
  { name: 'stripPrefix: `"` run', target: 'quote strip', make: (n) => rep('"', n), run: (s) => stripPrefix(s) },
  // cscan.ts
  { name: 'findFunctions: `aaaa…*(void){…}`', target: 'name before `(`', make: (n) => `${rep('a', n)}*(void){return;}`, run: (s) => findFunctions(s) },
  { name: 'findFunctions: `a a a … (void){}`', target: 'name before `(`', make: (n) => `${rep('a ', n)}(void){}`, run: (s) => findFunctions(s) },
  { name: 'findFunctions: `int` + blanks + `*` per function', target: 'return type', make: (n) => rep(`int${' '.repeat(200)}* f(void){}\n`, n), run: (s) => findFunctions(s) },
  { name: 'findFunctions: unclosed `{{{…`', target: 'brace matching', make: (n) => `void f(void)${rep('{', n)}`, run: (s) => findFunctions(s) },
  { name: 'findFunctions: many small functions', target: 'definition scan', make: (n) => rep('int f(int a){return a;}\n', n), run: (s) => findFunctions(s) },
  { name: 'mask: unclosed comments, strings, directives', target: 'masking', make: (n) => rep('"\\\n#\\\n/* \'', n), run: (s) => mask(s) },
  { name: 'findCalls: `((((f() ) f() ) …` nested', target: 'cast or condition', make: (n) => `void g(void){${'('.repeat(n / 6)}${'f() )'.repeat(n / 6)};}`, run: (s) => findCalls(s, 'f') },
  { name: 'findCalls: `a ? b : f(), …` chain', target: 'label or `?:`', make: (n) => `void g(void){${rep('a ? b : f(), ', n)};}`, run: (s) => findCalls(s, 'f') },
  { name: 'findCalls: one call in each of many functions', target: 'owner lookup', make: (n) => rep('void g(void){f();}\n', n), run: (s) => findCalls(s, 'f') },
  { name: 'findCalls: `f` + blanks without `(`', target: 'call regex', make: (n) => `void g(void){${rep('f     ', n)}}`, run: (s) => findCalls(s, 'f') },
  { name: 'normalizeType: blanks and stars', target: 'type spacing', make: (n) => `int${rep(' * ', n)}`, run: (s) => normalizeType(s) },
  { name: 'normalizeType: blank run', target: 'type spacing', make: (n) => `int${rep(' ', n)}x`, run: (s) => normalizeType(s) },
  // neutralize.ts
  { name: 'neutralize: unclosed `__free(` run', target: 'argument matching', make: (n) => rep('__free(', n), run: (s) => neutralize(s) },
  { name: 'neutralize: nested iterator calls', target: 'argument matching', make: (n) => `void g(void){${'a_for_each((x) '.repeat(n / 18)}${' y)'.repeat(n / 18)} {} }`, run: (s) => neutralize(s) },
  { name: 'neutralize: unclosed `list_for_each(` run', target: 'argument matching', make: (n) => `void g(void){${rep('; list_for_each(', n)}`, run: (s) => neutralize(s) },
  { name: 'neutralize: `, struct` + blanks', target: 'type argument', make: (n) => rep(', struct      ', n), run: (s) => neutralize(s) },
  { name: 'neutralize: identifier `xfor_eachfor_each…`', target: 'candidate names', make: (n) => `x${rep('for_each', n)} `, run: (s) => neutralize(s) },
  { name: 'neutralize: identifier `aaaa…` + blanks', target: 'candidate names', make: (n) => `${rep('a', n / 2)}${rep(' ', n / 2)}`, run: (s) => neutralize(s) },
];

/** timeCase - milliseconds one case takes on an input of @size characters (input errors count as answers) */
export function timeCase(c: RedosCase, size: number): { ms: number; chars: number } {
  const input = c.make(size);
  const t = performance.now();
  try {
    c.run(input);
  } catch (e) {
    if (!(e instanceof Error) || /Maximum call stack|out of memory/i.test(e.message)) throw e;
  }
  return { ms: performance.now() - t, chars: input.length };
}
