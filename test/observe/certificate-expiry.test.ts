/**
 * Certificate expiry as the controller observes it, against the real test environment: the test
 * apiserver is the managed cluster (its serving certificate and the kubeconfig's client
 * certificate are read), and a node of it reports an address where a real TLS server serves a
 * certificate that expires in 10 days, as a kubelet that was never renewed would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { describe, it } from 'node:test';
import { setHeaderOptions, type CoreV1Event } from '@kubernetes/client-node';
import { execa } from 'execa';
import { CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { KubeconfigStore } from '../../src/controller/kubeconfig-secret.js';
import { DEFAULT_HANDSHAKE_LIMITS, handshakeTargets, readServedCertificates, type HandshakeLimits } from '../../src/observe/certificate-handshakes.js';
import { certificatesAlert, certificatesCondition, CERTIFICATES_EXPIRY } from '../../src/observe/cluster-conditions.js';
import { probeCluster } from '../../src/observe/cluster-prober.js';
import { parseKubeconfig } from '../../src/observe/kubeconfig-credentials.js';
import type { ObservedNode } from '../../src/observe/observation.js';
import { freePort } from '../../src/util/free-port.js';
import { clusterFixture, core, custom, env, eventually, getCluster, startController, testLifecycle, type Cleanups } from '../controller/controller-harness.js';

const { cleanups, running } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
/** The "kubelet" listens here only: the kwok nodes' 127.0.0.1 finds nothing on its port. */
const KUBELET_ADDRESS = '127.0.0.77';

