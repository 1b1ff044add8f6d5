/** The test environment's sshd hosts as a cluster's inputs: node1 the control plane, the rest workers. */
import { readFile } from 'node:fs/promises';
import { env } from './controller-harness.js';

export function sshHostsInventory(): string {
  const [first, ...rest] = env.hosts;
  const hosts = env.hosts
    .map((h) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}`)
    .join('\n');
  return `all:\n  hosts:\n${hosts}\n  children:\n    kube_control_plane: {hosts: {${first!.name}: }}\n    kube_node: {hosts: {${rest.map((h) => `${h.name}: `).join(', ')}}}\n    etcd: {hosts: {${first!.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
}

/** The SSH Secret's data: the test hosts' key and their host keys. */
export async function sshHostsSecret(): Promise<Record<string, string>> {
  return { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8'), known_hosts: await readFile(env.knownHostsPath, 'utf8') };
}
