import { INVENTORY_PATH } from '../engine/ansible-env.js';
import type { Plan } from '../engine/plan-types.js';
import { describeUpgradeBatches } from '../engine/upgrade-batches.js';
import { createRedactor } from '../util/redact.js';

/** Shell-style quoting for display only: plans are never run through a shell. */
function quoteForDisplay(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function describeDeadline(plan: Pick<Plan, 'activeDeadlineSeconds' | 'deadlineSource'>): string {
  const from = plan.deadlineSource === 'spec' ? 'spec.activeDeadlineSeconds' : "the operator's default";
  return plan.activeDeadlineSeconds ? `${plan.activeDeadlineSeconds}s (${from})` : `none (${from})`;
}

/** The dry run: inventory, files, steps and argv, with every secret redacted. */
export function renderPlan(plan: Plan): string {
  const redact = createRedactor(plan.secrets);
  const out: string[] = [];
  out.push(`Operation ${plan.operation} on cluster ${plan.cluster}: ${plan.action}`);
  out.push(`Target hosts: ${plan.targetHosts.join(', ')}`);
  out.push(`Deadline: ${describeDeadline(plan)}`);
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  out.push('', 'Files:');
  for (const f of plan.files) {
    out.push(`  ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}${f.secret ? ', secret' : ''})`);
  }
  const inventory = plan.files.find((f) => f.path === INVENTORY_PATH);
  if (inventory) {
    out.push('', 'Inventory:');
    for (const line of redact(inventory.content).trimEnd().split('\n')) out.push(`  ${line}`);
  }
  if (plan.upgrade) {
    out.push('', 'Upgrade:');
    for (const line of describeUpgradeBatches(plan.upgrade)) out.push(`  ${line}`);
  }
  out.push('', 'Steps:');
  plan.steps.forEach((s, i) => {
    out.push(`  ${i + 1}/${plan.steps.length} ${s.name} [${s.kind}, ${s.source}]`);
    out.push(`      ${s.argv.map(quoteForDisplay).join(' ')}`);
  });
  return `${out.join('\n')}\n`;
}
