/**
 * The declarative path's switches, as annotations on the Cluster (kubean's schema stays as it
 * is): `slipway.io/reconcile` Off (default), Plan or Auto; `slipway.io/reconcile-paused` (any
 * value) stops it; `slipway.io/approve-removal` names the nodes whose removal is approved.
 */
import type { Cluster } from '../api/types.js';
import { RECONCILE_MODES, type ReconcileMode } from './convergence-types.js';

export const RECONCILE_ANNOTATION = 'slipway.io/reconcile';
export const PAUSE_ANNOTATION = 'slipway.io/reconcile-paused';
export const APPROVE_REMOVAL_ANNOTATION = 'slipway.io/approve-removal';

export type ReconcileSwitches = { mode: ReconcileMode; paused: boolean; approvedRemovals: string[] } | { problem: string };

export function reconcileSwitches(cluster: Cluster): ReconcileSwitches {
  const annotations = cluster.metadata.annotations ?? {};
  const raw = annotations[RECONCILE_ANNOTATION];
  const mode = raw === undefined || raw === '' ? 'Off' : RECONCILE_MODES.find((m) => m.toLowerCase() === raw.trim().toLowerCase());
  if (!mode) return { problem: `Cluster ${cluster.metadata.name}, annotation ${RECONCILE_ANNOTATION}: ${JSON.stringify((raw ?? '').slice(0, 40))} is not one of ${RECONCILE_MODES.join(', ')}` };
  const approvedRemovals = (annotations[APPROVE_REMOVAL_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { mode, paused: (annotations[PAUSE_ANNOTATION] ?? '') !== '', approvedRemovals };
}
