import type { LineCounter, YAMLError } from 'yaml';
import type { ProblemList } from './input-error.js';

/** Records each YAML syntax error as a `malformed-yaml` problem with its line. */
export function reportYamlErrors(
  errors: readonly YAMLError[],
  lineCounter: LineCounter,
  where: { object: string; key?: string },
  problems: ProblemList,
): void {
  for (const err of errors) {
    problems.error({
      code: 'malformed-yaml',
      ...where,
      line: lineCounter.linePos(err.pos[0]).line,
      message: `malformed YAML: ${err.message.split('\n')[0]}`,
    });
  }
}
