import { LabError } from './lab-error.js';
import type { LabPlan, MachinePlan } from './lab-plan.js';
import { runTool } from './run-tool.js';

/**
 * The lab's network: a bridge holding the host's address, one veth per machine whose other end
 * is the machine's eth0 in a named network namespace, and firewall rules that forward nothing
 * between the bridge and any other interface. Machines reach each other and the host, nothing
 * else: no NAT, and the default route (via the host, as kubelet, kube-proxy and ansible's facts
 * expect of a node) ends at the host's FORWARD drop.
 */

const ip = (args: string[]) => runTool('ip', args);
const linkExists = async (name: string): Promise<boolean> =>
  (await runTool('ip', ['link', 'show', 'dev', name], { allowFailure: true })).exitCode === 0;
const netnsExists = async (name: string): Promise<boolean> =>
  (await runTool('ip', ['netns', 'list'])).stdout.split('\n').some((l) => l.split(' ')[0] === name);

export async function ensureBridge(plan: LabPlan): Promise<void> {
  if (!(await linkExists(plan.bridge))) {
    await ip(['link', 'add', plan.bridge, 'type', 'bridge']);
  }
  // No IPv6 on the bridge: no link-local route out of the lab either.
  await runTool('sysctl', ['-qw', `net.ipv6.conf.${plan.bridge}.disable_ipv6=1`], { allowFailure: true });
  const addr = `${plan.hostAddress}/${plan.prefix}`;
  const shown = await runTool('ip', ['-o', '-4', 'addr', 'show', 'dev', plan.bridge]);
  if (!shown.stdout.includes(` ${addr} `)) await ip(['addr', 'add', addr, 'dev', plan.bridge]);
  await ip(['link', 'set', plan.bridge, 'up']);
}

export async function removeBridge(plan: LabPlan): Promise<void> {
  if (await linkExists(plan.bridge)) await ip(['link', 'delete', plan.bridge]);
}

/** iptables and ip6tables rule specs (without -A/-D) that keep the lab's traffic on its bridge. */
export function isolationRules(plan: LabPlan): string[][] {
  const comment = ['-m', 'comment', '--comment', `slipway-lab ${plan.name}`];
  return [
    ['FORWARD', '-i', plan.bridge, '!', '-o', plan.bridge, ...comment, '-j', 'DROP'],
    ['FORWARD', '-o', plan.bridge, '!', '-i', plan.bridge, ...comment, '-j', 'DROP'],
  ];
}

const FIREWALLS = ['iptables', 'ip6tables'] as const;

export async function ensureIsolation(plan: LabPlan): Promise<void> {
  for (const tool of FIREWALLS) {
    for (const [chain, ...spec] of isolationRules(plan)) {
      const present = await runTool(tool, ['-w', '-C', chain!, ...spec], { allowFailure: true });
      if (present.exitCode !== 0) await runTool(tool, ['-w', '-I', chain!, ...spec]);
    }
  }
}

export async function removeIsolation(plan: LabPlan): Promise<void> {
  for (const tool of FIREWALLS) {
    for (const [chain, ...spec] of isolationRules(plan)) {
      // -D removes one copy; repeat until none is left.
      while ((await runTool(tool, ['-w', '-C', chain!, ...spec], { allowFailure: true })).exitCode === 0) {
        await runTool(tool, ['-w', '-D', chain!, ...spec]);
      }
    }
  }
}

/** The machine's namespace with eth0 addressed and up, its peer on the bridge; safe to repeat. */
export async function ensureMachineLink(plan: LabPlan, m: MachinePlan): Promise<void> {
  if (!(await netnsExists(m.netns))) await ip(['netns', 'add', m.netns]);
  const inNs = (args: string[]) => ip(['-n', m.netns, ...args]);
  if (!(await linkExists(m.hostVeth))) {
    await runTool('ip', ['-n', m.netns, 'link', 'delete', 'eth0'], { allowFailure: true });
    await ip(['link', 'add', m.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.netns]);
  }
  await ip(['link', 'set', m.hostVeth, 'master', plan.bridge, 'up']);
  const addr = `${m.address}/${plan.prefix}`;
  const shown = await inNs(['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  if (!shown.stdout.includes(` ${addr} `)) await inNs(['addr', 'add', addr, 'dev', 'eth0']);
  await inNs(['link', 'set', 'lo', 'up']);
  await inNs(['link', 'set', 'eth0', 'up']);
  // Service addresses are DNAT'd after routing: without a route, connect() fails before kube-proxy.
  await inNs(['route', 'replace', 'default', 'via', plan.hostAddress, 'dev', 'eth0']);
}

export async function removeMachineLink(m: MachinePlan): Promise<void> {
  if (await linkExists(m.hostVeth)) await ip(['link', 'delete', m.hostVeth]);
  if (await netnsExists(m.netns)) await ip(['netns', 'delete', m.netns]);
}

/** Slots whose 10.251.<slot>.0/24 is already routed here by something other than a lab. */
export async function slotsInUse(): Promise<Set<number>> {
  const r = await runTool('ip', ['-o', '-4', 'route', 'show', 'table', 'all']);
  const taken = new Set<number>();
  for (const m of r.stdout.matchAll(/\b10\.251\.(\d+)\.\d+/g)) taken.add(Number(m[1]));
  return taken;
}

export function assertLinux(): void {
  if (process.platform !== 'linux') throw new LabError('lab machines need Linux (network namespaces, bridges, podman)');
}
