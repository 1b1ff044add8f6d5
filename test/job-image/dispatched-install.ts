/**
 * A Job-mode install dispatched for real: a Cluster of the test sshd hosts (its SSH Secret in a
 * held-* namespace, where kwok keeps the Job's pod Running), a ClusterOperation that runs a fake
 * install and kubean's kubeconfig.yml, and the JobExecutor's dispatch of its plan — the plan
 * objects, the empty drop-box, the uploader's ServiceAccount, Role and RoleBinding, and the Job. No controller runs: the test plays the pod (pod emulator, or podman) with what the kubelet
 * would read (`objects`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../../src/api/types.js';
import type { Plan } from '../../src/engine/plan-types.js';
import { JobExecutor } from '../../src/executors/job-executor.js';
import { uploaderName } from '../../src/executors/kubeconfig-uploader-rbac.js';
import { defaultJobImagePolicy } from '../../src/policy/job-image.js';
import { eventually } from '../controller/controller-harness.js';
import { FAKE_NODE_LABEL, type TestEnv } from '../env/index.js';
import { fakeInstall, type FakeInstall } from '../fixtures/fake-install.js';
import { plannedOperation } from '../fixtures/test-cluster.js';
import { apiserverObjects } from './kube-pod.js';
import { PLAYBOOKS, type PodObjects } from './pod-emulator.js';

export interface DispatchedInstall {
  ns: string;
  cluster: Cluster;
  op: ClusterOperation;
  plan: Plan;
  install: FakeInstall;
  jobName: string;
  /** The uploader's ServiceAccount (and Role, RoleBinding, and the drop-box Secret). */
  serviceAccount: string;
  /** The drop-box the uploader writes. */
  dropBox: string;
  /** The Cluster's kubeconfig Secret (the controller's to write; none is made here). */
  secretName: string;
  /** The Job's pod, Running. */
  pod: V1Pod;
  objects: PodObjects;
  executor: JobExecutor;
}

export async function dispatchInstall(env: TestEnv, cleanups: (() => Promise<unknown>)[]): Promise<DispatchedInstall> {
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  const ns = await env.namespace('held-kcfg');
  const name = env.randomName('kcfg');
  const install = fakeInstall(env.randomName('k'), join(env.runDir, env.randomName('kcfg-dir')));
  // The user's SSH Secret, which the pod's ssh-agent sidecar mounts.
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'ssh' }, stringData: { 'ssh-privatekey': await readFile(env.sshPrivateKeyPath, 'utf8') } } });
  const cluster = (await custom.createClusterCustomObject({
    group: GROUP, version: VERSION, plural: CLUSTER_PLURAL,
    body: { apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', metadata: { name }, spec: { hostsConfRef: { namespace: ns, name: 'hosts' }, varsConfRef: { namespace: ns, name: 'vars' }, sshAuthRef: { namespace: ns, name: 'ssh' } } },
  })) as Cluster;
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name }));
  const op = (await custom.createClusterCustomObject({
    group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL,
    body: { apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name: env.randomName('install') }, spec: { cluster: name, actionType: 'playbook', action: 'cluster.yml' } },
  })) as ClusterOperation;
  cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: op.metadata.name! }));
  const plan = await plannedOperation(env, {
    operation: {
      actionType: 'playbook', action: 'cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' },
      postHook: [{ actionType: 'playbook', action: 'kubeconfig.yml' }],
    },
    actions: { 'cluster.yml': install.playbook },
    hostVars: { [env.hosts[0]!.name]: install.vars },
  }, PLAYBOOKS);

  const executor = new JobExecutor({ kubeConfig: env.kubeConfig, namespace: ns, images: defaultJobImagePolicy('registry.invalid/slipway/job:test'), pod: { nodeSelector: { [FAKE_NODE_LABEL.key]: FAKE_NODE_LABEL.value } } });
  const ref = await executor.dispatch(plan, { operation: op, cluster });
  const jobName = ref.executor === 'job' ? ref.name : '';
  const pod = await eventually('the Job\'s pod to run', async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
    return pods.items[0]?.status?.phase === 'Running' ? pods.items[0] : undefined;
  }, 180_000);
  // The kubelet's view: objects from the apiserver, tokens of the pod's ServiceAccount bound to the pod.
  const objects = apiserverObjects(env.kubeConfig, ns, { name: pod.metadata!.name!, uid: pod.metadata!.uid! });
  await eventually('kube-root-ca.crt in the namespace', () => objects.configMap('kube-root-ca.crt'), 180_000);
  return { ns, cluster, op, plan, install, jobName, serviceAccount: uploaderName(jobName), dropBox: uploaderName(jobName), secretName: `${name}-kubeconfig`, pod, objects, executor };
}

/** The Secret's kubeconfig (key value) and annotations. */
export async function kubeconfigSecret(env: TestEnv, namespace: string, name: string): Promise<{ value?: string; annotations: Record<string, string> }> {
  const s = await env.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace });
  return { ...(s.data?.value === undefined ? {} : { value: Buffer.from(s.data.value, 'base64').toString('utf8') }), annotations: s.metadata?.annotations ?? {} };
}
