// Expected findings written next to fixture code.

/** `/* expect: rule rule *\/` at the end of a line, and `expect-at: file:line rule` in a header. */
export function expectations(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((l, i) => {
    const inline = l.match(/\/\*\s*expect:\s*([^*]+)\*\//);
    if (inline) for (const rule of inline[1].trim().split(/\s+/)) out.push(`${file}:${i + 1} ${rule}`);
    const at = l.match(/expect-at:\s*(\S+):(\d+)\s+(\S+)/);
    if (at) out.push(`${at[1]}:${at[2]} ${at[3]}`);
  });
  return out.sort();
}

/**
 * `then-at: file:line rule` in a fixture: a consequence listed under one of the file's findings
 * (what followed from the first violation on its path).
 */
export function consequenceExpectations(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const at = l.match(/then-at:\s*(\S+):(\d+)\s+(\S+)/);
    if (at) out.push(`${at[1]}:${at[2]} ${at[3]}`);
  }
  return out.sort();
}
