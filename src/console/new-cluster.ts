/**
 * The Add-cluster form's objects, as a user applying kubean manifests would write them: ConfigMaps
 * `<name>-hosts` (hosts.yml) and `<name>-vars` (group_vars.yml), the SSH Secret `<name>-ssh`
 * (the private key: credentials never go into a ConfigMap), the Cluster, and a ClusterOperation
 * running cluster.yml. Pure: checks the form and builds; the server creates them as the user.
 */
import { isIP } from 'node:net';
import { stringify } from 'yaml';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_KIND, type Cluster, type ClusterOperation } from '../api/types.js';
import { KNOWN_HOSTS_KEY, HOSTS_KEY, SSH_KEY, VARS_KEY } from '../api/resolve-input.js';

export interface HostRow {
  name: string;
  ip: string;
  user: string;
  /** The SSH port, when not 22. */
  port?: number;
}

export interface NewClusterForm {
  name: string;
  /** Where the ConfigMaps and the Secret go. */
  namespace: string;
  controlPlanes: HostRow[];
  workers: HostRow[];
  privateKey: string;
  knownHosts?: string;
  version: string;
  registry?: string;
  cni?: string;
  podCidr?: string;
  serviceCidr?: string;
}

export interface ConfigMapManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string };
  data: Record<string, string>;
}

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string };
  type: 'Opaque';
  stringData: Record<string, string>;
}

export interface NewClusterObjects {
  hosts: ConfigMapManifest;
  vars: ConfigMapManifest;
  secret: SecretManifest;
  cluster: Cluster;
  operation: ClusterOperation;
}

export type NewClusterPlan = { objects: NewClusterObjects } | { problems: string[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/;
const VERSION = /^v\d+\.\d+\.\d+$/;
const CIDR = /^[0-9a-f.:]+\/\d{1,3}$/i;
const REGISTRY = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/i;
export const CNIS = ['calico', 'cilium', 'flannel'] as const;
/** The kubespray image repositories a private registry stands in for. */
const IMAGE_REPOS: Record<string, string> = {
  kube_image_repo: 'registry.k8s.io',
  gcr_image_repo: 'gcr.io',
  github_image_repo: 'ghcr.io',
  docker_image_repo: 'docker.io',
  quay_image_repo: 'quay.io',
};

/** Each node row's problems: name, IP and user, and names or IPs used twice. */
export function checkRows(rows: readonly (readonly [string, HostRow])[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const ips = new Set<string>();
  rows.forEach(([kind, r], i) => {
    const where = `${kind} ${r?.name || `#${i + 1}`}`;
    if (!HOST_NAME.test(r?.name ?? '')) problems.push(`${where}: the node name must be a lowercase DNS name`);
    if (!isIP(r?.ip ?? '')) problems.push(`${where}: ${JSON.stringify(r?.ip ?? '')} is not an IP address`);
    if (!USER.test(r?.user ?? '')) problems.push(`${where}: ${JSON.stringify(r?.user ?? '')} is not a user name`);
    if (r?.port !== undefined && !(Number.isInteger(r.port) && r.port > 0 && r.port < 65536)) problems.push(`${where}: ${JSON.stringify(r.port)} is not a port`);
    if (names.has(r?.name)) problems.push(`${where}: the name is used twice`);
    if (ips.has(r?.ip)) problems.push(`${where}: the IP ${r.ip} is used twice`);
    names.add(r?.name);
    ips.add(r?.ip);
  });
  return problems;
}

function checkForm(f: NewClusterForm): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(f.name ?? '')) problems.push('Name: lowercase letters, digits and dashes, at most 63');
  if (!DNS_LABEL.test(f.namespace ?? '')) problems.push('Namespace: lowercase letters, digits and dashes, at most 63');
  if (!Array.isArray(f.controlPlanes) || f.controlPlanes.length === 0) problems.push('At least one control-plane node');
  problems.push(...checkRows([...(f.controlPlanes ?? []).map((r) => ['Control plane', r] as const), ...(f.workers ?? []).map((r) => ['Worker', r] as const)]));
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test((f.privateKey ?? '').trim())) problems.push('SSH private key: paste a PEM or OpenSSH private key');
  if (!VERSION.test(f.version ?? '')) problems.push('Kubernetes version: like v1.33.2');
  if (f.registry && !REGISTRY.test(f.registry)) problems.push('Image registry: a host[:port][/path]');
  if (f.cni && !(CNIS as readonly string[]).includes(f.cni)) problems.push(`CNI: one of ${CNIS.join(', ')}`);
  for (const [label, v] of [['Pod CIDR', f.podCidr], ['Service CIDR', f.serviceCidr]] as const) if (v && !CIDR.test(v)) problems.push(`${label}: like 10.233.64.0/18`);
  return problems;
}

