// The text as gcc reads it, in the same length: what gcc takes differently from a plain reading
// of the lines must not hide code from the analysis. A patch from a public list may use it to.

/**
 * gccView - @text with digraphs (`<%` `%>` `<:` `:>` `%:`) outside comments and literals turned into
 * the brackets they are, and a lone carriage return (gcc ends a line there, git keeps it in a line)
 * ending the `//` comment or the directive it stands in: the comment or directive up to it becomes
 * blanks, so the code after it on the same line is code. Offsets, lines and columns are unchanged.
 */
export function gccView(text: string): string {
  // Almost every file has neither: a native search each, instead of a scan of every character.
  const digraph = text.includes('<%') || text.includes('%>') || text.includes('<:') || text.includes(':>') || text.includes('%:');
  if (!digraph && !/\r(?!\n)/.test(text)) return text;
  let out: string[] | undefined;
  const set = (at: number, c: string) => {
    out ??= text.split('');
    out[at] = c;
  };
  let i = 0;
  let lineStart = 0;
  let comment = -1; // start of a // comment on this line
  let directive = -1; // start of a # directive on this line
  let block = false;
  let quote = '';
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '\n') {
      lineStart = i + 1;
      comment = -1;
      if (!(directive >= 0 && text[i - 1] === '\\')) directive = -1;
      quote = '';
      i++;
      continue;
    }
    if (c === '\r' && next !== '\n') {
      // gcc ends the line here.
      const from = comment >= 0 ? comment : directive >= 0 ? directive : -1;
      if (from >= 0 && !block) for (let k = from; k < i; k++) if (text[k] !== '\n') set(k, ' ');
      set(i, ' ');
      comment = -1;
      directive = -1;
      quote = '';
      lineStart = i + 1;
      i++;
      continue;
    }
    if (block) {
      if (c === '*' && next === '/') {
        block = false;
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (comment >= 0) {
      i++;
      continue;
    }
    if (quote) {
      if (c === '\\') i += 2;
      else {
        if (c === quote) quote = '';
        i++;
      }
      continue;
    }
    if (c === '/' && next === '*') {
      block = true;
      i += 2;
      continue;
    }
    if (c === '/' && next === '/') {
      comment = i;
      i += 2;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      i++;
      continue;
    }
    if (c === '#' && text.slice(lineStart, i).trim() === '') directive = i;
    const pair = c + (next ?? '');
    const digraph = pair === '<%' ? '{' : pair === '%>' ? '}' : pair === '<:' ? '[' : pair === ':>' ? ']' : pair === '%:' ? '#' : undefined;
    if (digraph) {
      set(i, digraph);
      set(i + 1, ' ');
      if (digraph === '#' && text.slice(lineStart, i).trim() === '') directive = i;
      i += 2;
      continue;
    }
    i++;
  }
  return out ? out.join('') : text;
}
