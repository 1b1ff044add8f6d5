/** `slipway diff`'s human view of a ClusterDiff. Pure. */
import type { ClusterDiff } from '../desired/cluster-diff.js';

export function printConvergence(diff: ClusterDiff): string {
  const { plan } = diff;
  const lines = [`Cluster ${diff.cluster} (reconcile: ${diff.mode}${plan.paused ? ', paused' : ''})`];
  if (plan.paused) lines.push('  paused (annotation slipway.io/reconcile-paused): nothing is planned');
  else if (plan.waiting) lines.push(`  waiting: ${plan.waiting}`);
  else if (plan.blocked.length > 0) {
    lines.push('  needs a person (no operation is planned until these are resolved):');
    for (const b of plan.blocked) lines.push(`    - ${b}`);
  } else if (plan.operations.length === 0) lines.push('  up to date: the cluster is what its inputs say');
  else {
    plan.operations.forEach((op, i) => {
      lines.push(`  ${i + 1}. ${op.action}${op.extraArgs ? ` ${op.extraArgs}` : ''}${op.postHook?.length ? ` (then ${op.postHook.map((h) => `${h.action}${h.extraArgs ? ` ${h.extraArgs}` : ''}`).join(', ')})` : ''}`);
      lines.push(`     ${op.reason}`);
      if (op.needsApproval) lines.push(`     held: ${op.needsApproval}`);
    });
    if (diff.mode !== 'Auto') lines.push(`  (reconcile ${diff.mode}: shown only; create these operations yourself, or set slipway.io/reconcile=Auto)`);
  }
  return lines.join('\n') + '\n';
}
