// Text reports show input written by others (mail subjects, file and function names, source lines): a
// character that moves the cursor, recolours or hides text, ends a line or reorders it would let that
// input forge the report around it, so such characters are shown as escapes.

/** Controls (C0, DEL, C1 with CSI), format characters (bidi overrides and isolates, zero-width), line and paragraph separators, lone surrogates. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function escapeChar(c: string): string {
  if (c === '\t') return c;
  const n = c.codePointAt(0)!;
  if (n < 0x100) return `\\x${n.toString(16).padStart(2, '0')}`;
  if (n < 0x10000) return `\\u${n.toString(16).padStart(4, '0')}`;
  return `\\u{${n.toString(16)}}`;
}

/**
 * safeText - @s with every character that could forge a terminal report escaped (`\x1b`, `\x0a`,
 * `\u202e`); tabs stay. The result holds no line break, so a value stays on the line we put it on.
 */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** safeLines - each of @lines made safe, joined with newlines and ending with one. */
export function safeLines(lines: string[]): string {
  return lines.map(safeText).join('\n') + '\n';
}

/**
 * errorLine - an error message on one line: escaped whole (a newline a patch put in a subject is
 * shown as \x0a and cannot end the line and write its own reason), capped at 2,000 characters.
 */
export function errorLine(message: string): string {
  const line = safeText(message);
  return line.length > 2000 ? `${line.slice(0, 2000)}…` : line;
}
