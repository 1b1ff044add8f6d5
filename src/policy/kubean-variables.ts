/**
 * Every variable kubean's example manifests and kubespray's k8s_cluster defaults set, and what
 * Slipway does with it: `implemented` (the role that reads it), `not-applicable` (why Slipway has
 * no use for it) or `refused` (why its silent absence would mislead: a CNI, a runtime or an
 * addon Slipway does not ship). Pure data; `checkKubeanVariables` turns it into problems.
 */
import type { ProblemSink } from '../api/input-error.js';

export type VariableStatus = 'implemented' | 'not-applicable' | 'refused';

/** Where a variable is set: kubean's examples (examples/, kubean's test vars) or kubespray's k8s_cluster group_vars. */
export type VariableSource = 'kubean' | 'k8s_cluster' | 'both';

export interface KubeanVariable {
  status: VariableStatus;
  /** implemented: the role(s) that read it; otherwise why Slipway does not honour it. */
  note: string;
  /**
   * Values that are honoured all the same: for not-applicable and refused variables, the value
   * Slipway behaves as (setting it changes nothing); for an implemented one, the values its role
   * supports (any other is refused with `otherwise`). Absent: every value (implemented) or none.
   */
  honours?: (value: unknown) => boolean;
  /** implemented with `honours`: why other values are refused. */
  otherwise?: string;
  source: VariableSource;
}

const FALSY = /^(?:false|no|off|0|n)$/i;
const off = (v: unknown): boolean => v === false || v === null || v === 0 || (typeof v === 'string' && FALSY.test(v));
const oneOf = (...values: string[]) => (v: unknown): boolean => typeof v === 'string' && values.includes(v);
const always = (): boolean => true;

const impl = (note: string, source: VariableSource, honours?: (v: unknown) => boolean, otherwise?: string): KubeanVariable => ({
  status: 'implemented', note, source, ...(honours ? { honours } : {}), ...(otherwise ? { otherwise } : {}),
});
const na = (note: string, source: VariableSource, honours?: (v: unknown) => boolean): KubeanVariable => ({ status: 'not-applicable', note, source, ...(honours ? { honours } : {}) });
const refused = (note: string, source: VariableSource, honours?: (v: unknown) => boolean): KubeanVariable => ({ status: 'refused', note, source, ...(honours ? { honours } : {}) });

const NO_ADDONS = 'Slipway installs no addons; install it after the cluster is up (it would otherwise be silently missing)';
const NO_DOCKER = 'Slipway installs containerd, never docker (container_manager must be containerd)';
const NO_DOWNLOAD_CACHE = 'every host fetches its files from files_repo itself; there is no download cache to share';

