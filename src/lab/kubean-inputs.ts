import { stringify } from 'yaml';
import { bundleAddress } from './bundle-address.js';
import type { LabPlan } from './lab-plan.js';

export const INPUTS_NAMESPACE = 'kubean-system';
export const DEFAULT_KUBE_VERSION = 'v1.34.4';

export interface InputsSpec {
  plan: LabPlan;
  privateKey: string;
  knownHosts: string;
  kubeVersion: string;
  /** The built bundle's kubespray-vars.yml (its image tags and checksums), when there is one. */
  bundleVars?: Record<string, unknown>;
}

export interface InputFile {
  name: string;
  text: string;
  /** The Secret's file holds the private key. */
  secret: boolean;
}

const names = (lab: string) => ({
  hosts: `${lab}-hosts-conf`,
  vars: `${lab}-vars-conf`,
  ssh: `${lab}-ssh-auth`,
  cluster: lab,
  operation: `${lab}-check`,
});

export function hostsYaml(plan: LabPlan): string {
  const [first, ...rest] = plan.machines;
  const group = (ms: typeof plan.machines) => ({ hosts: Object.fromEntries(ms.map((m) => [m.name, null])) });
  return stringify({
    all: {
      hosts: Object.fromEntries(
        plan.machines.map((m) => [m.name, { ip: m.address, access_ip: m.address, ansible_host: m.address, ansible_user: 'root' }]),
      ),
      children: {
        kube_control_plane: group(first ? [first] : []),
        kube_node: group(rest),
        etcd: group(first ? [first] : []),
        k8s_cluster: { children: { kube_control_plane: null, kube_node: null } },
        calico_rr: { hosts: {} },
      },
    },
  });
}

/**
 * Cluster variables for the lab's machines: Kubernetes from the offline bundle served on the
 * host's bridge address, laid out as kubespray's files_repo and registry_host expect (the same
 * settings `slipway bundle serve` prints), the registry being plain HTTP, with the bundle's own
 * versions; flannel (no calico images can be built offline).
 */
export function varsYaml(spec: InputsSpec): string {
  const { filesRepo, registryHost } = bundleAddress(spec.plan);
  return stringify({
    ...spec.bundleVars,
    kube_version: spec.kubeVersion,
    container_manager: 'containerd',
    kube_network_plugin: 'flannel',
    // The machines share this host's disk: kubelet's default thresholds (a share of the whole
    // disk) would evict pods whenever the host is fairly full, whatever the machines use.
    kubelet_config_extra_args: { evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1Gi', 'imagefs.available': '1Gi' } },
    files_repo: filesRepo,
    github_url: `${filesRepo}/github.com`,
    dl_k8s_io_url: `${filesRepo}/dl.k8s.io`,
    registry_host: registryHost,
    kube_image_repo: `${registryHost}/registry.k8s.io`,
    docker_image_repo: `${registryHost}/docker.io`,
    quay_image_repo: `${registryHost}/quay.io`,
    containerd_registries_mirrors: [
      { prefix: registryHost, mirrors: [{ host: `http://${registryHost}`, capabilities: ['pull', 'resolve'], skip_verify: true }] },
    ],
  });
}

const doc = (o: unknown): string => stringify(o, { lineWidth: 0 });

/** The kubean manifests `slipway run -f` takes for this lab; pure. */
export function kubeanInputs(spec: InputsSpec): InputFile[] {
  const n = names(spec.plan.name);
  const meta = (name: string) => ({ name, namespace: INPUTS_NAMESPACE });
  return [
    { name: 'hosts-conf.yml', secret: false, text: doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(n.hosts), data: { 'hosts.yml': hostsYaml(spec.plan) } }) },
    { name: 'vars-conf.yml', secret: false, text: doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(n.vars), data: { 'group_vars.yml': varsYaml(spec) } }) },
    {
      name: 'ssh-auth.yml',
      secret: true,
      text: doc({ apiVersion: 'v1', kind: 'Secret', metadata: meta(n.ssh), type: 'Opaque', stringData: { 'ssh-privatekey': spec.privateKey, known_hosts: spec.knownHosts } }),
    },
    {
      name: 'cluster.yml',
      secret: false,
      text: doc({
        apiVersion: 'kubean.io/v1alpha1',
        kind: 'Cluster',
        metadata: { name: n.cluster },
        spec: { hostsConfRef: meta(n.hosts), varsConfRef: meta(n.vars), sshAuthRef: meta(n.ssh) },
      }),
    },
    {
      name: 'operation.yml',
      secret: false,
      text: doc({
        apiVersion: 'kubean.io/v1alpha1',
        kind: 'ClusterOperation',
        metadata: { name: n.operation },
        spec: { cluster: n.cluster, actionType: 'playbook', action: 'cluster-info.yml', preHook: [{ actionType: 'playbook', action: 'ping.yml' }] },
      }),
    },
  ];
}
