/**
 * The certificates a managed cluster's machines serve, read from TLS handshakes: the kubelet's
 * serving certificate on every node (self-signed at its first start and renewed by nothing, the
 * one that expires unseen), and on each control plane the apiserver's, etcd's server and peer
 * certificates. Only the server's certificate is read: no client certificate is offered, nothing
 * is trusted and no byte of application data is sent, so any address a Node reports costs a
 * ClientHello on these fixed ports. The certificates kubeadm keeps only on disk (the apiserver's
 * client ones, the front proxy's, controller-manager.conf and scheduler.conf) are issued and
 * renewed in the same kubeadm run as that control plane's apiserver certificate, which stands
 * for them; the kubelet's client certificate rotates itself.
 */
import { connect, type PeerCertificate } from 'node:tls';
import type { CertificateDate, ObservedNode } from './observation.js';

export interface HandshakePorts {
  kubelet: number;
  apiserver: number;
  etcdServer: number;
  etcdPeer: number;
}

export const DEFAULT_HANDSHAKE_PORTS: HandshakePorts = { kubelet: 10250, apiserver: 6443, etcdServer: 2379, etcdPeer: 2380 };

export interface HandshakeLimits {
  ports: HandshakePorts;
  /** Per handshake, connecting included. */
  timeoutMs: number;
  /** Handshakes per look at most (the nodes beyond are not read). */
  maxHandshakes: number;
  /** Handshakes at once. */
  concurrency: number;
}

export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = { ports: DEFAULT_HANDSHAKE_PORTS, timeoutMs: 3_000, maxHandshakes: 400, concurrency: 16 };

export interface HandshakeTarget {
  what: string;
  host: string;
  port: number;
}

/** What to shake hands with: the kubelet of every node with an address, and the control planes' servers. Pure. */
export function handshakeTargets(nodes: readonly ObservedNode[], isControlPlane: (n: ObservedNode) => boolean, limits: HandshakeLimits): HandshakeTarget[] {
  const { ports } = limits;
  const planes: HandshakeTarget[] = [];
  const kubelets: HandshakeTarget[] = [];
  for (const n of nodes) {
    if (!n.address) continue;
    kubelets.push({ what: `the kubelet's serving certificate on ${n.name}`, host: n.address, port: ports.kubelet });
    if (!isControlPlane(n)) continue;
    planes.push(
      { what: `the apiserver's serving certificate on ${n.name}`, host: n.address, port: ports.apiserver },
      { what: `etcd's server certificate on ${n.name}`, host: n.address, port: ports.etcdServer },
      { what: `etcd's peer certificate on ${n.name}`, host: n.address, port: ports.etcdPeer },
    );
  }
  // The control planes first: theirs are the certificates an expiry takes the cluster down with.
  return [...planes, ...kubelets].slice(0, limits.maxHandshakes);
}

/** The notAfter (ISO) of the certificate `host:port` presents, or undefined when it shows none in time. */
export function servedCertificateExpiry(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (cert: PeerCertificate | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(cert?.valid_to ? new Date(cert.valid_to).toISOString() : undefined);
    };
    // Only the date is read; a server asking for a client certificate has sent its own by then (TLS 1.3).
    const socket = connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...(isIp(host) ? {} : { servername: host }) });
    socket.once('secureConnect', () => finish(socket.getPeerCertificate()));
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    const timer = setTimeout(() => finish(undefined), timeoutMs);
  });
}

const isIp = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

export interface HandshakeResult {
  certificates: CertificateDate[];
  /** Targets that showed no certificate (closed port, timeout, no TLS). */
  unread: number;
}

/** Shakes hands with every target, `concurrency` at a time; never throws. */
export async function readServedCertificates(targets: readonly HandshakeTarget[], limits: HandshakeLimits): Promise<HandshakeResult> {
  const certificates: CertificateDate[] = [];
  let unread = 0;
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++]!;
      const notAfter = await servedCertificateExpiry(t.host, t.port, limits.timeoutMs);
      if (notAfter) certificates.push({ what: t.what, notAfter });
      else unread++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.concurrency, targets.length) }, worker));
  return { certificates, unread };
}
