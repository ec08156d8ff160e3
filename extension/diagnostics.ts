// Findings as diagnostics on open C files: debounced on edit, rule id linked to its documentation, trace as related information, "Show simulation" quick fix.
import * as vscode from 'vscode';
import type { Finding, TraceStep } from './core/types';
import { analyzeDocument, latestResult, onDidAnalyzePartially, onDidInvalidate, uriForPath, filePath } from './core-host';
import type { AnalysisResult } from './core/types';
import { getSettings, onDidChangeSettings } from './settings';
import { CMD } from './command-ids';
import { REVIEW_SCHEME } from './review-docs';

export const DIAGNOSTIC_SOURCE = 'iopf-lens';
/** Related-information entries per diagnostic: enough to follow a trace, not a wall of text. */
const MAX_RELATED = 40;

let collection: vscode.DiagnosticCollection | undefined;
let extensionUri: vscode.Uri | undefined;
const timers = new Map<string, ReturnType<typeof setTimeout>>();

/**
 * The documentation anchor of a rule: docs/rules.md has one heading per rule id, and a heading
 * "`iopf/use-after-free`" gets the GitHub-style anchor "iopfuse-after-free".
 */
export function ruleAnchor(rule: string): string {
  return rule.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

/** docs/rules.md inside the installed extension (the package ships it), at the rule's heading. */
export function ruleDocUri(rule: string): vscode.Uri {
  const base = extensionUri ?? vscode.Uri.file('/');
  return vscode.Uri.joinPath(base, 'docs', 'rules.md').with({ fragment: ruleAnchor(rule) });
}

function toSeverity(s: string): vscode.DiagnosticSeverity {
  return s === 'error' ? vscode.DiagnosticSeverity.Error
    : s === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

export function stepRange(step: TraceStep): vscode.Range {
  const r = step.range;
  if (r && r.start && r.end) return new vscode.Range(r.start.line, r.start.column, r.end.line, r.end.column);
  return new vscode.Range(Math.max(0, step.line - 1), 0, Math.max(0, step.line - 1), 0);
}

/** The finding's own range: the trace step at its line if there is one, else its line from the column on. */
function findingRange(doc: vscode.TextDocument, f: Finding): vscode.Range {
  const line = Math.min(Math.max(0, f.line - 1), Math.max(0, doc.lineCount - 1));
  const step = [...f.trace].reverse().find((s) => s.line === f.line && s.file === f.file);
  if (step) {
    const r = stepRange(step);
    // A multi-line step (a whole if-statement) would underline half the function: keep its first line.
    return r.start.line === r.end.line ? r : new vscode.Range(r.start, doc.lineAt(r.start.line).range.end);
  }
  const text = doc.lineAt(line);
  const col = Math.min(Math.max(0, f.column - 1), text.range.end.character);
  const start = Math.max(col, text.firstNonWhitespaceCharacterIndex);
  return new vscode.Range(line, start, line, Math.max(start + 1, text.range.end.character));
}

export function stepLabel(s: TraceStep): string {
  return `${s.thread ? `[${s.thread}] ` : ''}${s.op}${s.detail ? ` — ${s.detail}` : ''}`;
}

export function toDiagnostic(doc: vscode.TextDocument, f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(findingRange(doc, f),
    `${f.message}${f.scenario ? ` (scenario: ${f.scenario})` : ''}`, toSeverity(f.severity));
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: f.rule, target: ruleDocUri(f.rule) };
  const steps = f.trace.length > MAX_RELATED
    ? [...f.trace.slice(0, MAX_RELATED / 2), ...f.trace.slice(-MAX_RELATED / 2)] : f.trace;
  d.relatedInformation = steps.map((s, i) => new vscode.DiagnosticRelatedInformation(
    new vscode.Location(uriForPath(s.file, doc.uri), stepRange(s)),
    `${i + 1}. ${stepLabel(s)}`));
  // What followed from it on the same path, where it happened.
  for (const c of f.consequences ?? []) {
    const line = Math.max(0, c.line - 1);
    d.relatedInformation.push(new vscode.DiagnosticRelatedInformation(
      new vscode.Location(uriForPath(c.file, doc.uri), new vscode.Range(line, Math.max(0, c.column - 1), line, Math.max(0, c.column - 1))),
      `then: ${c.message} [${c.rule}]`));
  }
  return d;
}

async function refresh(doc: vscode.TextDocument): Promise<void> {
  if (!collection || doc.languageId !== 'c') return;
  // A side of a reviewed patch is an in-memory copy: its findings are the review panel's, not Problems'.
  if (!getSettings().hints || doc.uri.scheme === REVIEW_SCHEME) { collection.delete(doc.uri); return; }
  const version = doc.version;
  const result = await analyzeDocument(doc);
  if (!result || doc.isClosed || doc.version !== version) return;
  publish(doc, result);
}

function publish(doc: vscode.TextDocument, result: AnalysisResult): void {
  const self = filePath(doc.uri);
  collection?.set(doc.uri, result.findings.filter((f) => f.file === self).map((f) => toDiagnostic(doc, f)));
}

/**
 * Every function re-simulated while interleavings that read the edit are explored again: publish
 * now (their previous findings stay until their new ones replace them).
 */
function publishPartial(e: { uri: vscode.Uri; version: number; result: AnalysisResult }): void {
  if (!collection || !getSettings().hints) return;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === e.uri.toString());
  if (!doc || doc.isClosed || doc.version !== e.version || doc.uri.scheme === REVIEW_SCHEME) return;
  publish(doc, e.result);
}

