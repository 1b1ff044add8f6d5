/**
 * `slipway.io/reconcile: Auto` against the real apiserver, admission webhook, Redis and sshd hosts:
 * an edit of the hosts ConfigMap becomes one generated operation, run by real ansible (a builtin
 * directory whose scale.yml joins a host by creating its Node in the managed cluster, a second
 * apiserver the controller observes), then nothing more; a failure stops the sequence until a
 * retry succeeds.
 */
import assert from 'node:assert/strict';
import { chmod, copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import { execa } from 'execa';
import { ADMITTED_ANNOTATION } from '../../src/api/admission-stamp.js';
import { GENERATED_BY_LABEL, GENERATED_FOR_ANNOTATION, RECONCILE_BY_ANNOTATION, verifyReconcileBy } from '../../src/api/reconcile-authority.js';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { certPaths } from '../env/certs.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { kubeConfigFor } from '../controller/kubeconfig-for.js';
import { startThrowawayApiServer } from '../controller/throwaway-apiserver.js';
import { admissionKey, clusterFixture, core, custom, env, eventually, finished, getCluster, startController, testLifecycle } from '../controller/controller-harness.js';
import { sshHostsSecret } from '../controller/ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const [cp1, w1, w2] = env.hosts as [(typeof env.hosts)[0], (typeof env.hosts)[0], (typeof env.hosts)[0]];

/** node1 the control plane, the workers named; `note` changes the text (a new edit) and nothing else. */
function hostsYml(workers: string[], note = ''): string {
  const entry = (h: (typeof env.hosts)[0]) => `    ${h.name}:\n      ip: ${h.address}\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n      ansible_user: ${env.sshUser}\n`;
  const hosts = [cp1, ...env.hosts.filter((h) => workers.includes(h.name))];
  const nodes = workers.length > 0 ? `    kube_node: {hosts: {${workers.map((w) => `${w}: `).join(', ')}}}\n` : '';
  return `${note ? `# ${note}\n` : ''}all:\n  hosts:\n${hosts.map(entry).join('')}  children:\n    kube_control_plane: {hosts: {${cp1.name}: }}\n${nodes}    etcd: {hosts: {${cp1.name}: }}\n    k8s_cluster: {children: {kube_control_plane: , kube_node: }}\n`;
}

/** A builtin directory like Slipway's, whose scale.yml leaves a trace per host, fails while `marker` exists, and creates the host's Node. */
async function builtinDirJoining(o: { url: string; certs: string; trace: string; marker: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-auto-builtin-'));
  const from = defaultBuiltinDir();
  await copyFile(join(from, 'ansible.cfg'), join(dir, 'ansible.cfg'));
  for (const sub of ['callback_plugins', 'cache_plugins']) await cp(join(from, sub), join(dir, sub), { recursive: true });
  const node = `{"apiVersion":"v1","kind":"Node","metadata":{"name":"{{ inventory_hostname }}"}}`;
  await writeFile(
    join(dir, 'scale.yml'),
    `- hosts: all
  gather_facts: false
  tasks:
    - name: join
      ansible.builtin.shell: |
        set -e
        echo ran >> ${o.trace}-{{ inventory_hostname }}
        if [ -e ${o.marker} ]; then echo "{{ inventory_hostname }} was told to fail" >&2; exit 1; fi
        curl -sS -f --cacert ${o.certs}/ca.crt --cert ${o.certs}/admin.crt --key ${o.certs}/admin.key -X POST -H 'Content-Type: application/json' ${o.url}/api/v1/nodes -d '${node}'
`,
  );
  // Steps run as an unprivileged user in the sandbox: the directory must be readable to them.
  await execa('chmod', ['-R', 'a+rX', dir]);
  return dir;
}

const generatedOf = async (cluster: string): Promise<ClusterOperation[]> =>
  ((await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, labelSelector: `${GENERATED_BY_LABEL}=reconcile` })) as { items: ClusterOperation[] }).items
    .filter((op) => op.spec.cluster === cluster)
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));