export const KUBEAN_VARIABLES: Readonly<Record<string, KubeanVariable>> = {
  // --- versions, what to install ---
  kube_version: impl('kube_binaries, kubeadm_config, kubeadm_upgrade, preflight', 'both'),
  container_manager: refused('Slipway installs containerd only (docker, cri-o and kata have no role here)', 'both', oneOf('containerd')),
  etcd_deployment_type: refused("Slipway runs kubeadm's stacked etcd only", 'kubean', oneOf('kubeadm')),
  kube_network_plugin: impl('network_plugin', 'both', oneOf('calico', 'flannel', 'cni'), "Slipway's network_plugin role installs calico or flannel, or none with 'cni'"),
  kube_network_plugin_multus: refused('Slipway does not install multus', 'both', off),
  kata_containers_enabled: refused('Slipway installs no kata runtime', 'k8s_cluster', off),
  enable_dual_stack_networks: refused('Slipway configures IPv4 single-stack clusters only', 'k8s_cluster', off),
  kube_service_addresses_ipv6: na('used only with enable_dual_stack_networks, which Slipway refuses', 'k8s_cluster'),
  kube_pods_subnet_ipv6: na('used only with enable_dual_stack_networks, which Slipway refuses', 'k8s_cluster'),
  kube_network_node_prefix_ipv6: na('used only with enable_dual_stack_networks, which Slipway refuses', 'k8s_cluster'),

  // --- network ---
  kube_service_addresses: impl('kubeadm_config', 'both'),
  kube_pods_subnet: impl('kubeadm_config, network_plugin', 'both'),
  kube_network_node_prefix: impl('kubeadm_config', 'both'),
  kube_apiserver_port: impl('kubeadm_config, nginx_proxy', 'both'),
  kube_apiserver_ip: na("kubeadm takes the service network's first address itself", 'k8s_cluster', always),
  kube_proxy_mode: impl('kubeadm_config (KubeProxyConfiguration mode)', 'both', oneOf('iptables', 'ipvs', 'nftables'), 'kube-proxy runs iptables, ipvs or nftables'),
  kube_proxy_strict_arp: impl('kubeadm_config (KubeProxyConfiguration ipvs.strictARP)', 'k8s_cluster'),
  kube_proxy_nodeport_addresses: impl('kubeadm_config (KubeProxyConfiguration nodePortAddresses)', 'k8s_cluster', (v) => Array.isArray(v), 'must be a list of CIDRs'),
  cluster_name: impl('kubeadm_config (clusterName, the DNS domain)', 'k8s_cluster'),
  dns_domain: impl('kubeadm_config', 'k8s_cluster'),
  dns_mode: refused("Slipway runs kubeadm's CoreDNS only", 'k8s_cluster', oneOf('coredns')),
  ndots: na("kubeadm's CoreDNS and the kubelet's resolv.conf are left as kubeadm makes them", 'k8s_cluster'),
  resolvconf_mode: na("the hosts' /etc/resolv.conf is left as it is", 'k8s_cluster', oneOf('host_resolvconf')),
  skydns_server: na("kubeadm takes the DNS service's address (the service network's tenth) itself", 'k8s_cluster', always),
  skydns_server_secondary: na('used only with dns_mode coredns_dual, which Slipway refuses', 'k8s_cluster', always),
  enable_nodelocaldns: refused('Slipway does not install nodelocaldns (no node-cache image in the bundle); pods use CoreDNS directly', 'both', off),
  enable_nodelocaldns_secondary: refused('Slipway does not install nodelocaldns', 'k8s_cluster', off),
  nodelocaldns_ip: na('used only with enable_nodelocaldns, which Slipway refuses', 'k8s_cluster', always),
  nodelocaldns_health_port: na('used only with enable_nodelocaldns, which Slipway refuses', 'k8s_cluster', always),
  nodelocaldns_second_health_port: na('used only with enable_nodelocaldns, which Slipway refuses', 'k8s_cluster', always),
  nodelocaldns_bind_metrics_host_ip: na('used only with enable_nodelocaldns, which Slipway refuses', 'k8s_cluster', always),
  nodelocaldns_secondary_skew_seconds: na('used only with enable_nodelocaldns, which Slipway refuses', 'k8s_cluster', always),
  enable_coredns_k8s_external: na("CoreDNS keeps kubeadm's Corefile", 'k8s_cluster', off),
  coredns_k8s_external_zone: na('used only with enable_coredns_k8s_external', 'k8s_cluster', always),
  enable_coredns_k8s_endpoint_pod_names: na("CoreDNS keeps kubeadm's Corefile", 'k8s_cluster', off),
  deploy_netchecker: na('Slipway deploys no netchecker; health-check.yml checks nodes and system pods', 'k8s_cluster', off),
  calico_cni_name: impl('network_plugin (calico)', 'kubean'),
  calico_felix_premetheusmetricsenabled: impl('network_plugin (calico)', 'kubean'),
  calico_feature_detect_override: impl('network_plugin (calico)', 'kubean'),
  calico_kubeconfig_wait_timeout: na("Slipway's calico manifest does not wait for a kubeconfig", 'kubean', always),
  cilium_install_extra_flags: na('cilium is not a network plugin Slipway installs', 'kubean', always),

  // --- node settings ---
  kubelet_max_pods: impl('kubeadm_config (KubeletConfiguration maxPods)', 'k8s_cluster'),
  kube_override_hostname: impl('slipway_defaults (the node name kubeadm registers)', 'k8s_cluster'),
  override_system_hostname: na("Slipway names nodes by the inventory (kube_override_hostname) and leaves each host's own hostname as it is", 'kubean', off),
  ntp_enabled: na('Slipway installs no OS packages and does not configure time sync; keep the hosts\' clocks in sync yourself (chrony, systemd-timesyncd)', 'kubean', off),
  ntp_servers: na('used only with ntp_enabled, which Slipway does not honour', 'kubean', always),
  additional_sysctl: impl('os_prep', 'kubean'),
  kube_owner: na("kubeadm's files belong to root", 'both', oneOf('root')),
  kube_cert_group: na("kubeadm's certificates belong to root", 'k8s_cluster', always),
  kube_log_level: na("the components log at kubeadm's default level", 'k8s_cluster', (v) => v === 2 || v === '2'),
  kube_config_dir: na('kubeadm writes /etc/kubernetes', 'k8s_cluster', oneOf('/etc/kubernetes')),
  kube_manifest_dir: na('kubeadm writes its static pods to /etc/kubernetes/manifests', 'k8s_cluster', (v) => v === '/etc/kubernetes/manifests' || v === '{{ kube_config_dir }}/manifests'),
  kube_cert_dir: na('kubeadm keeps its certificates in /etc/kubernetes/pki', 'k8s_cluster', always),
  kube_token_dir: na('kubeadm uses no token files', 'k8s_cluster', always),
  kube_script_dir: na('Slipway installs no scripts on the hosts', 'k8s_cluster', always),
  local_release_dir: na('downloads are kept in /var/cache/slipway/downloads', 'k8s_cluster', always),
  retry_stagger: na('downloads come from files_repo and are not retried at random intervals', 'k8s_cluster', always),
  credentials_dir: na('Slipway writes nothing next to the inventory; the admin kubeconfig goes to the cluster\'s Secret', 'k8s_cluster', always),
  default_kubelet_config_dir: na('the kubelet reads the configuration kubeadm writes', 'k8s_cluster', always),
  kubeadm_certificate_key: na('Slipway makes a new certificate key for each control-plane join', 'k8s_cluster', always),
  kubeadm_init_timeout: na("Slipway's kubeadm waits are its own (kubeadm_config's kubeadm_timeouts, 10 minutes)", 'kubean'),
  kubeadm_patches: na('Slipway applies no kubeadm patches', 'k8s_cluster', (v) => typeof v === 'object' && v !== null && off((v as Record<string, unknown>).enabled)),
  volume_cross_zone_attachment: na('no cloud provider is configured', 'k8s_cluster', off),
  persistent_volumes_enabled: na('no cloud provider is configured', 'k8s_cluster', off),

  // --- security ---
  kube_api_anonymous_auth: refused('the apiserver keeps kubeadm\'s anonymous-auth (true); turning it off is not implemented', 'k8s_cluster', (v) => !off(v)),
  kube_encrypt_secret_data: refused('Secrets would stay unencrypted in etcd: encryption at rest is not implemented', 'k8s_cluster', off),
  podsecuritypolicy_enabled: refused('PodSecurityPolicy was removed in Kubernetes 1.25', 'k8s_cluster', off),
  kubernetes_audit: refused('the apiserver would write no audit log: audit logging is not implemented', 'k8s_cluster', off),
  event_ttl_duration: na("the apiserver keeps events for its default hour", 'k8s_cluster', oneOf('1h0m0s', '1h')),
  auto_renew_certificates: na('no renewal timer is installed on the hosts; run renew-certs.yml (the Cluster\'s CertificatesExpiry condition warns)', 'both', off),
  unsafe_show_logs: na("kubespray's switch for no_log tasks; Slipway's logs are redacted either way", 'kubean'),

  // --- where files and images come from ---
  files_repo: impl('slipway_defaults (download URLs), container_runtime, kube_binaries', 'kubean'),
  minio_address: na('in kubean\'s example it only builds files_repo, which is read', 'kubean', always),
  github_url: impl('slipway_defaults (containerd, runc, CNI plugins, crictl)', 'kubean'),
  dl_k8s_io_url: impl('slipway_defaults (kubeadm, kubelet, kubectl)', 'kubean'),
  storage_googleapis_url: na('nothing Slipway installs comes from storage.googleapis.com', 'kubean', always),
  get_helm_url: na('Slipway installs no helm on the hosts', 'kubean', always),
  yum_repo: na('Slipway installs no OS packages', 'kubean', always),
  registry_host: impl('container_runtime (a plain-HTTP mirror for it)', 'kubean'),
  kube_image_repo: impl('kubeadm_config (imageRepository), slipway_defaults', 'kubean'),
  docker_image_repo: impl('network_plugin (flannel), nginx_proxy', 'kubean'),
  quay_image_repo: impl('network_plugin (calico)', 'kubean'),
  gcr_image_repo: na('no image Slipway installs comes from gcr.io', 'kubean', always),
  github_image_repo: na('no image Slipway installs comes from ghcr.io', 'kubean', always),
  k8s_image_pull_policy: impl('kubeadm_config, network_plugin, nginx_proxy', 'both'),
  containerd_registries_mirrors: impl('container_runtime (/etc/containerd/certs.d/<prefix>/hosts.toml)', 'kubean'),
  containerd_insecure_registries: na('kubespray dropped it in 2.23 too: give containerd_registries_mirrors entries skip_verify: true', 'kubean'),
  download_run_once: na(NO_DOWNLOAD_CACHE, 'kubean', off),
  download_container: na('images are pulled by each host from the registry, never copied around', 'kubean', off),
  download_force_cache: na(NO_DOWNLOAD_CACHE, 'kubean', off),
  download_localhost: na("Slipway forces it false: nothing is downloaded on Slipway's machine", 'kubean', off),
  docker_version: na(NO_DOCKER, 'kubean', always),
  docker_cli_version: na(NO_DOCKER, 'kubean', always),
  docker_containerd_version: na(NO_DOCKER, 'kubean', always),
  docker_insecure_registries: na(NO_DOCKER, 'kubean', always),
  docker_rh_repo_base_url: na(NO_DOCKER, 'kubean', always),
  docker_rh_repo_gpgkey: na(NO_DOCKER, 'kubean', always),

  // --- upgrades ---
  upgrade_cluster_setup: na('upgrade-cluster.yml always upgrades the control planes first with kubeadm upgrade apply', 'kubean', always),
  upgrade_node_confirm: refused('upgrade-cluster.yml runs with no terminal to confirm at: use upgrade_node_pause_seconds, or one batch at a time with --limit', 'kubean', off),
  upgrade_node_pause_seconds: impl('kubeadm_upgrade (a pause before each batch of workers)', 'kubean'),

  // --- addons (kubespray's addons.yml, in the k8s_cluster group) ---
  helm_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  registry_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  metrics_server_enabled: refused(NO_ADDONS, 'both', off),
  local_path_provisioner_enabled: refused(NO_ADDONS, 'both', off),
  local_volume_provisioner_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  cephfs_provisioner_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  rbd_provisioner_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  ingress_nginx_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  ingress_alb_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  cert_manager_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  metallb_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  argocd_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
  krew_enabled: refused(NO_ADDONS, 'k8s_cluster', off),
};