const hostEntry = (r: HostRow) => ({ ip: r.ip, access_ip: r.ip, ansible_host: r.ip, ...(r.port && r.port !== 22 ? { ansible_port: r.port } : {}), ansible_user: r.user });
const members = (rows: HostRow[]) => Object.fromEntries(rows.map((r) => [r.name, null]));

export function hostsYaml(controlPlanes: HostRow[], workers: HostRow[]): string {
  const nodes = workers.length > 0 ? workers : controlPlanes;
  return stringify({
    all: {
      hosts: Object.fromEntries([...controlPlanes, ...workers].map((r) => [r.name, hostEntry(r)])),
      children: {
        kube_control_plane: { hosts: members(controlPlanes) },
        kube_node: { hosts: members(nodes) },
        etcd: { hosts: members(controlPlanes) },
        k8s_cluster: { children: { kube_control_plane: null, kube_node: null } },
      },
    },
  });
}

export function varsYaml(f: NewClusterForm): string {
  const vars: Record<string, string> = { kube_version: f.version, container_manager: 'containerd', kube_network_plugin: f.cni || 'calico' };
  if (f.podCidr) vars.kube_pods_subnet = f.podCidr;
  if (f.serviceCidr) vars.kube_service_addresses = f.serviceCidr;
  if (f.registry) {
    vars.registry_host = f.registry;
    for (const [name, upstream] of Object.entries(IMAGE_REPOS)) vars[name] = `${f.registry}/${upstream}`;
  }
  return stringify(vars);
}

export function newClusterObjects(f: NewClusterForm): NewClusterPlan {
  const problems = checkForm(f);
  if (problems.length > 0) return { problems };
  const ns = f.namespace;
  const ref = (suffix: string) => ({ namespace: ns, name: `${f.name}-${suffix}` });
  const hosts = ref('hosts');
  const vars = ref('vars');
  const ssh = ref('ssh');
  return {
    objects: {
      hosts: { apiVersion: 'v1', kind: 'ConfigMap', metadata: hosts, data: { [HOSTS_KEY]: hostsYaml(f.controlPlanes, f.workers ?? []) } },
      vars: { apiVersion: 'v1', kind: 'ConfigMap', metadata: vars, data: { [VARS_KEY]: varsYaml(f) } },
      secret: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: ssh,
        type: 'Opaque',
        stringData: { [SSH_KEY]: `${f.privateKey.trim()}\n`, ...(f.knownHosts?.trim() ? { [KNOWN_HOSTS_KEY]: `${f.knownHosts.trim()}\n` } : {}) },
      },
      cluster: { apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata: { name: f.name }, spec: { hostsConfRef: hosts, varsConfRef: vars, sshAuthRef: ssh } },
      operation: {
        apiVersion: API_VERSION,
        kind: CLUSTER_OPERATION_KIND,
        metadata: { name: `${f.name}-install` },
        spec: { cluster: f.name, actionType: 'playbook', action: 'cluster.yml' },
      },
    },
  };
}
