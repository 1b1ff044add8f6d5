import type { ClusterOperationSpec } from '../api/types.js';
import type { Plan } from './plan-types.js';

/** kubean has no deadline; Slipway stops every operation after 6 h unless told otherwise. */
export const DEFAULT_DEADLINE_SECONDS = 6 * 60 * 60;

/**
 * The deadline an operation runs under: its spec.activeDeadlineSeconds when positive, else the
 * operator's default (0 there means none).
 */
export function operationDeadline(
  spec: Pick<ClusterOperationSpec, 'activeDeadlineSeconds'>,
  defaultSeconds = DEFAULT_DEADLINE_SECONDS,
): Pick<Plan, 'activeDeadlineSeconds' | 'deadlineSource'> {
  const own = spec.activeDeadlineSeconds;
  if (own !== undefined && own > 0) return { activeDeadlineSeconds: own, deadlineSource: 'spec' };
  return defaultSeconds > 0 ? { activeDeadlineSeconds: defaultSeconds, deadlineSource: 'operator' } : { deadlineSource: 'operator' };
}
