// b4 check commands: one patch mail in, b4's external-check JSON out (`b4 review`), or checkpatch-style lines (`b4 prep --check`, `b4 am`).
import { ApplyError, applyPatchToTree, TreeState, unapplyPatchFromTree, type AppliedPatch } from './apply';
import { InputError } from './mail';
import { reviewApplied, type PatchReview, type ReviewOptions } from './review';
import { parseSeriesText } from './series';
import { reviewText } from '../report/text';
import { errorLine, safeLines, safeText } from '../report/escape';
import { LimitError, NotReviewableError, RefusedPatchError } from './policy';

/** One entry of b4's external check protocol (b4 review: review-perpatch-check-cmd / review-series-check-cmd). */
export interface B4CheckResult {
  tool: 'iopf-lens';
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: null;
  details: string;
}

export interface B4CheckOutcome {
  /** the JSON array b4 reads; empty for a cover letter ("nothing to report") */
  results: B4CheckResult[];
  review?: PatchReview;
  /** CLI exit status: 0 clean, 1 findings or bounded (not fully reviewed), 2 the patch could not be reviewed */
  exit: 0 | 1 | 2;
  /** one line for stderr when exit is 2 */
  error?: string;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function rulesOf(p: PatchReview['introduced']): string {
  return [...new Set(p.map((f) => f.rule))].join(', ');
}

/**
 * b4Check - review the one patch mail in @mail against the tree at @tree (b4 runs check commands in the
 * top of the git tree). A patch the tree already holds (b4 prep) is reviewed against the tree with it reversed.
 * Input that is not a patch mail throws InputError.
 */
export async function b4Check(mail: string, tree: string, opts: ReviewOptions = {}): Promise<B4CheckOutcome> {
  const series = parseSeriesText(mail, '<stdin>', true);
  if (!series.patches.length) return { results: [], exit: 0 }; // a cover letter: nothing to check
  if (series.patches.length > 1) throw new InputError('<stdin>: b4-check takes one patch mail; use `review` for a series');
  const patch = series.patches[0];
  const state = TreeState.open(tree);
  let applied: AppliedPatch | undefined;
  try {
    applied = applyPatchToTree(state, patch);
  } catch (e) {
    if (!(e instanceof ApplyError)) throw e;
    applied = unapplyPatchFromTree(state, patch);
    if (!applied) {
      // Earlier patches of its series are probably not in the tree: say so, do not call it a failure of the patch.
      return {
        results: [{ tool: 'iopf-lens', status: 'warn', summary: 'not reviewed: the patch does not apply to the tree', url: null, details: safeText(e.message) }],
        exit: 2,
        error: safeText(e.message),
      };
    }
  }
  const review = await reviewApplied(patch, applied, opts);
  return verdictOf(review, tree);
}

/** The b4 verdict of one reviewed patch: fail for an error finding, warn for any other finding or a bound, else pass. */
function verdictOf(review: PatchReview, tree: string): B4CheckOutcome {
  const errors = review.introduced.filter((f) => f.severity === 'error');
  const status: B4CheckResult['status'] = errors.length ? 'fail' : review.introduced.length || review.bounded ? 'warn' : 'pass';
  const parts: string[] = [];
  if (review.introduced.length) parts.push(`introduces ${plural(review.introduced.length, 'finding')} (${rulesOf(review.introduced)})`);
  if (review.fixed.length) parts.push(`fixes ${plural(review.fixed.length, 'finding')} (${rulesOf(review.fixed)})`);
  const outcomes = review.changed.filter((c) => c.kind === 'outcome').length;
  if (outcomes) parts.push(`${plural(outcomes, 'path outcome')} changed`);
  const contracts = review.changed.filter((c) => c.kind === 'contract');
  for (const c of contracts) parts.push(`${c.function}() now returns ${c.after}`);
  // A bound hides paths: that is said first, and never read as "no change".
  if (review.bounded) parts.unshift('not fully reviewed (bounded: exploration hit a bound)');
  if (!parts.length) parts.push(review.functions.length ? 'no change in simulated behaviour' : 'no C function changed');
  const details = reviewText({ title: undefined, tree, findings: review.introduced, remaining: review.introduced, patches: [review], replies: [] });
  return {
    results: [{ tool: 'iopf-lens', status, summary: safeText(parts.join('; ')), url: null, details }],
    review,
    exit: review.introduced.length || review.bounded ? 1 : 0,
  };
}

/**
 * b4Unreviewed - the verdict when a patch could not be reviewed at all (refused, not reviewable, past a
 * cap, or an internal error): b4 always gets a result, a warning that says why, and the CLI exits 2.
 */
export function b4Unreviewed(e: unknown): B4CheckOutcome {
  const msg = errorLine(e instanceof Error ? e.message : String(e));
  const summary = e instanceof NotReviewableError ? `not reviewable: ${e.path}: ${e.reason}`
    : e instanceof RefusedPatchError ? 'refused: the patch touches a path a review never reads'
      : e instanceof LimitError ? 'not reviewed: the input is past a limit of one run'
        : e instanceof InputError ? 'not reviewed: the input is not a patch this check can read'
          : 'not reviewed: internal error';
  const error = e instanceof InputError ? msg : `internal error: ${msg}`;
  return { results: [{ tool: 'iopf-lens', status: 'warn', summary: safeText(summary), url: null, details: error }], exit: 2, error };
}

/**
 * b4CheckLines - the same verdict as checkpatch-style lines, for b4.am-perpatch-check-cmd and
 * b4.prep-perpatch-check-cmd, which read one line per problem (a line with "ERROR:" counts as a failure).
 */
export function b4CheckLines(o: B4CheckOutcome): string {
  if (o.exit === 2 && o.error) return safeLines([`-:1: WARNING: iopf-lens: ${o.error}`]);
  const lines = (o.review?.introduced ?? []).map((f) =>
    `${f.file}:${f.line}: ${f.severity === 'error' ? 'ERROR' : 'WARNING'}: ${f.rule}: ${f.message.replace(/\s+/g, ' ')} (in ${f.function}()${f.scenario ? `, scenario ${f.scenario}` : ''})`);
  if (o.review?.bounded) lines.push('-:1: WARNING: iopf-lens: not fully reviewed (bounded): exploration of the changed functions hit a bound; no finding on the paths cut off is not a proof');
  return lines.length ? safeLines(lines) : '';
}
