import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { InputError } from '../../src/api/input-error.js';
import { KubeSource } from '../../src/api/kube-source.js';
import { resolveOperationInput } from '../../src/api/resolve-input.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { loadBuiltinCatalog } from '../../src/engine/builtin-catalog.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { HOSTS_YML, VARS_YML } from '../engine/operation-fixture.js';
import { loadTestEnv } from '../env/index.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
const clusterScoped: [string, string][] = [];

after(async () => {
  for (const [plural, name] of clusterScoped) {
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).catch(() => undefined);
  }
});

async function createCluster(): Promise<{ namespace: string; cluster: string; operation: string; secret: string }> {
  const namespace = await env.namespace('source');
  const [hosts, vars, secret, cluster, operation] = ['hosts', 'vars', 'ssh', 'cluster', 'op'].map((p) => env.randomName(p)) as [string, string, string, string, string];
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: hosts }, data: { 'hosts.yml': HOSTS_YML } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: vars }, data: { 'group_vars.yml': VARS_YML } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: secret }, data: { 'ssh-privatekey': Buffer.from(KEY).toString('base64') } } });
  await custom.createClusterCustomObject({
    group: GROUP, version: VERSION, plural: CLUSTER_PLURAL,
    body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'Cluster', metadata: { name: cluster },
      spec: { hostsConfRef: { namespace, name: hosts }, varsConfRef: { namespace, name: vars }, sshAuthRef: { namespace, name: secret } },
    },
  });
  clusterScoped.push([CLUSTER_PLURAL, cluster]);
  await custom.createClusterCustomObject({
    group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL,
    body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'ClusterOperation', metadata: { name: operation },
      spec: { cluster, actionType: 'playbook', action: 'ping.yml', preHook: [{ actionType: 'playbook', action: 'disable-firewalld.yml' }] },
    },
  });
  clusterScoped.push([CLUSTER_OPERATION_PLURAL, operation]);
  return { namespace, cluster, operation, secret };
}

describe('inputs read from the Kubernetes API', () => {
  it('plans an operation from the Cluster, its ConfigMaps and its Secret', async () => {
    const names = await createCluster();
    const source = new KubeSource(env.kubeConfig);
    const op = await source.getOperation(names.operation);
    assert.ok(op);
    const plan = preparePlan(await resolveOperationInput(op, source), loadBuiltinCatalog(defaultBuiltinDir()));
    assert.deepEqual(plan.steps.map((s) => s.name), ['preHook 1: disable-firewalld.yml', 'action: ping.yml']);
    assert.equal(plan.sshPrivateKey, KEY);
    assert.equal(plan.cluster, names.cluster);
  });

  it('names the Secret the API does not have', async () => {
    const names = await createCluster();
    await core.deleteNamespacedSecret({ namespace: names.namespace, name: names.secret });
    const source = new KubeSource(env.kubeConfig);
    const op = (await source.getOperation(names.operation))!;
    await assert.rejects(resolveOperationInput(op, source), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.problems[0]!.code, 'missing-secret');
      assert.equal(err.problems[0]!.object, `Secret ${names.namespace}/${names.secret}`);
      return true;
    });
  });
});
