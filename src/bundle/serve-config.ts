/**
 * Pure builders for `slipway bundle serve`: the nginx and docker-registry configurations (from
 * the templates in scripts/bundle/) and the kubespray variables to print.
 */

export interface Endpoint {
  address: string;
  port: number;
}

/** "127.0.0.1:5000", "[fd00::1]:5000". */
export function hostPort({ address, port }: Endpoint): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z]+)@/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template placeholder ${whole} has no value`);
    return value;
  });
}

export interface NginxSettings {
  listen: Endpoint[];
  root: string;
  stateDir: string;
  /** Run as root: workers must read a bundle kept in root's home (nginx's default user is nobody). */
  asRoot: boolean;
}

export function renderNginxConfig(template: string, s: NginxSettings): string {
  return fill(template, {
    USER: s.asRoot ? 'user root;' : '',
    LISTEN: s.listen.map((e) => `    listen ${hostPort(e)};`).join('\n'),
    ROOT: s.root,
    STATE: s.stateDir,
  });
}

export interface RegistrySettings {
  listen: Endpoint;
  storage: string;
  readOnly: boolean;
}

export function renderRegistryConfig(template: string, s: RegistrySettings): string {
  return fill(template, { ADDR: hostPort(s.listen), STORAGE: s.storage, READONLY: String(s.readOnly) });
}

/**
 * The group_vars that point kubespray at this bundle, as examples/install/3.airgap does with a
 * MinIO file server; `kubespray-vars.yml` (served at the file server's root) adds the bundle's
 * checksums and versions.
 */
export function airgapVars(files: Endpoint, registry: Endpoint): string {
  return `files_repo: "http://${hostPort(files)}"
github_url: "{{ files_repo }}/github.com"
dl_k8s_io_url: "{{ files_repo }}/dl.k8s.io"
registry_host: "${hostPort(registry)}"
kube_image_repo: "{{ registry_host }}/registry.k8s.io"
docker_image_repo: "{{ registry_host }}/docker.io"
quay_image_repo: "{{ registry_host }}/quay.io"
containerd_registries_mirrors:
  - prefix: "{{ registry_host }}"
    mirrors:
      - host: "http://{{ registry_host }}"
        capabilities: ["pull", "resolve"]
        skip_verify: true
# and the bundle's checksums and versions: http://${hostPort(files)}/kubespray-vars.yml
`;
}
