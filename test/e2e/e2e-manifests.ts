import { parse, stringify } from 'yaml';

/**
 * Pure builders of the kubean manifests the end-to-end scenarios apply: a cluster of lab
 * machines in a given shape, with the lab's generated vars (bundle, flannel) and SSH Secret.
 */

export interface Machine {
  name: string;
  address: string;
}

export interface ClusterShape {
  name: string;
  controlPlanes: Machine[];
  workers: Machine[];
}

export interface LabInputs {
  /** group_vars.yml of the lab's generated vars ConfigMap. */
  groupVars: string;
  /** The lab's generated SSH Secret (private key and known_hosts). */
  sshSecret: Record<string, unknown>;
}

export const INPUTS_NAMESPACE = 'kubean-system';

export function readLabInputs(varsConfigMapText: string, sshSecretText: string): LabInputs {
  const vars = parse(varsConfigMapText) as { data: Record<string, string> };
  return { groupVars: vars.data['group_vars.yml']!, sshSecret: parse(sshSecretText) as Record<string, unknown> };
}

export function hostsYml(shape: ClusterShape): string {
  const all = [...shape.controlPlanes, ...shape.workers];
  const group = (ms: Machine[]) => ({ hosts: Object.fromEntries(ms.map((m) => [m.name, null])) });
  return stringify({
    all: {
      hosts: Object.fromEntries(all.map((m) => [m.name, { ip: m.address, access_ip: m.address, ansible_host: m.address, ansible_user: 'root' }])),
      children: {
        kube_control_plane: group(shape.controlPlanes),
        kube_node: group(shape.workers),
        etcd: group(shape.controlPlanes),
        k8s_cluster: { children: { kube_control_plane: null, kube_node: null } },
        calico_rr: { hosts: {} },
      },
    },
  });
}

const names = (cluster: string) => ({ hosts: `${cluster}-hosts-conf`, vars: `${cluster}-vars-conf`, ssh: `${cluster}-ssh-auth` });

/** group_vars.yml: the lab's, with `overrides` on top (kube_version for an upgrade). */
export function groupVars(lab: LabInputs, overrides: Record<string, unknown> = {}): string {
  return stringify({ ...(parse(lab.groupVars) as Record<string, unknown>), ...overrides });
}

/** The hosts and vars ConfigMaps, the SSH Secret and the Cluster, as one multi-document YAML. */
export function clusterManifests(shape: ClusterShape, lab: LabInputs, varOverrides: Record<string, unknown> = {}): string {
  const n = names(shape.name);
  const meta = (name: string) => ({ name, namespace: INPUTS_NAMESPACE });
  const docs = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(n.hosts), data: { 'hosts.yml': hostsYml(shape) } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(n.vars), data: { 'group_vars.yml': groupVars(lab, varOverrides) } },
    { ...lab.sshSecret, metadata: meta(n.ssh) },
    {
      apiVersion: 'kubean.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: shape.name },
      spec: { hostsConfRef: meta(n.hosts), varsConfRef: meta(n.vars), sshAuthRef: meta(n.ssh) },
    },
  ];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

export interface OperationSpec {
  action: string;
  /** A playbook from this ConfigMap (in INPUTS_NAMESPACE) instead of a builtin one. */
  actionConfigMap?: string;
  extraArgs?: string;
  preHook?: Array<{ action: string; extraArgs?: string }>;
  postHook?: Array<{ action: string; extraArgs?: string }>;
}

export function operationManifest(name: string, cluster: string, spec: OperationSpec): string {
  const hook = (h: { action: string; extraArgs?: string }) => ({ actionType: 'playbook', action: h.action, ...(h.extraArgs ? { extraArgs: h.extraArgs } : {}) });
  return stringify({
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'ClusterOperation',
    metadata: { name },
    spec: {
      cluster,
      actionType: 'playbook',
      action: spec.action,
      ...(spec.actionConfigMap ? { actionSource: 'configmap', actionSourceRef: { namespace: INPUTS_NAMESPACE, name: spec.actionConfigMap } } : {}),
      ...(spec.extraArgs ? { extraArgs: spec.extraArgs } : {}),
      ...(spec.preHook ? { preHook: spec.preHook.map(hook) } : {}),
      ...(spec.postHook ? { postHook: spec.postHook.map(hook) } : {}),
    },
  }, { lineWidth: 0 });
}

/** A pod on the control plane answering HTTP with its name, a Service in front of it. */
export function echoWorkload(image: string): string {
  const docs = [
    {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'echo-conf' },
      data: { 'echo.conf': 'server { listen 80; location / { default_type text/plain; return 200 "echo from $hostname\\n"; } }\n' },
    },
    {
      // A Deployment: drains (an upgrade's) delete bare pods; this one comes back after each.
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'echo' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'echo' } },
        template: {
          metadata: { labels: { app: 'echo' } },
          spec: {
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }], volumeMounts: [{ name: 'conf', mountPath: '/etc/nginx/conf.d' }] }],
            volumes: [{ name: 'conf', configMap: { name: 'echo-conf' } }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 80 }] } },
  ];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

/** A pod on `node` that fetches each URL-less target (host:port) over HTTP with bash's /dev/tcp. */
export function clientPod(name: string, node: string, image: string, targets: string[]): string {
  const fetch = targets.map((t, i) => {
    const [host, port] = t.split(':');
    return `exec ${i + 3}<>/dev/tcp/${host}/${port}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&${i + 3}; cat <&${i + 3}`;
  });
  return stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { nodeName: node, restartPolicy: 'Never', containers: [{ name: 'client', image, command: ['bash', '-c', fetch.join('; ')] }] },
  }, { lineWidth: 0 });
}

/** A ConfigMap of playbooks an operation can name with actionConfigMap. */
export function playbooksConfigMap(name: string, playbooks: Record<string, string>): string {
  return stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: INPUTS_NAMESPACE }, data: playbooks }, { lineWidth: 0 });
}

/** A play that holds every host in `sleep <seconds>`, so a test can look for that command on the hosts. */
export function holdingPlaybook(seconds: number): string {
  return `- hosts: all
  gather_facts: false
  tasks:
    - name: hold
      ansible.builtin.command: sleep ${seconds}
`;
}
