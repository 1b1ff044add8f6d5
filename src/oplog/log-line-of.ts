/** The line an executor event adds to the kept log: ansible's own output, framed by step lines. */
import type { ExecutionEvent } from '../executors/types.js';

export function logLineOf(e: ExecutionEvent): string | undefined {
  switch (e.type) {
    case 'output':
      return e.line;
    case 'step-start':
      return `==> step ${e.index + 1}/${e.total} ${e.step.name}`;
    case 'step-end': {
      const ms = Date.parse(e.result.endTime) - Date.parse(e.result.startTime);
      const took = Number.isFinite(ms) && ms >= 0 ? ` in ${(ms / 1000).toFixed(1)}s` : '';
      return `==> step ${e.result.name} ${e.result.status}${took}${e.result.message ? `: ${e.result.message}` : ''}`;
    }
    default:
      return undefined;
  }
}
