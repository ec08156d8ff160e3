// Report formatting for every CLI command: one entry per kind of result and format (text, json, sarif).
import type { AnalysisNote, AnalysisResult } from '../types';
import type { ReviewResult } from '../review/review';
import { checkJson, reviewJson } from './json';
import { checkSarif, reviewSarif } from './sarif';
import { checkText, reviewText } from './text';

export type ReportFormat = 'text' | 'json' | 'sarif';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s);
}

/** formatCheck - the report of `check` (analysis of files) in @format, ending with a newline */
export function formatCheck(result: AnalysisResult, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(checkJson(result), null, 2) + '\n';
  if (format === 'sarif') return JSON.stringify(checkSarif(result), null, 2) + '\n';
  return (result.notes ?? []).map(noteLine).join('') + checkText(result);
}

/** A note in the compiler's style; control and format characters of a path are shown escaped, so the line stays one line. */
function noteLine(n: AnalysisNote): string {
  const shown = (s: string) => s.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => {
    const k = c.codePointAt(0)!;
    return k < 0x100 ? `\\x${k.toString(16).padStart(2, '0')}` : `\\u${k.toString(16).padStart(4, '0')}`;
  });
  return `${shown(n.file)}:${n.line}: note: ${shown(n.message)}\n`;
}

/** formatReview - the report of `review` (behaviour diff of a patch or series) in @format, ending with a newline */
export function formatReview(result: ReviewResult, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(reviewJson(result), null, 2) + '\n';
  if (format === 'sarif') return JSON.stringify(reviewSarif(result), null, 2) + '\n';
  return reviewText(result);
}
