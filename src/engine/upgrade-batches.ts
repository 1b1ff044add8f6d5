/**
 * How upgrade-cluster.yml will take the workers: in batches of kubespray's `serial` (a count or
 * a percentage), with `upgrade_node_pause_seconds` between nodes and kubespray's drain settings.
 * Pure: computed from the variables the playbook reads, shown by `slipway plan`, with a problem
 * filed for any value the playbook could not honour.
 */
import type { ProblemSink } from '../api/input-error.js';

/** Slipway's default when `serial` is unset: one worker at a time (kubespray's is 20%). */
export const DEFAULT_SERIAL = 1;

/** kubespray's drain defaults (roles/upgrade/pre-upgrade/defaults), as playbooks/roles/drain_node has them. */
export const DRAIN_DEFAULTS = {
  drain_nodes: true,
  drain_grace_period: 300,
  drain_timeout: '360s',
  drain_retries: 3,
  drain_retry_delay_seconds: 10,
  drain_pod_selector: '',
  // kubespray always passes both flags; Slipway names them so they can be turned off.
  drain_ignore_daemonsets: true,
  drain_delete_emptydir_data: true,
} as const;

export interface DrainSettings {
  enabled: boolean;
  gracePeriod: string;
  timeout: string;
  retries: string;
  retryDelaySeconds: string;
  podSelector: string;
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
}

export interface UpgradeBatches {
  /** `serial` as given (or the default), e.g. "20%", "2". */
  serial: string;
  /** The workers of each batch, in inventory order; undefined when `serial` is templated. */
  batches?: string[][];
  /** Seconds upgrade_node_pause_seconds waits before each batch (each control plane, each batch of workers). */
  pauseSeconds: string;
  drain: DrainSettings;
}

const isTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');
const BOOL_TRUE = new Set(['true', 'yes', 'on', '1']);
const BOOL_FALSE = new Set(['false', 'no', 'off', '0']);

/** Ansible's boolean filter over what YAML or `-e` gives; undefined for anything else. */
function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  return BOOL_TRUE.has(s) ? true : BOOL_FALSE.has(s) ? false : undefined;
}

/** The batch size for `count` hosts as Ansible computes it (pct_to_int: floor, at least 1); undefined when not a size. */
export function batchSize(serial: unknown, count: number): number | undefined {
  const s = String(serial).trim();
  const pct = /^(\d+)%$/.exec(s);
  if (pct) {
    const p = Number(pct[1]);
    if (p < 1 || p > 100) return undefined;
    return Math.max(1, Math.floor((p / 100) * count));
  }
  if (!/^\d+$/.test(s) || Number(s) < 1) return undefined;
  return Number(s);
}

/** `hosts` cut into batches of `size`. */
export function cutBatches(hosts: readonly string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < hosts.length; i += size) out.push(hosts.slice(i, i + size));
  return out;
}

/**
 * The upgrade's worker batches and drain settings from `vars` (the vars ConfigMap, then the
 * action's `-e`, later wins). Values that cannot work are errors on `sink`: a `serial` that is
 * no count or percentage, `upgrade_node_confirm` (no one is at a terminal to confirm; a pause or
 * one operation per batch with --limit does it), a negative pause.
 */
export function upgradeBatches(vars: Record<string, unknown>, workers: readonly string[], sink: ProblemSink): UpgradeBatches {
  const serialRaw = vars.serial ?? DEFAULT_SERIAL;
  const serial = String(serialRaw);
  let batches: string[][] | undefined;
  if (!isTemplate(serialRaw)) {
    const size = batchSize(serialRaw, workers.length);
    if (size === undefined) sink.error('bad-serial', `serial ${JSON.stringify(serialRaw)} is neither a count of hosts (1 or more) nor a percentage (1%–100%)`);
    else batches = cutBatches(workers, size);
  }
  const confirm = vars.upgrade_node_confirm;
  if (confirm !== undefined && !isTemplate(confirm) && asBool(confirm) !== false) {
    sink.error(
      'upgrade-node-confirm',
      'upgrade_node_confirm asks for Enter at a terminal before each node, and no one is at one (the run is a Job or a background process): set upgrade_node_pause_seconds, or upgrade a batch at a time with --limit',
    );
  }
  const pause = vars.upgrade_node_pause_seconds ?? 0;
  if (!isTemplate(pause) && !/^\d+$/.test(String(pause).trim())) sink.error('bad-pause', `upgrade_node_pause_seconds ${JSON.stringify(pause)} is not a whole number of seconds`);
  const flag = (name: keyof typeof DRAIN_DEFAULTS): boolean => {
    const v = vars[name] ?? DRAIN_DEFAULTS[name];
    const b = asBool(v);
    if (b === undefined && !isTemplate(v)) sink.error('bad-drain-flag', `${name} ${JSON.stringify(v)} is not a boolean`);
    return b ?? Boolean(DRAIN_DEFAULTS[name]);
  };
  const text = (name: keyof typeof DRAIN_DEFAULTS): string => String(vars[name] ?? DRAIN_DEFAULTS[name]);
  return {
    serial,
    ...(batches ? { batches } : {}),
    pauseSeconds: String(pause),
    drain: {
      enabled: flag('drain_nodes'),
      gracePeriod: text('drain_grace_period'),
      timeout: text('drain_timeout'),
      retries: text('drain_retries'),
      retryDelaySeconds: text('drain_retry_delay_seconds'),
      podSelector: text('drain_pod_selector'),
      ignoreDaemonsets: flag('drain_ignore_daemonsets'),
      deleteEmptydirData: flag('drain_delete_emptydir_data'),
    },
  };
}

/** The plan's lines about the upgrade's batches and drains. */
export function describeUpgradeBatches(u: UpgradeBatches): string[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const out: string[] = [];
  if (!u.batches) out.push(`Workers: in batches of serial=${u.serial} (templated: as Ansible evaluates it)`);
  else if (u.batches.length === 0) out.push(`Workers: none to upgrade (serial=${u.serial})`);
  else {
    out.push(`Workers: ${u.batches.flat().length} in ${u.batches.length} batch(es) of serial=${u.serial}; control planes one at a time first`);
    u.batches.forEach((b, i) => out.push(`  batch ${i + 1}: ${b.join(', ')}`));
  }
  out.push(u.pauseSeconds === '0' ? 'Pause before each batch: none (upgrade_node_pause_seconds=0)' : `Pause before each batch: ${u.pauseSeconds}s (upgrade_node_pause_seconds)`);
  const d = u.drain;
  if (!d.enabled) out.push('Drain: off (drain_nodes=false): nodes are upgraded with their pods on them');
  else {
    out.push(
      `Drain: grace period ${d.gracePeriod}s, timeout ${d.timeout}, ignore DaemonSets ${yes(d.ignoreDaemonsets)}, delete emptyDir data ${yes(d.deleteEmptydirData)}, ` +
        `${d.retries} attempt(s) ${d.retryDelaySeconds}s apart${d.podSelector ? `, pods matching ${d.podSelector}` : ''}`,
    );
  }
  return out;
}
