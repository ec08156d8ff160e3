// Hover on a mapped call: what it does to the model, in the kernel's words (from the core's describeOperation).
import * as vscode from 'vscode';
import { describeOperation, filePath, latestResult } from './core-host';

/**
 * The called name under the cursor: `foo` in `foo(`, or the field in `ops->page_response(` /
 * `domain->iopf_handler(` (the mapping binds field calls by their field name).
 */
export function calledNameAt(line: string, character: number): { name: string; start: number; end: number } | undefined {
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const start = m.index, end = start + m[0].length;
    if (character < start || character > end) continue;
    const after = line.slice(end);
    // A call, or a macro-like call with whitespace before the parenthesis.
    if (!/^\s*\(/.test(after)) return undefined;
    return { name: m[0], start, end };
  }
  return undefined;
}

/** Markdown-escapes text without appendText's &nbsp; spaces, so the hover reads (and searches) as plain words. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** A call the latest analysis could not follow: say so, and what the simulation assumed instead. */
function unmodelledHover(doc: vscode.TextDocument, pos: vscode.Position, hit: { name: string; start: number; end: number }): vscode.Hover | undefined {
  const self = filePath(doc.uri);
  const u = latestResult(doc.uri)?.unknownCalls.find((c) => c.file === self && c.line === pos.line + 1 && c.name === hit.name);
  if (!u) return undefined;
  const md = new vscode.MarkdownString();
  md.supportHtml = false;
  md.isTrusted = false;
  md.appendMarkdown(`**iopf-lens** · \`${u.name}\` · not modelled\n\n`);
  md.appendMarkdown(escapeMarkdown(`No contract and no body in the workspace. In ${u.function}(), the simulation takes its result as ` +
    'an unknown value (the same for the same arguments along one path) and assumes it may keep what it is given, so no leak ' +
    'is reported for that. What it does to locks, references and page requests is not seen.'));
  return new vscode.Hover(md, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
}

class OperationHover implements vscode.HoverProvider {
  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const text = doc.lineAt(pos.line).text;
    const hit = calledNameAt(text, pos.character);
    if (!hit) return undefined;
    const before = text.slice(0, hit.start);
    const field = /(->|\.)\s*$/.test(before);
    const described = field
      ? (await describeOperation(`->${hit.name}`)) ?? (await describeOperation(hit.name))
      : await describeOperation(hit.name);
    if (!described) return field ? undefined : unmodelledHover(doc, pos, hit);
    const md = new vscode.MarkdownString();
    // Kernel wording only: no HTML, no command links, so nothing in it can act.
    md.supportHtml = false;
    md.isTrusted = false;
    // The call as written: `->page_response` for a call through an ops table, not a function of that name.
    const receiver = field ? /(\w+)\s*(->|\.)\s*$/.exec(before) : null;
    const shown = field ? `${receiver ? receiver[1] : ''}${receiver ? receiver[2] : '->'}${hit.name}` : hit.name;
    md.appendMarkdown(`**iopf-lens** · \`${shown}\`${field ? ' (through an ops table)' : ''}\n\n`);
    md.appendMarkdown(escapeMarkdown(described));
    return new vscode.Hover(md, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
  }
}

export function activate(ctx: vscode.ExtensionContext): void {
  ctx.subscriptions.push(vscode.languages.registerHoverProvider({ language: 'c' }, new OperationHover()));
}
