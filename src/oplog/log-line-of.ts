/** The line an executor event adds to the kept log: ansible's own output, framed by step lines. */
import type { ExecutionEvent } from '../executors/types.js';

export function logLineOf(e: ExecutionEvent): string | undefined {
  switch (e.type) {
    case 'output':
      return e.line;
    case 'step-start':
      return `==> step ${e.index + 1}/${e.total} ${e.step.name}`;
    case 'step-end':
      return `==> step ${e.result.name} ${e.result.status}${e.result.message ? `: ${e.result.message}` : ''}`;
    default:
      return undefined;
  }
}
