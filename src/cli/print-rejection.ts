import { formatProblem, type InputError } from '../api/input-error.js';

/** How every command shows rejected input: a headline, then each problem on its own line. */
export function renderRejection(headline: string, err: InputError): string {
  return `slipway: ${headline}:\n${err.problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`;
}
