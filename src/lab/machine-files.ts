import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateEd25519Key, knownHostsLine, type SshKeyPair } from '../hosts/ssh-keys.js';
import type { LabPlan, MachinePlan } from './lab-plan.js';

/** The lab's own login key; made once, kept until `lab down`. */
export async function ensureLabKey(dir: string, lab: string): Promise<SshKeyPair> {
  const path = join(dir, 'id_ed25519');
  const exists = await access(path).then(() => true, () => false);
  if (!exists) return generateEd25519Key(path, `slipway-lab-${lab}`);
  const [privateKey, publicKey] = await Promise.all([readFile(path, 'utf8'), readFile(`${path}.pub`, 'utf8')]);
  return { privateKeyPath: path, publicKeyPath: `${path}.pub`, privateKey, publicKey: publicKey.trim() };
}

/** /etc/hosts of every machine: localhost and all machines of the lab, nothing of this host. */
export function hostsFile(plan: LabPlan): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...plan.machines.map((m) => `${m.address}\t${m.name}`)];
  return `${lines.join('\n')}\n`;
}

/**
 * /etc/resolv.conf: the host's bridge address, where no DNS server answers, so lookups of
 * outside names fail fast; CoreDNS refuses to start when the node names no nameserver at all.
 */
export function resolvConf(plan: LabPlan): string {
  return `nameserver ${plan.hostAddress}\n`;
}

export interface StagedMachine {
  /** A tree to copy onto the machine's / before it boots. */
  root: string;
  hostPublicKey: string;
}

/**
 * Stages the files that make a machine itself: a fresh SSH host key (so known_hosts can be
 * strict from the first connection), the lab's authorized key, /etc/hosts and /etc/resolv.conf.
 */
export async function stageMachineFiles(dir: string, plan: LabPlan, m: MachinePlan, authorizedKey: string): Promise<StagedMachine> {
  const root = join(dir, 'root');
  const sshDir = join(root, 'etc', 'ssh', 'slipway');
  await mkdir(sshDir, { recursive: true, mode: 0o755 });
  // mkdir's mode is only for new directories and is masked; the copy carries these modes onto /.
  for (const d of [root, join(root, 'etc'), join(root, 'etc', 'ssh'), sshDir]) await chmod(d, 0o755);
  const hostKey = await generateEd25519Key(join(sshDir, 'ssh_host_ed25519_key'), m.name);
  await writeFile(join(sshDir, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o644 });
  await writeFile(join(root, 'etc', 'hosts'), hostsFile(plan), { mode: 0o644 });
  await writeFile(join(root, 'etc', 'resolv.conf'), resolvConf(plan), { mode: 0o644 });
  return { root, hostPublicKey: hostKey.publicKey };
}

export const knownHostsFor = (entries: Array<{ address: string; hostPublicKey: string }>): string =>
  entries.map((e) => `${knownHostsLine(e.address, 22, e.hostPublicKey)}\n`).join('');
