/** What one look at a managed cluster saw, before anything is made of it. */

export interface ObservedNode {
  name: string;
  /** From the node-role.kubernetes.io/<role> labels, sorted. */
  roles: string[];
  /** The kubelet's version. */
  version?: string;
  ready: boolean;
  /** The node's InternalIP. */
  address?: string;
}

export interface CertificateDate {
  /** e.g. "the apiserver's serving certificate". */
  what: string;
  notAfter: string;
}

export interface ReachableObservation {
  reachable: true;
  /** /readyz answered 200; otherwise what it said (its status and the checks that failed). */
  readyz: { ok: true } | { ok: false; message: string };
  /** gitVersion of /version. */
  version?: string;
  /** Every node; undefined when the list could not be read (then `nodesError` says why). */
  nodes?: ObservedNode[];
  nodesError?: string;
  /** The kube-system pods that are not ready: the first few names and how many in all. */
  notReadyPods?: { names: string[]; count: number };
  podsError?: string;
  certificates: CertificateDate[];
  /** Handshakes that showed no certificate (a node's port closed or filtered). */
  certificatesUnread?: number;
}

export interface UnreachableObservation {
  reachable: false;
  /** A CamelCase reason: NoKubeconfigSecret, KubeconfigRefused, ApiserverUnreachable, TLSError… */
  reason: string;
  message: string;
  /** What could be read all the same (the kubeconfig's client certificate). */
  certificates: CertificateDate[];
}

export type Observation = ReachableObservation | UnreachableObservation;
