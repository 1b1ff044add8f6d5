/**
 * renew-certs.yml on lab machines: three control planes installed by `slipway run`, then the
 * renewal, with every apiserver's /readyz asked twice a second throughout. Every certificate
 * the observer reads (the apiserver's, etcd's server and peer, each kubelet's), every one
 * `kubeadm certs check-expiration` lists and the fetched admin kubeconfig's client certificate
 * move forward, and at no moment was no apiserver answering.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { bundleLayout } from '../../src/bundle/bundle-layout.js';
import { handshakeTargets, readServedCertificates, DEFAULT_HANDSHAKE_LIMITS } from '../../src/observe/certificate-handshakes.js';
import { operationManifest, clusterManifests, readLabInputs, type Machine } from '../e2e/e2e-manifests.js';
import { LAB_TESTS_SKIP, LabSsh, parseUp, randomLabName, slipway, type UpOutput } from './lab-harness.js';

// Three control planes installed then renewed: about 15 minutes on a loaded machine, so not part
// of `npm run test:lab` (CI) until the end-to-end suite takes it over on a cluster it already has.
const skip = LAB_TESTS_SKIP || (process.env.SLIPWAY_RENEW_CERTS_LAB !== '1' ? 'set SLIPWAY_RENEW_CERTS_LAB=1 (3 machines, ~15 min)' : false)
  || (existsSync(bundleLayout().imagesIndex) ? false : 'no offline bundle built');

/** 1 when the apiserver at `host` answers /readyz with 200 within a second and a half. */
function readyz(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port: 6443, path: '/readyz', rejectUnauthorized: false, agent: false, timeout: 1_500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The served certificates' dates by what they are. */
async function served(machines: Machine[]): Promise<Map<string, string>> {
  const nodes = machines.map((m) => ({ name: m.name, roles: ['control-plane'], ready: true, address: m.address }));
  const r = await readServedCertificates(handshakeTargets(nodes, () => true, DEFAULT_HANDSHAKE_LIMITS), DEFAULT_HANDSHAKE_LIMITS);
  return new Map(r.certificates.map((c) => [c.what, c.notAfter]));
}

/** `kubeadm certs check-expiration` as certificate → date (the CAs and the missing super-admin.conf left out). */
function checkExpiration(out: string): Map<string, number> {
  const rows = out.split('\n').filter((l) => /^\S+\s+\w{3} \d{2}, \d{4} \d{2}:\d{2} UTC/.test(l) && !/^(ca|etcd-ca|front-proxy-ca)\s/.test(l));
  return new Map(rows.map((l) => [l.split(/\s+/)[0]!, Date.parse(/(\w{3} \d{2}, \d{4} \d{2}:\d{2}) UTC/.exec(l)![1]! + ' UTC')]));
}

const clientCertExpiry = (kubeconfig: string): number => {
  const user = (parse(kubeconfig) as { users: { user: Record<string, string> }[] }).users[0]!.user;
  return Date.parse(new X509Certificate(Buffer.from(user['client-certificate-data']!, 'base64')).validTo);
};

describe('renew-certs.yml on three control planes', { skip, concurrency: false }, () => {
  const lab = randomLabName();
  let stateRoot = '';
  let serveState = '';
  let work = '';
  let up: UpOutput;
  let ssh: LabSsh;

  before(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'slipway-certs-state-'));
    serveState = await mkdtemp(join(tmpdir(), 'slipway-certs-serve-'));
    work = await mkdtemp(join(tmpdir(), 'slipway-certs-work-'));
    const r = await slipway(['lab', 'up', '--name', lab, '--machines', '3'], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    up = parseUp(r.stdout);
    // On the lab's bridge only: another lab's server may hold the loopback ports.
    const serve = await slipway(['bundle', 'serve', '--listen', up.hostAddress, '--state-dir', serveState], stateRoot);
    assert.equal(serve.exitCode, 0, serve.stderr);
    ssh = await LabSsh.fromInputs(up.inputsDir);
  });

  after(async () => {
    await slipway(['bundle', 'serve', '--stop', '--state-dir', serveState], stateRoot);
    await slipway(['lab', 'down', '--name', lab], stateRoot);
    for (const d of [stateRoot, serveState, work]) await rm(d, { recursive: true, force: true });
  });

  it('moves every expiry forward, restarts the control-plane pods one at a time, and some apiserver answers throughout', async (t) => {
    const inputs = readLabInputs(await readFile(join(up.inputsDir, 'vars-conf.yml'), 'utf8'), await readFile(join(up.inputsDir, 'ssh-auth.yml'), 'utf8'));
    const shape = { name: 'certs', controlPlanes: up.machines, workers: [] };
    const run = async (name: string, action: string, kubeconfig: string) => {
      const dir = join(work, name);
      await mkdir(dir);
      await writeFile(join(dir, 'cluster.yml'), clusterManifests(shape, inputs));
      await writeFile(join(dir, 'operation.yml'), operationManifest(name, 'certs', { action }));
      const r = await slipway(['run', '-f', dir, '--kubeconfig-out', kubeconfig, '--log-dir', join(work, `${name}-logs`)], stateRoot, 1_800_000);
      t.diagnostic(`${action}: ${r.seconds.toFixed(0)} s`);
      assert.equal(r.exitCode, 0, r.stdout.slice(-4000) + r.stderr);
      return r;
    };
    await run('install', 'cluster.yml', join(work, 'before.conf'));
    // Expiry is to the minute in kubeadm's table and to the second in a certificate: a minute apart at least.
    await new Promise((r) => setTimeout(r, 61_000));
    const servedBefore = await served(up.machines);
    assert.equal(servedBefore.size, 12, `4 served certificates on each of 3 control planes: ${[...servedBefore.keys()].join('; ')}`);
    const tableBefore = await Promise.all(up.machines.map(async (m) => checkExpiration((await ssh.run(m.address, 'kubeadm certs check-expiration')).stdout)));

    const ticks: { at: number; up: boolean[] }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const at = Date.now();
        ticks.push({ at, up: await Promise.all(up.machines.map((m) => readyz(m.address))) });
        await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - at))));
      }
    })();
    let renewed;
    try {
      renewed = await run('renew', 'renew-certs.yml', join(work, 'after.conf'));
    } finally {
      polling = false;
      await poller;
    }
    const dark = ticks.filter((x) => !x.up.some(Boolean));
    assert.deepEqual(dark.map((x) => new Date(x.at).toISOString()), [], `no apiserver answered at these moments (${ticks.length} asked)`);
    const restarted = up.machines.map((_, i) => ticks.some((x) => !x.up[i]));
    t.diagnostic(`${ticks.length} readyz rounds; apiservers seen down during their restart: ${restarted.map(String).join(', ')}`);
    assert.match(renewed.stdout, /which restarts kube-apiserver/);

    const servedAfter = await served(up.machines);
    for (const [what, before] of servedBefore) {
      assert.ok(Date.parse(servedAfter.get(what) ?? '') > Date.parse(before), `${what}: ${before} → ${servedAfter.get(what)}`);
    }
    for (const [i, m] of up.machines.entries()) {
      const tableAfter = checkExpiration((await ssh.run(m.address, 'kubeadm certs check-expiration')).stdout);
      assert.ok(tableBefore[i]!.size >= 9, `${m.name}: ${[...tableBefore[i]!.keys()].join(', ')}`);
      for (const [cert, before] of tableBefore[i]!) assert.ok((tableAfter.get(cert) ?? 0) > before, `${m.name} ${cert}`);
      const pods = await ssh.run(m.address, `kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system get pods -l tier=control-plane --field-selector spec.nodeName=${m.name} -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.annotations.slipway\\.io/certificates-renewed}{"\\n"}{end}'`);
      for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) assert.match(pods.stdout, new RegExp(`^${c}-${m.name}=\\d{4}-`, 'm'), `${m.name}: ${pods.stdout}`);
    }
    assert.ok(clientCertExpiry(await readFile(join(work, 'after.conf'), 'utf8')) > clientCertExpiry(await readFile(join(work, 'before.conf'), 'utf8')), 'the fetched admin kubeconfig carries the renewed client certificate');
  });
});
