// CLI handlers for `review` and `b4-check`, and the report helpers `check` uses; no process access, so tests drive them directly.
import { isAbsolute, resolve } from 'node:path';
import type { AnalysisResult } from '../core/types';
import { InputError } from '../core/review/mail';
import { loadSeries, parseSeriesText } from '../core/review/series';
import { reviewSeries, type Analyzer } from '../core/review/review';
import { b4Check, b4CheckLines } from '../core/review/b4';
import { UsageError, parseArgs, type Parsed } from './args';
import { formatCheck as formatCheckReport, formatReview, isReportFormat, type ReportFormat } from '../core/report';

/** What a command may touch of the outside world. */
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  stdin(): Promise<string>;
  cwd: string;
}

/** Extra knobs for tests; the CLI passes none. */
export interface CommandOptions {
  analyzer?: Analyzer;
}

export const REVIEW_USAGE = 'usage: iopf-lens review <patch|mbox|dir|-> [--tree DIR] [--format text|json|sarif]';
export const B4_USAGE = 'usage: iopf-lens b4-check [--tree DIR] [--format json|lines] < patch.eml';

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

const abs = (cwd: string, p: string) => (isAbsolute(p) ? p : resolve(cwd, p));

/**
 * reviewCommand - `review <patch|mbox|dir|-> [--tree DIR] [--format text|json|sarif]`.
 * Exit 0 when no patch introduces a finding, 1 when one does, 2 for bad input or usage (one line on stderr).
 */
export async function reviewCommand(argv: string[], io: CliIo, opts: CommandOptions = {}): Promise<number> {
  let format: ReportFormat = 'text';
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv, ['tree', 'format']);
    const f = parsed.options.get('format') ?? 'text';
    if (!isReportFormat(f)) throw new UsageError(`unknown format "${f}" (text, json or sarif)`);
    format = f;
    if (parsed.positional.length !== 1) throw new UsageError(parsed.positional.length ? 'one patch, mbox or folder at a time' : 'what to review is missing');
  } catch (e) {
    io.stderr(`iopf-lens review: ${oneLine(e)} (${REVIEW_USAGE})\n`);
    return 2;
  }
  const input = parsed.positional[0];
  const tree = abs(io.cwd, parsed.options.get('tree') ?? '.');
  try {
    const series = input === '-' ? parseSeriesText(await io.stdin(), '<stdin>') : loadSeries(abs(io.cwd, input));
    const result = await reviewSeries(series, tree, { analyzer: opts.analyzer });
    io.stdout(formatReview(result, format));
    return result.findings.length ? 1 : 0;
  } catch (e) {
    io.stderr(e instanceof InputError ? `iopf-lens review: ${oneLine(e)}\n` : `iopf-lens review: analysis failed: ${oneLine(e)}\n`);
    return 2;
  }
}

/**
 * b4CheckCommand - `b4-check [--tree DIR] [--format json|lines]`: one patch mail on stdin.
 * json (default) is b4 review's external check protocol; lines suits b4.am/prep-perpatch-check-cmd.
 */
export async function b4CheckCommand(argv: string[], io: CliIo, opts: CommandOptions = {}): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv, ['tree', 'format']);
    if (parsed.positional.length) throw new UsageError('the patch mail is read from stdin, not from arguments');
    const f = parsed.options.get('format') ?? 'json';
    if (f !== 'json' && f !== 'lines') throw new UsageError(`unknown format "${f}" (json or lines)`);
  } catch (e) {
    io.stderr(`iopf-lens b4-check: ${oneLine(e)} (${B4_USAGE})\n`);
    return 2;
  }
  const lines = parsed.options.get('format') === 'lines';
  const tree = abs(io.cwd, parsed.options.get('tree') ?? '.');
  try {
    const outcome = await b4Check(await io.stdin(), tree, { analyzer: opts.analyzer });
    io.stdout(lines ? b4CheckLines(outcome) : JSON.stringify(outcome.results, null, 2) + '\n');
    if (outcome.error) io.stderr(`iopf-lens b4-check: ${outcome.error}\n`);
    return outcome.exit;
  } catch (e) {
    io.stderr(e instanceof InputError ? `iopf-lens b4-check: ${oneLine(e)}\n` : `iopf-lens b4-check: analysis failed: ${oneLine(e)}\n`);
    return 2;
  }
}

/** formatCheck - the `check` report in @format ('text' | 'json' | 'sarif'); throws on an unknown format. */
export function formatCheck(result: AnalysisResult, format: string): string {
  if (!isReportFormat(format)) throw new Error(`unknown format "${format}" (text, json or sarif)`);
  return formatCheckReport(result, format);
}

/** checkExitCode - 1 when @result has findings, else 0 (2 is for the caller's input errors). */
export function checkExitCode(result: AnalysisResult): 0 | 1 {
  return result.findings.length ? 1 : 0;
}
