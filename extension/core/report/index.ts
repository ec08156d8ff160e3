// Report formatting for every CLI command: one entry per kind of result and format (text, json, sarif).
import type { AnalysisResult } from '../types';
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
  return checkText(result);
}

/** formatReview - the report of `review` (behaviour diff of a patch or series) in @format, ending with a newline */
export function formatReview(result: ReviewResult, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(reviewJson(result), null, 2) + '\n';
  if (format === 'sarif') return JSON.stringify(reviewSarif(result), null, 2) + '\n';
  return reviewText(result);
}
