/** The Running status, written once when the run is dispatched, with the Events that announce it. */
import type { Cluster } from '../../api/types.js';
import type { Plan } from '../../engine/plan-types.js';
import type { ExecutionRef } from '../../executors/types.js';
import { summariseRunning, type StatusPair } from '../../operations/summarise.js';
import { createRedactor } from '../../util/redact.js';
import { ControllerMetrics } from '../metrics.js';
import { clusterTarget, opTarget, type OperationTurn } from './operation-turn.js';

export async function showRunning(turn: OperationTurn, ref: ExecutionRef, running: StatusPair, plan: Plan, cluster: Cluster): Promise<void> {
  const { scope, op } = turn;
  // A resumed run found its Job (or run) again: it was dispatched, and announced, before.
  const resumed = op.status?.status === 'Running';
  if (!resumed) {
    const sinceCreated = ControllerMetrics.secondsSince(op.metadata.creationTimestamp);
    if (sinceCreated !== undefined) scope.metrics?.dispatchLatency.observe(sinceCreated);
  }
  // A resumed run keeps the time it first started.
  const operation = resumed && op.status?.startTime ? { ...running.operation, startTime: op.status.startTime } : running.operation;
  const startTime = running.operation.startTime ?? new Date().toISOString();
  await scope.status.pair(op, operation, cluster, (previous) => summariseRunning(op, plan, ref, startTime, previous).cluster);
  if (resumed) return;
  const redact = createRedactor(plan.secrets);
  await Promise.all([
    scope.events.record(opTarget(op), 'Normal', 'Started', redact(`${plan.action}: ${operation.message ?? 'running'}`)),
    running.cluster.phase && scope.events.record(clusterTarget(op.spec.cluster, cluster.metadata.uid), 'Normal', 'OperationStarted', `${op.metadata.name} (${plan.action}); phase ${running.cluster.phase}`),
  ]);
}