/** A TLS server on KUBELET_ADDRESS with a self-signed certificate valid for `days`; its port and notAfter. */
async function servingFor(days: number, cleanups: Cleanups): Promise<{ port: number; notAfter: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-kubelet-cert-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=node-kubelet', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'))]);
  // As a kubelet does: it asks for a client certificate, which the observer does not give.
  const server: Server = createServer({ key, cert, requestCert: true, rejectUnauthorized: true });
  await new Promise<void>((resolve) => server.listen(0, KUBELET_ADDRESS, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const out = await execa('openssl', ['x509', '-noout', '-enddate', '-in', join(dir, 'cert.pem')]);
  return { port: (server.address() as AddressInfo).port, notAfter: new Date(out.stdout.replace('notAfter=', '')).toISOString() };
}

async function nodeAt(name: string, address: string, roles: string[], cleanups: Cleanups): Promise<void> {
  const labels = Object.fromEntries(roles.map((r) => [`node-role.kubernetes.io/${r}`, '']));
  await core.createNode({ body: { metadata: { name, labels: { ...labels, 'slipway.test/observer': 'true' } }, spec: { taints: [{ key: 'slipway.test/unschedulable', effect: 'NoSchedule' }] } } });
  cleanups.push(() => core.deleteNode({ name }));
  await core.patchNodeStatus({ name, body: { status: { addresses: [{ type: 'InternalIP', address }] } } }, setHeaderOptions('Content-Type', 'application/strategic-merge-patch+json'));
}

const node = (name: string, roles: string[], address?: string): ObservedNode => ({ name, roles, ready: true, ...(address ? { address } : {}) });

describe('certificate expiry', () => {
  it('shakes hands with the control planes\' apiserver, etcd server and peer ports first, then every kubelet, bounded', () => {
    const limits: HandshakeLimits = { ...DEFAULT_HANDSHAKE_LIMITS, maxHandshakes: 6 };
    const nodes = [node('w1', [], '10.0.0.21'), node('cp1', ['control-plane'], '10.0.0.11'), node('bare', []), node('w2', [], '10.0.0.22')];
    const targets = handshakeTargets(nodes, (n) => n.roles.includes('control-plane'), limits);
    assert.deepEqual(targets.map((t) => `${t.host}:${t.port} ${t.what}`), [
      "10.0.0.11:6443 the apiserver's serving certificate on cp1",
      "10.0.0.11:2379 etcd's server certificate on cp1",
      "10.0.0.11:2380 etcd's peer certificate on cp1",
      "10.0.0.21:10250 the kubelet's serving certificate on w1",
      "10.0.0.11:10250 the kubelet's serving certificate on cp1",
      "10.0.0.22:10250 the kubelet's serving certificate on w2",
    ]);
    assert.equal(handshakeTargets(nodes, () => true, { ...limits, maxHandshakes: 2 }).length, 2);
  });

  it('names the nearest certificate, warns 30 days before and alerts once per change of reason', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    const obs = (notAfter: string) => ({ reachable: true as const, readyz: { ok: true as const }, certificates: [{ what: 'far', notAfter: '2030-01-01T00:00:00Z' }, { what: 'etcd peer on cp1', notAfter }], certificatesUnread: 2 });
    const valid = certificatesCondition(obs('2027-03-01T00:00:00Z'), now);
    assert.deepEqual([valid.status, valid.reason], ['True', 'CertificatesValid']);
    assert.equal(valid.message, 'nearest: etcd peer on cp1 expires 2027-03-01T00:00:00Z (2 certificate(s) read, 2 not readable)');
    const soon = certificatesCondition(obs('2027-01-20T00:00:00Z'), now);
    assert.deepEqual([soon.status, soon.reason], ['False', 'ExpiringSoon']);
    assert.match(soon.message ?? '', /in 19 days/);
    const expired = certificatesCondition(obs('2026-12-31T00:00:00Z'), now);
    assert.deepEqual([expired.status, expired.reason], ['False', 'Expired']);
    const c = (x: typeof valid) => [{ ...x, lastTransitionTime: 'then' }];
    assert.equal(certificatesAlert(c(valid), c(valid)), undefined);
    assert.match(certificatesAlert(c(valid), c(soon)) ?? '', /etcd peer on cp1/);
    assert.equal(certificatesAlert(c(soon), c(soon)), undefined, 'no second Event while nothing changes');
    assert.match(certificatesAlert(c(soon), c(expired)) ?? '', /expired/);
    assert.match(certificatesAlert(undefined, c(soon)) ?? '', /19 days/);
  });

  it('reads the served certificates of the real apiserver and a kubelet that asks for a client certificate; a closed port is counted unread', async () => {
    const kubelet = await servingFor(10, cleanups);
    const closed = await freePort();
    const apiserver = new URL(parseKubeconfig(await readFile(env.kubeconfigPath, 'utf8')).server);
    const read = await readServedCertificates(
      [
        { what: 'kubelet', host: KUBELET_ADDRESS, port: kubelet.port },
        { what: 'apiserver', host: apiserver.hostname, port: Number(apiserver.port) },
        { what: 'closed', host: '127.0.0.1', port: closed },
      ],
      DEFAULT_HANDSHAKE_LIMITS,
    );
    const byWhat = Object.fromEntries(read.certificates.map((c) => [c.what, c.notAfter]));
    assert.equal(byWhat.kubelet, kubelet.notAfter);
    const served = await probeCluster(parseKubeconfig(await readFile(env.kubeconfigPath, 'utf8')));
    assert.equal(byWhat.apiserver, served.certificates.find((c) => c.what === "the apiserver's serving certificate")?.notAfter, 'the same date as the kubeconfig\'s connection sees');
    assert.equal(read.unread, 1);
  });

  it('the controller writes the nearest certificate into the Cluster, sets CertificatesExpiry False, sends one CertificatesExpiring Event and exports the metrics', async () => {
    const kubelet = await servingFor(10, cleanups);
    const closed = await freePort();
    const { ns, cluster } = await clusterFixture('certs', cleanups);
    const ref = await new KubeconfigStore(env.kubeConfig, ns).store(await getCluster(cluster), await readFile(env.kubeconfigPath, 'utf8'));
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: { kubeconfigSecretRef: ref } } }, MERGE);
    const name = env.randomName('certs-node');
    await nodeAt(name, KUBELET_ADDRESS, [], cleanups);
    const ports = { kubelet: kubelet.port, apiserver: closed, etcdServer: closed, etcdPeer: closed };
    const controller = await startController(ns, running, { executor: 'local', observe: { intervalMs: 400, handshakes: { ports, timeoutMs: 1_000 } } });

    const seen = await eventually('the kubelet certificate as the nearest', async () => {
      const c = await getCluster(cluster);
      return c.status?.nearestCertificate === `the kubelet's serving certificate on ${name}` ? c : undefined;
    }, 30_000);
    assert.equal(seen.status?.certificatesExpiry, kubelet.notAfter);
    const cond = seen.status?.clusterConditions?.find((x) => x.type === CERTIFICATES_EXPIRY);
    assert.deepEqual([cond?.status, cond?.reason], ['False', 'ExpiringSoon']);
    assert.match(cond?.message ?? '', new RegExp(`the kubelet's serving certificate on ${name} expires .*, in (9|10) days`));

    const events = await eventually('the CertificatesExpiring Event', async () => {
      const list = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${seen.metadata.uid}` })).items.filter((e: CoreV1Event) => e.reason === 'CertificatesExpiring');
      return list.length > 0 ? list : undefined;
    }, 10_000);
    assert.equal(events[0]!.type, 'Warning');
    assert.match(events[0]!.message ?? '', /renew-certs\.yml/);
    // Several looks later, still one Event (and no count increase): nothing changed.
    await new Promise((r) => setTimeout(r, 1_500));
    const again = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.uid=${seen.metadata.uid}` })).items.filter((e: CoreV1Event) => e.reason === 'CertificatesExpiring');
    assert.deepEqual(again.map((e) => e.count ?? 1), [1]);

    const text = await controller.metrics.registry.metrics();
    const line = (series: string) => text.split('\n').find((l) => l.startsWith(`${series}{cluster="${cluster}"}`));
    assert.equal(Number(line('slipway_cluster_certificates_expiry_timestamp_seconds')?.split(' ')[1]), Date.parse(kubelet.notAfter) / 1000);
    assert.equal(line('slipway_cluster_certificates_expiring')?.split(' ')[1], '1');
  });
});
