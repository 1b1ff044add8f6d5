import { formatProblem, type InputError } from '../api/input-error.js';

/** How every command shows rejected input: a headline, then each problem on its own line. */
export function renderRejection(headline: string, err: InputError): string {
  const more = err.omitted > 0 ? `  and ${err.omitted} more errors, not listed\n` : '';
  return `slipway: ${headline}:\n${err.problems.map((p) => `  ${formatProblem(p)}\n`).join('')}${more}`;
}
