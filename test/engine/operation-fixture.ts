import { ManifestSource } from '../../src/api/manifest-source.js';
import { parseManifests } from '../../src/api/manifests.js';
import { resolveOperationInput, type OperationInput } from '../../src/api/resolve-input.js';
import type { ClusterOperation, ClusterOperationSpec } from '../../src/api/types.js';
import { configMapDoc, secretDoc } from '../fixtures/manifest-docs.js';

export const HOSTS_YML = `all:
  hosts:
    node1:
      ip: 10.6.0.11
      ansible_host: 10.6.0.11
      ansible_user: root
      ansible_password: s3cr3t-pass-word
    node2:
      ip: 10.6.0.12
      ansible_host: 10.6.0.12
    node3:
      ip: 10.6.0.13
      ansible_host: 10.6.0.13
  children:
    kube_control_plane:
      hosts:
        node1:
    kube_node:
      hosts:
        node2:
        node3:
    etcd:
      hosts:
        node1:
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
`;

const FAKE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
-----END OPENSSH PRIVATE KEY-----
`;

export const VARS_YML = `kube_version: v1.34.4
container_manager: containerd
`;

/** Manifest text for one cluster; pieces can be replaced or dropped by a test. */
export function manifestText(opts: {
  hosts?: string;
  vars?: string;
  secret?: boolean;
  op?: Partial<ClusterOperationSpec>;
  extra?: string;
}): string {
  const docs = [
    configMapDoc('demo-hosts', { 'hosts.yml': opts.hosts ?? HOSTS_YML }),
    configMapDoc('demo-vars', { 'group_vars.yml': opts.vars ?? VARS_YML }),
    `apiVersion: kubean.io/v1alpha1
kind: Cluster
metadata: {name: demo}
spec:
  hostsConfRef: {namespace: kubean-system, name: demo-hosts}
  varsConfRef: {namespace: kubean-system, name: demo-vars}
  sshAuthRef: {namespace: kubean-system, name: demo-ssh}`,
    `apiVersion: kubean.io/v1alpha1
kind: ClusterOperation
metadata: {name: demo-op}
spec: ${JSON.stringify({ cluster: 'demo', actionType: 'playbook', action: 'ping.yml', ...opts.op })}`,
  ];
  if (opts.secret !== false) {
    docs.push(secretDoc('demo-ssh', { 'ssh-privatekey': FAKE_KEY }));
  }
  if (opts.extra) docs.push(opts.extra);
  return docs.join('\n---\n');
}

export function sourceOf(text: string): ManifestSource {
  return new ManifestSource(parseManifests(text, 'test.yml'));
}

export async function inputOf(text: string): Promise<OperationInput> {
  const source = sourceOf(text);
  const op = source.operations()[0] as ClusterOperation;
  return resolveOperationInput(op, source);
}

export const CATALOG = {
  playbooks: new Set(['ping.yml', 'cluster-info.yml', 'cluster.yml', 'scale.yml', 'remove-node.yml', 'reset.yml', 'upgrade-cluster.yml', 'run-script.yml', 'restart-nginx-proxy.yml', 'kubeconfig.yml']),
  scripts: new Set<string>(['check.sh']),
};
