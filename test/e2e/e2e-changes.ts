import type { LocalKubectl } from './e2e-cluster.js';

/**
 * What an operation changed on which host, read from ansible's default output of its steps:
 * each host's `changed=` summed over the steps' PLAY RECAPs, and the tasks that reported a change
 * on it, a delegated one also on the host it was delegated to.
 */

export interface HostChanges {
  /** changed= summed over every PLAY RECAP that lists the host. */
  changed: number;
  /** Names of the tasks (and handlers) that reported `changed` for the host, in order. */
  tasks: string[];
}

const TASK = /^(?:TASK|RUNNING HANDLER) \[(.+)\]/;
/** `changed: [node3]`, `changed: [node5 -> node3(10.0.0.3)]`, `changed: [node3] => (item=…)`. */
const CHANGED = /^changed: \[([^\]\s]+)(?: -> ([^\]\s(]+)[^\]]*)?\]/;
const RECAP_LINE = /^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s/;

export function changesByHost(log: string): Map<string, HostChanges> {
  const hosts = new Map<string, HostChanges>();
  const of = (h: string) => hosts.get(h) ?? hosts.set(h, { changed: 0, tasks: [] }).get(h)!;
  let task = '';
  let inRecap = false;
  for (const line of log.split('\n')) {
    const t = TASK.exec(line);
    if (t) {
      task = t[1]!;
      inRecap = false;
      continue;
    }
    if (line.startsWith('PLAY RECAP')) {
      inRecap = true;
      continue;
    }
    if (inRecap) {
      const r = RECAP_LINE.exec(line);
      if (r) of(r[1]!).changed += Number(r[2]);
      else if (line.trim() === '' || line.startsWith('==>')) inRecap = false;
      continue;
    }
    const c = CHANGED.exec(line);
    if (c) {
      of(c[1]!).tasks.push(task);
      if (c[2] && c[2] !== c[1]) of(c[2]).tasks.push(`${task} (delegated from ${c[1]})`);
    }
  }
  return hosts;
}

/** One line per host: `node3 changed=2 (task a, task b)`. */
export function describeChanges(changes: Map<string, HostChanges>): string {
  return [...changes.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([h, c]) => `${h} changed=${c.changed}${c.tasks.length ? ` (${[...new Set(c.tasks)].join('; ')})` : ''}`).join('\n');
}

/**
 * Ansible's output of an operation run as a Job: its pod's log (the operation container), while
 * the Job is kept. The operation's kept log (`slipway logs`) has only the pod's phases in Job mode.
 */
export async function jobOutput(mgmt: LocalKubectl, name: string, namespace: string): Promise<string> {
  const pods = (await mgmt.ok(['-n', namespace, 'get', 'pods', '-l', `slipway.io/operation=${name}`, '-o', 'name'])).split('\n').filter(Boolean);
  if (pods.length !== 1) throw new Error(`one pod of ${name}'s Job expected, found: ${pods.join(', ') || 'none'}`);
  return mgmt.ok(['-n', namespace, 'logs', pods[0]!, '-c', 'operation']);
}