const traceCount = async (trace: string, host: string): Promise<number> => {
  try {
    return (await readFile(`${trace}-${host}`, 'utf8')).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('declarative Auto (controller, webhook, real ansible on sshd hosts)', () => {
  it('an added worker becomes one generated scale.yml --limit, run to Succeeded, then nothing more; a failed one stops Auto until its retry succeeds', async () => {
    // The managed cluster: a second apiserver on its own etcd prefix, with node1 as its control plane.
    const api = await startThrowawayApiServer(env, undefined, { etcdPrefix: `/${env.randomName('auto')}` });
    cleanups.push(() => api.stop());
    const managed = kubeConfigFor(env.kubeConfig, api.url).makeApiClient(CoreV1Api);
    await managed.createNode({ body: { metadata: { name: cp1.name, labels: { 'node-role.kubernetes.io/control-plane': '' } } } });
    const version = (await kubeConfigFor(env.kubeConfig, api.url).makeApiClient(VersionApi).getCode()).gitVersion;

    // The admin's client certificate, readable by the hosts' ssh user (the hosts share this machine).
    const certs = await mkdtemp(join(tmpdir(), 'slipway-auto-certs-'));
    cleanups.push(() => rm(certs, { recursive: true, force: true }));
    const paths = certPaths(join(env.runDir, 'certs'));
    for (const [from, to] of [[paths.caCert, 'ca.crt'], [paths.adminCert, 'admin.crt'], [paths.adminKey, 'admin.key']] as const) {
      await copyFile(from, join(certs, to));
      await chmod(join(certs, to), 0o644);
    }
    await chmod(certs, 0o755);
    const stem = join(tmpdir(), env.randomName('auto'));
    const trace = `${stem}-trace`;
    const marker = `${stem}-marker`;
    cleanups.push(() => rm(marker, { force: true }), ...env.hosts.map((h) => () => rm(`${trace}-${h.name}`, { force: true })));
    const builtinDir = await builtinDirJoining({ url: api.url, certs, trace, marker });
    cleanups.push(() => rm(builtinDir, { recursive: true, force: true }));

    const { ns, cluster } = await clusterFixture('auto', cleanups, { hosts: hostsYml([]), vars: `kube_version: ${version}\n`, secret: await sshHostsSecret() });
    const uid = (await getCluster(cluster)).metadata.uid!;
    const kc = kubeConfigFor(env.kubeConfig, api.url);
    const user = kc.getCurrentUser()!;
    const clusterEntry = kc.getCurrentCluster()!;
    const caData = clusterEntry.caData ?? Buffer.from(await readFile(clusterEntry.caFile!)).toString('base64');
    const certData = user.certData ?? Buffer.from(await readFile(user.certFile!)).toString('base64');
    const keyData = user.keyData ?? Buffer.from(await readFile(user.keyFile!)).toString('base64');
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: m\n  cluster: {server: "${api.url}", certificate-authority-data: ${caData}}\nusers:\n- name: u\n  user: {client-certificate-data: ${certData}, client-key-data: ${keyData}}\ncontexts:\n- name: m\n  context: {cluster: m, user: u}\ncurrent-context: m\n`;
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: `${cluster}-kubeconfig`, ownerReferences: [{ apiVersion: API_VERSION, kind: CLUSTER_KIND, name: cluster, uid }] }, stringData: { value: kubeconfig } },
    });
    await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { status: { kubeconfigSecretRef: { namespace: ns, name: `${cluster}-kubeconfig` } } } }, MERGE);

    await startController(ns, running, {
      executor: 'local',
      operator: { allowLoopbackHosts: true },
      local: { sandbox: { allowLoopbackHosts: true } },
      builtinDir,
      declarative: { intervalMs: 1000 },
      observe: { intervalMs: 2000 },
    });

    // Auto, set by the admin: the webhook records who, signed.
    await custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster, body: { metadata: { annotations: { 'slipway.io/reconcile': 'Auto' } } } }, MERGE);
    const key = await admissionKey();
    const by = verifyReconcileBy(key, cluster, (await getCluster(cluster)).metadata.annotations?.[RECONCILE_BY_ANNOTATION]);
    assert.ok(by.ok, by.ok ? '' : by.why);
    const admin = by.body.author.username;

    const converged = (want: string[]) =>
      eventually(`the cluster observed with ${want.join(', ')} and nothing pending`, async () => {
        const c = await getCluster(cluster);
        const names = (c.status?.nodes ?? []).map((n) => n.name).sort();
        return JSON.stringify(names) === JSON.stringify(want) && c.status?.convergence?.mode === 'Auto' && !c.status.convergence.pending && !c.status.convergence.stopped ? c : undefined;
      }, 90_000);
    await converged([cp1.name]);
    assert.deepEqual(await generatedOf(cluster), [], 'nothing to do: nothing generated');

    // 1. A worker added to the hosts ConfigMap: one scale.yml limited to it, run as the admin who set Auto.
    await core.patchNamespacedConfigMap({ name: INPUT_NAMES.hosts, namespace: ns, body: { data: { 'hosts.yml': hostsYml([w1.name]) } } }, MERGE);
    const [g1] = await eventually('a generated operation', async () => {
      const ops = await generatedOf(cluster);
      return ops.length > 0 ? ops : undefined;
    });
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: g1!.metadata.name! }).catch(() => undefined));
    assert.equal(g1!.spec.action, 'scale.yml');
    assert.equal(g1!.spec.extraArgs, `--limit=${w1.name}`);
    assert.deepEqual(g1!.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [[CLUSTER_KIND, cluster, uid]]);
    assert.match(g1!.metadata.annotations?.[GENERATED_FOR_ANNOTATION] ?? '', /^generation=\d+ inputs=[0-9a-f]{16}$/);
    const stamp = g1!.metadata.annotations?.[ADMITTED_ANNOTATION];
    const payload = JSON.parse(Buffer.from((stamp ?? '').split('.')[0]!, 'base64url').toString('utf8')) as { author: { username: string } };
    assert.equal(payload.author.username, admin, 'admitted as the user who set Auto');
    const done = await finished(g1!.metadata.name!, 120_000);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.deepEqual(await Promise.all(env.hosts.map((h) => traceCount(trace, h.name))), [0, 1, 0], 'only the new worker was touched');
    await converged([cp1.name, w1.name].sort());
    await sleep(4_000);
    assert.deepEqual((await generatedOf(cluster)).map((o) => o.metadata.name), [g1!.metadata.name], 'nothing more is generated');

    // 2. The next worker fails to join: Auto stops, and stays stopped (no retry storm).
    await writeFile(marker, '');
    await core.patchNamespacedConfigMap({ name: INPUT_NAMES.hosts, namespace: ns, body: { data: { 'hosts.yml': hostsYml([w1.name, w2.name]) } } }, MERGE);
    const g2 = await eventually('a second generated operation', async () => (await generatedOf(cluster))[1]);
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: g2.metadata.name! }).catch(() => undefined));
    assert.equal(g2.spec.extraArgs, `--limit=${w2.name}`);
    assert.equal((await finished(g2.metadata.name!, 120_000)).status?.status, 'Failed');
    const stopped = await eventually('status.convergence.stopped', async () => (await getCluster(cluster)).status?.convergence?.stopped);
    assert.match(stopped, new RegExp(`${g2.metadata.name} \\(scale\\.yml --limit=${w2.name}\\) ended Failed: nothing more is generated until \`slipway retry ${g2.metadata.name}\``));
    await sleep(5_000);
    assert.equal((await generatedOf(cluster)).length, 2, 'a failed one is not generated again');
    assert.equal(await traceCount(trace, w2.name), 1);

    // 3. Its retry succeeds: Auto goes on, and there is nothing left to do.
    await rm(marker);
    const retry = await execa('node', [CLI, 'retry', g2.metadata.name!], { reject: false, timeout: 60_000 });
    assert.equal(retry.exitCode, 0, retry.stderr);
    const retryName = `${g2.metadata.name}-retry-1`;
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: retryName }).catch(() => undefined));
    assert.equal((await finished(retryName, 120_000)).status?.status, 'Succeeded');
    const after = await converged([cp1.name, w1.name, w2.name].sort());
    assert.equal(after.status?.convergence?.stopped, undefined);
    await sleep(4_000);
    assert.equal((await generatedOf(cluster)).length, 2, 'nothing more is generated');
    assert.deepEqual(await Promise.all(env.hosts.map((h) => traceCount(trace, h.name))), [0, 1, 2]);
  });
});
