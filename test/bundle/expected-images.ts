/**
 * What each bundled image must be for the manifests that run it: kubeadm's static pods and
 * DaemonSets (`command: [kube-apiserver, …]`, `etcd`, `/usr/local/bin/kube-proxy`, CoreDNS's
 * args), kubespray's and Slipway's chart. Keyed by the repository in the image's name.
 */
export interface ImageExpectation {
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  /** A program the manifests call by name: it must sit in a PATH directory of the image. */
  onPath?: string;
}

const kubeComponent = (name: string): ImageExpectation => ({ entrypoint: [`/usr/local/bin/${name}`], onPath: name });

export const EXPECTED_IMAGES: Record<string, ImageExpectation> = {
  'registry.k8s.io/kube-apiserver': kubeComponent('kube-apiserver'),
  'registry.k8s.io/kube-controller-manager': kubeComponent('kube-controller-manager'),
  'registry.k8s.io/kube-scheduler': kubeComponent('kube-scheduler'),
  'registry.k8s.io/kube-proxy': kubeComponent('kube-proxy'),
  'registry.k8s.io/etcd': { cmd: ['/usr/local/bin/etcd'], onPath: 'etcd' },
  'quay.io/coreos/etcd': { cmd: ['/usr/local/bin/etcd'], onPath: 'etcd' },
  'registry.k8s.io/coredns/coredns': { entrypoint: ['/coredns'] },
  'registry.k8s.io/coredns': { entrypoint: ['/coredns'] },
  'registry.k8s.io/pause': { entrypoint: ['/pause'], user: '65535:65535' },
  'docker.io/flannel/flannel': { entrypoint: ['/opt/bin/flanneld'] },
  'docker.io/flannel/flannel-cni-plugin': {},
  'docker.io/library/nginx': { cmd: ['nginx', '-g', 'daemon off; load_module /usr/lib/nginx/modules/ngx_stream_module.so;'] },
  'slipway/redis': { cmd: ['redis-server'], user: '999:999' },
  'slipway/job': { entrypoint: ['/opt/slipway/bin/entrypoint.sh'], user: '65532:65532' },
};

export function repositoryOf(ref: string): string {
  return ref.replace(/:[^/:]+$/, '');
}
