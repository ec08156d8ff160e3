// Trace export as JSON (the CLI's finding/trace shape) and as a Mermaid sequence diagram (pure text, no vscode import).
import type { ViewPath, ViewStep } from '../webview/protocol';

export function traceToJson(fn: string, file: string, path: ViewPath): string {
  return JSON.stringify({
    function: fn,
    file,
    path: {
      id: path.id, scenario: path.scenario, outcome: path.outcome, returns: path.returns, bounded: path.bounded,
      findings: path.findings.map((f) => ({ rule: f.rule, severity: f.severity, file: f.file, line: f.line,
        function: f.function, message: f.message })),
      trace: path.steps.map((s) => ({ thread: s.thread, file: s.file, line: s.line, function: s.function,
        op: s.op, detail: s.detail, state: s.state })),
    },
  }, null, 2) + '\n';
}

/** Characters Mermaid reads as text wherever they stand in a note, title or participant alias. */
const MERMAID_PLAIN = /^[A-Za-z0-9 _.,()/*+=!?'@^|~]$/;

/**
 * mermaidText - untrusted text (source, names, messages) as Mermaid label text: one line, and every
 * character that is not plainly text written as an entity code (`#59;`), which Mermaid decodes only
 * when it renders the label. So `%%{init: …}%%` (a directive, even mid-line), `%%` comments, `;` and
 * `#` (statement ends), quotes, `-->` arrows, brackets, `$$` math, `<br>` and other markup, and
 * newlines can neither restyle the diagram nor end the label and start a statement of their own.
 * Control and format characters (ESC, bidi overrides) are shown as U+FFFD.
 */
export function mermaidText(s: string): string {
  let out = '';
  for (const ch of s.replace(/\s+/g, ' ').trim()) {
    if (MERMAID_PLAIN.test(ch)) out += ch;
    else if (/^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u.test(ch)) out += '#65533;';
    else out += `#${ch.codePointAt(0)};`;
  }
  return out;
}

function participant(s: ViewStep): string {
  return s.thread ? s.thread : s.function || 'path';
}

/**
 * traceToMermaid - one participant per thread (or per function for single-thread paths), one
 * note per step at the participant that executed it, and the path's findings at the end.
 */
export function traceToMermaid(fn: string, path: ViewPath): string {
  const ids = new Map<string, string>();
  const idOf = (name: string) => {
    let id = ids.get(name);
    if (!id) { id = `P${ids.size + 1}`; ids.set(name, id); }
    return id;
  };
  const body: string[] = [];
  for (const s of path.steps) {
    const p = idOf(participant(s));
    body.push(`  Note over ${p}: L${s.line} ${mermaidText(s.op)}${s.detail ? ` — ${mermaidText(s.detail)}` : ''}`);
  }
  const first = ids.size ? [...ids.values()][0]! : idOf(fn);
  for (const f of path.findings) body.push(`  Note over ${first}: ⚠ ${mermaidText(f.rule)}: ${mermaidText(f.message)}`);
  body.push(`  Note over ${first}: ${mermaidText(path.outcome) || 'end of path'}`);
  const head = ['sequenceDiagram', `  title ${mermaidText(`${fn} · path ${path.id} · ${path.scenario}`)}`];
  for (const [name, id] of ids) head.push(`  participant ${id} as ${mermaidText(name) || id}`);
  return [...head, ...body].join('\n') + '\n';
}
