import type { Condition, ConditionStatus } from '../api/types.js';
import type { ObservedHealth } from './cluster-phase.js';

export const CONTROL_PLANE_AVAILABLE = 'ControlPlaneAvailable';
export const WORKERS_READY = 'WorkersReady';
export const SYSTEM_PODS_READY = 'SystemPodsReady';
/** The observed conditions (status.clusterConditions) whose False makes the cluster unhealthy. */
export const HEALTH_CONDITIONS = [CONTROL_PLANE_AVAILABLE, WORKERS_READY, SYSTEM_PODS_READY] as const;

/** Unhealthy when a health condition is False; healthy when all are True; else unknown. Pure. */
export function healthOf(conditions: readonly Condition[] | undefined): ObservedHealth {
  const statuses: (ConditionStatus | undefined)[] = HEALTH_CONDITIONS.map((t) => conditions?.find((c) => c.type === t)?.status);
  if (statuses.includes('False')) return 'unhealthy';
  return statuses.every((s) => s === 'True') ? 'healthy' : 'unknown';
}
