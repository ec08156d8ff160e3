// The arguments of a call as text, read from source with a linear scan (no regex over the body).

/** The top-level arguments of a call whose '(' ends just before @from, as text. */
export function splitArgs(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length && i < from + 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(text.slice(start, i));
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return args;
}

/** The arguments, as text, of every call of @callee in @text. */
export function argumentsOf(text: string, callee: string): string[][] {
  const out: string[][] = [];
  const re = new RegExp(`\\b${callee}\\s*\\(`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(splitArgs(text, m.index + m[0].length));
  return out;
}

/** The index just past the `}` that closes the block whose `{` ends just before @from. */
export function blockEnd(text: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < text.length && depth > 0) {
    const ch = text.charCodeAt(i++);
    if (ch === 123) depth++;
    else if (ch === 125) depth--;
  }
  return i;
}
