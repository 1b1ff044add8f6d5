import { ProblemList, describeObject } from './input-error.js';
import { checkTextSize, type InputLimits } from './input-limits.js';
import type { OperationInput, SourcedText } from './resolve-input.js';
import { actionsOf } from './validate-operation.js';

/**
 * Checks every text of an operation against the size limits before anything parses it.
 * Returns whether all are within bounds; each one over is a problem at its object and key.
 */
export function checkInputSizes(input: OperationInput, limits: Pick<InputLimits, 'maxTextBytes' | 'maxExtraArgsBytes'>, problems: ProblemList): boolean {
  let ok = true;
  const text = (t: SourcedText | undefined): void => {
    if (t && !checkTextSize(t.text, limits.maxTextBytes, problems.at({ object: t.object, key: t.key }))) ok = false;
  };
  text(input.hosts);
  text(input.vars);
  text(input.ssh?.privateKey);
  text(input.ssh?.knownHosts);
  for (const f of input.actionFiles.values()) text(f);
  const op = describeObject('ClusterOperation', input.operation.metadata.name ?? '?');
  for (const a of actionsOf(input.operation)) {
    if (typeof a.extraArgs !== 'string') continue;
    const key = `${a.field}.extraArgs`;
    if (!checkTextSize(a.extraArgs, limits.maxExtraArgsBytes, problems.at({ object: op, key }))) ok = false;
  }
  return ok;
}