/** What Slipway makes of one variable's value: honoured, not honoured (a warning), or refused. */
export type Verdict = { kind: 'honoured' } | { kind: 'ignored'; why: string } | { kind: 'refused'; why: string };

/** The verdict on `name: value`; undefined for a variable the table does not know (the user's own, or kubespray's others). */
export function judgeVariable(name: string, value: unknown): Verdict | undefined {
  const rule = Object.hasOwn(KUBEAN_VARIABLES, name) ? KUBEAN_VARIABLES[name] : undefined;
  if (!rule) return undefined;
  if (rule.honours?.(value)) return { kind: 'honoured' };
  switch (rule.status) {
    case 'implemented':
      return rule.honours ? { kind: 'refused', why: rule.otherwise ?? `not a value ${rule.note} supports` } : { kind: 'honoured' };
    case 'not-applicable':
      return { kind: 'ignored', why: rule.note };
    case 'refused':
      return { kind: 'refused', why: rule.note };
  }
}

export interface SetVariable {
  name: string;
  value: unknown;
  line?: number;
}

/**
 * Files a warning for each variable Slipway will not honour and an error for each it refuses
 * (a warning too when `refuse` is false: for actions that install nothing, such as reset.yml).
 * `*_localhost` switches are left to the variable policy, which warns about them already.
 */
export function checkKubeanVariables(vars: readonly SetVariable[], sink: ProblemSink, opts: { refuse: boolean }): void {
  for (const { name, value, line } of vars) {
    if (name.endsWith('_localhost')) continue;
    const verdict = judgeVariable(name, value);
    if (!verdict || verdict.kind === 'honoured') continue;
    const at = { path: name, ...(line !== undefined ? { line } : {}) };
    if (verdict.kind === 'refused' && opts.refuse) sink.error('var-refused', `${shown(value)} is refused: ${verdict.why}`, at);
    else sink.warning('var-not-honoured', `${shown(value)} is not honoured: ${verdict.why}`, at);
  }
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
