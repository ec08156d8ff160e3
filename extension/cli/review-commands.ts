// CLI handlers for `review` and `b4-check`, and the report helpers `check` uses; no process access, so tests drive them directly.
import { isAbsolute, resolve } from 'node:path';
import type { AnalysisResult } from '../core/types';
import { InputError } from '../core/review/mail';
import { loadSeries, parseSeriesText } from '../core/review/series';
import { reviewSeries, type Analyzer } from '../core/review/review';
import { b4Check, b4CheckLines, b4Unreviewed, type B4CheckOutcome } from '../core/review/b4';
import { checkLines, LIMITS, LimitError, mib } from '../core/review/policy';
import { errorLine } from '../core/report/escape';
import { UsageError, parseArgs, type Parsed } from './args';
import { formatCheck as formatCheckReport, formatReview, isReportFormat, type ReportFormat } from '../core/report';

/** What a command may touch of the outside world. */
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** all of stdin as text; past @limit bytes the promise rejects (the rest is never held in memory) */
  stdin(limit?: number): Promise<string>;
  cwd: string;
}

/** Extra knobs for tests; the CLI passes none. */
export interface CommandOptions {
  analyzer?: Analyzer;
}

export const REVIEW_USAGE = 'usage: iopf-lens review <patch|mbox|dir|-> [--tree DIR] [--format text|json|sarif]';
export const B4_USAGE = 'usage: iopf-lens b4-check [--tree DIR] [--format json|lines] < patch.eml';

/** The first line of an error, escaped: messages quote subjects and paths written by the patch's author. */
function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return errorLine(msg);
}

/** stdin, capped like every other review input of one run. */
export async function readStdin(io: CliIo): Promise<string> {
  const text = await io.stdin(LIMITS.inputBytes);
  if (Buffer.byteLength(text, 'utf8') > LIMITS.inputBytes) throw stdinTooLarge();
  return checkLines(text, '<stdin>');
}

export const stdinTooLarge = () => new LimitError(`<stdin>: the review input is larger than the ${mib(LIMITS.inputBytes)} limit of one run`);

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
    const series = input === '-' ? parseSeriesText(await readStdin(io), '<stdin>') : loadSeries(abs(io.cwd, input));
    const result = await reviewSeries(series, tree, { analyzer: opts.analyzer });
    io.stdout(formatReview(result, format));
    // A bound is a verdict of its own: not fully reviewed is not clean.
    return result.findings.length || result.patches.some((p) => p.bounded) || result.replies.length ? 1 : 0;
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
    // b4 runs the command it was configured with for every patch: it still gets a verdict to show.
    const lines = argv.includes('lines') || argv.includes('--format=lines');
    io.stdout(print(b4Unreviewed(new InputError(`usage: ${oneLine(e)}`)), lines));
    io.stderr(`iopf-lens b4-check: ${oneLine(e)} (${B4_USAGE})\n`);
    return 2;
  }
  const lines = parsed.options.get('format') === 'lines';
  const tree = abs(io.cwd, parsed.options.get('tree') ?? '.');
  let outcome: B4CheckOutcome;
  try {
    outcome = await b4Check(await readStdin(io), tree, { analyzer: opts.analyzer });
  } catch (e) {
    // Whatever went wrong (bad input, a refused or unreviewable patch, a cap, an internal error), b4 gets a verdict.
    outcome = b4Unreviewed(e);
  }
  io.stdout(print(outcome, lines));
  if (outcome.error) io.stderr(`iopf-lens b4-check: ${oneLine(outcome.error)}\n`);
  return outcome.exit;
}

function print(outcome: B4CheckOutcome, lines: boolean): string {
  return lines ? b4CheckLines(outcome) : JSON.stringify(outcome.results, null, 2) + '\n';
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