function schedule(doc: vscode.TextDocument): void {
  if (doc.languageId !== 'c') return;
  const key = doc.uri.toString();
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => { timers.delete(key); void refresh(doc); }, getSettings().debounceMs));
}

function refreshAll(): void {
  for (const editor of vscode.window.visibleTextEditors) void refresh(editor.document);
  for (const doc of vscode.workspace.textDocuments) if (doc.languageId === 'c') schedule(doc);
}

/** The finding behind a diagnostic, found again in the latest analysis (diagnostics come back as copies). */
export function findingFor(uri: vscode.Uri, d: vscode.Diagnostic): Finding | undefined {
  const rule = typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
  const result = latestResult(uri);
  const self = filePath(uri);
  return result?.findings.find((f) => f.rule === rule && f.file === self &&
    Math.abs(f.line - 1 - d.range.start.line) <= 0);
}

class ShowSimulationFix implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const f = findingFor(doc.uri, d);
      const rule = typeof d.code === 'object' ? String(d.code.value) : '';
      const a = new vscode.CodeAction(`Show simulation${rule ? ` (${rule})` : ''}`, vscode.CodeActionKind.QuickFix);
      a.diagnostics = [d];
      a.isPreferred = true;
      a.command = {
        command: CMD.simulateFunction, title: 'Show simulation',
        arguments: [{ uri: doc.uri.toString(), function: f?.function, line: d.range.start.line + 1, rule }],
      };
      out.push(a);
    }
    return out;
  }
}

export function activate(ctx: vscode.ExtensionContext): void {
  extensionUri = ctx.extensionUri;
  collection = vscode.languages.createDiagnosticCollection('iopf');
  ctx.subscriptions.push(collection,
    vscode.workspace.onDidOpenTextDocument((d) => schedule(d)),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length) schedule(e.document); }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      clearTimeout(timers.get(d.uri.toString()));
      collection?.delete(d.uri);
    }),
    vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach((e) => schedule(e.document))),
    onDidChangeSettings(() => refreshAll()),
    onDidInvalidate(() => refreshAll()),
    onDidAnalyzePartially(publishPartial),
    vscode.languages.registerCodeActionsProvider({ language: 'c' }, new ShowSimulationFix(),
      { providedCodeActionKinds: ShowSimulationFix.kinds }),
    { dispose: () => { for (const t of timers.values()) clearTimeout(t); timers.clear(); } });
  for (const doc of vscode.workspace.textDocuments) schedule(doc);
}
