import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterOperation } from '../../src/api/types.js';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { toJobPlan } from '../../src/engine/job-plan.js';
import { buildJobObjects, jobNameFor, JOB_CONTAINER, type JobBuildInput } from '../../src/executors/job-builder.js';
import { KUBECONFIG_CONTAINER, SSH_AGENT_CONTAINER } from '../../src/executors/job-sidecars.js';
import { DEFAULT_JOB_RESOURCES, JobResourcesError, parseJobResources } from '../../src/executors/job-resources.js';
import { inputOf, manifestText } from '../engine/operation-fixture.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { loadBuiltinCatalog } from '../../src/engine/builtin-catalog.js';
import { defaultBuiltinDir } from '../../src/engine/builtin-dir.js';

const PLAN_UID = '7d0c1f00-aaaa-bbbb-cccc-000000000001';
const OP_UID = '0b6f6a3e-1111-2222-3333-444455556666';
const op = (name: string, uid: string): ClusterOperation => ({
  apiVersion: 'kubean.io/v1alpha1',
  kind: 'ClusterOperation',
  metadata: { name, uid },
  spec: { cluster: 'demo', actionType: 'playbook', action: 'ping.yml' },
});

async function input(over: Partial<JobBuildInput> = {}): Promise<JobBuildInput> {
  const plan = preparePlan(await inputOf(manifestText({})), loadBuiltinCatalog(defaultBuiltinDir()), {});
  return {
    namespace: 'slipway-system',
    operation: op('demo-op', '0b6f6a3e-1111-2222-3333-444455556666'),
    jobPlan: toJobPlan(plan),
    activeDeadlineSeconds: 600,
    image: 'slipway/job:1',
    jobImage: 'slipway/job:1',
    planUid: PLAN_UID,
    sshKey: { secretRef: { namespace: 'slipway-system', name: 'demo-ssh' }, privateKey: plan.sshPrivateKey ?? 'k' },
    ...over,
  };
}

describe('job builder (pure)', () => {
  it('names are deterministic DNS labels from the uid, distinct for a recreated operation', () => {
    const a = jobNameFor(op('x'.repeat(200), 'uid-1'));
    assert.equal(a, jobNameFor(op('x'.repeat(200), 'uid-1')));
    assert.ok(a.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(a), a);
    assert.notEqual(a, jobNameFor(op('x'.repeat(200), 'uid-2')));
  });

  it('mounts the user\'s Secret in place when it is in the Job\'s namespace, and owns only its own objects', async () => {
    const o = buildJobObjects(await input());
    assert.equal(o.authSecret, undefined);
    const sources = o.job.spec!.template.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []);
    assert.ok(sources.some((s) => s.secret?.name === 'demo-ssh'));
    for (const obj of [o.job, o.planConfigMap]) assert.deepEqual(obj.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['ClusterOperation', OP_UID]]);
    assert.deepEqual(o.planSecret?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['ConfigMap', o.planConfigMap.metadata?.name, PLAN_UID]], 'goes when the plan ConfigMap goes');
    assert.equal(o.job.spec!.activeDeadlineSeconds, 600);
    assert.equal(o.job.spec!.template.spec!.containers[0]!.image, 'slipway/job:1');
  });

  const podOf = (o: ReturnType<typeof buildJobObjects>): V1PodSpec => o.job.spec!.template.spec!;
  const containers = (pod: V1PodSpec): V1Container[] => [...(pod.initContainers ?? []), ...pod.containers];
  const mountsOf = (c: V1Container | undefined) => Object.fromEntries((c?.volumeMounts ?? []).map((m) => [m.mountPath, { name: m.name, readOnly: m.readOnly === true }]));
  const named = (pod: V1PodSpec, name: string) => containers(pod).find((c) => c.name === name);
  const withArtifact = async (over: Partial<JobBuildInput> = {}): Promise<JobBuildInput> => {
    const base = await input(over);
    return { ...base, jobPlan: { ...base.jobPlan, plan: { ...base.jobPlan.plan, kubeconfigArtifact: 'artifacts/admin.conf' } } };
  };

  it('mounts the key in the ssh-agent sidecar only; the ansible container gets the agent\'s directory, read-only', async () => {
    const pod = podOf(buildJobObjects(await input()));
    assert.deepEqual(pod.initContainers?.map((c) => [c.name, c.restartPolicy, c.args, c.image]), [[SSH_AGENT_CONTAINER, 'Always', ['ssh-agent'], 'slipway/job:1']]);
    const agent = mountsOf(named(pod, SSH_AGENT_CONTAINER));
    const main = mountsOf(named(pod, JOB_CONTAINER));
    assert.deepEqual(Object.keys(agent).sort(), ['/agent', '/auth']);
    assert.deepEqual(agent['/auth'], { name: 'slipway-auth', readOnly: true });
    assert.deepEqual(agent['/agent'], { name: 'slipway-agent', readOnly: false });
    assert.deepEqual(Object.keys(main).sort(), ['/agent', '/conf', '/plan', '/tmp']);
    assert.deepEqual(main['/agent'], { name: 'slipway-agent', readOnly: true });
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'slipway-agent')?.emptyDir, { medium: 'Memory', sizeLimit: '1Mi' });
    assert.equal(pod.serviceAccountName, undefined, 'no ServiceAccount of its own without the uploader');
  });

  it('has no agent sidecar when the plan has no key (password authentication)', async () => {
    const base = await input();
    const plan = { ...base.jobPlan.plan };
    delete plan.agentIdentity;
    const keyless = { ...base, jobPlan: { ...base.jobPlan, plan } };
    delete keyless.sshKey;
    const pod = podOf(buildJobObjects(keyless));
    assert.equal(pod.initContainers, undefined);
    assert.deepEqual(Object.keys(mountsOf(pod.containers[0])).sort(), ['/conf', '/plan', '/tmp']);
  });

  it('hardens every container alike, and mounts a token in none but the uploader', async () => {
    const pod = podOf(buildJobObjects(await withArtifact()));
    assert.deepEqual(containers(pod).map((c) => c.name), [SSH_AGENT_CONTAINER, KUBECONFIG_CONTAINER, JOB_CONTAINER]);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of containers(pod)) {
      assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }, c.name);
      assert.equal(c.image, 'slipway/job:1', c.name);
    }
    const tokenVolumes = (pod.volumes ?? []).filter((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)).map((v) => v.name);
    assert.deepEqual(tokenVolumes, ['slipway-kubeconfig-token']);
    for (const c of containers(pod)) {
      const hasToken = (c.volumeMounts ?? []).some((m) => tokenVolumes.includes(m.name));
      assert.equal(hasToken, c.name === KUBECONFIG_CONTAINER, c.name);
    }
  });

  it('gives the pod the kubeconfig uploader when the plan fetches a kubeconfig: an empty drop-box and a ServiceAccount that may only patch it', async () => {
    const o = buildJobObjects(await withArtifact());
    const pod = podOf(o);
    const name = `${o.job.metadata!.name!}-kubeconfig`;
    assert.ok(o.uploader);
    assert.equal(pod.serviceAccountName, name);
    assert.equal(o.job.spec!.template.metadata!.labels!['slipway.io/kubeconfig-upload'], 'true', 'the label its NetworkPolicy selects');
    assert.deepEqual([o.uploader.dropBox.metadata?.name, o.uploader.dropBox.type, o.uploader.dropBox.data], [name, 'slipway.io/kubeconfig-drop-box', {}]);
    assert.deepEqual(o.uploader.serviceAccount.metadata?.name, name);
    assert.equal(o.uploader.serviceAccount.automountServiceAccountToken, false);
    assert.deepEqual(o.uploader.role.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['patch'] }]);
    assert.deepEqual(o.uploader.roleBinding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
    assert.deepEqual(o.uploader.roleBinding.subjects, [{ kind: 'ServiceAccount', name, namespace: 'slipway-system' }]);
    for (const obj of [o.uploader.dropBox, o.uploader.serviceAccount, o.uploader.role, o.uploader.roleBinding]) {
      assert.equal(obj.metadata?.namespace, 'slipway-system');
      assert.deepEqual(obj.metadata?.ownerReferences?.map((r) => [r.kind, r.uid]), [['ConfigMap', PLAN_UID]]);
    }
    const uploader = named(pod, KUBECONFIG_CONTAINER)!;
    assert.equal(uploader.restartPolicy, 'Always');
    assert.deepEqual(uploader.args, ['kubeconfig-upload']);
    assert.deepEqual(Object.fromEntries((uploader.env ?? []).map((e) => [e.name, e.value])), {
      SLIPWAY_KUBECONFIG_SECRET: name,
      SLIPWAY_KUBECONFIG_NAMESPACE: 'slipway-system',
      SLIPWAY_OPERATION_UID: '0b6f6a3e-1111-2222-3333-444455556666',
    });
    assert.deepEqual(mountsOf(uploader), {
      '/kubeconfig': { name: 'slipway-kubeconfig', readOnly: true },
      '/kubeconfig-status': { name: 'slipway-kubeconfig-status', readOnly: false },
      '/var/run/secrets/kubernetes.io/serviceaccount': { name: 'slipway-kubeconfig-token', readOnly: true },
    });
    const main = mountsOf(named(pod, JOB_CONTAINER));
    assert.deepEqual(main['/kubeconfig'], { name: 'slipway-kubeconfig', readOnly: false });
    assert.deepEqual(main['/kubeconfig-status'], { name: 'slipway-kubeconfig-status', readOnly: true });
    const token = pod.volumes?.find((v) => v.name === 'slipway-kubeconfig-token')?.projected;
    assert.deepEqual(token?.sources, [
      { serviceAccountToken: { path: 'token', expirationSeconds: 600 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ]);
  });

  it('has no uploader when the plan fetches no kubeconfig', async () => {
    for (const [what, i] of [['no artifact', await input()]] as const) {
      const o = buildJobObjects(i);
      assert.equal(o.uploader, undefined, what);
      const pod = podOf(o);
      assert.deepEqual(containers(pod).map((c) => c.name), [SSH_AGENT_CONTAINER, JOB_CONTAINER], what);
      assert.equal(pod.serviceAccountName, undefined, what);
      assert.equal(o.job.spec!.template.metadata!.labels!['slipway.io/kubeconfig-upload'], undefined, what);
      assert.ok(!Object.keys(mountsOf(pod.containers[0])).includes('/kubeconfig'), what);
    }
  });

  it('copies the key into an operation-owned Secret when the user\'s is in another namespace', async () => {
    const o = buildJobObjects(await input({ sshKey: { secretRef: { namespace: 'kubean-system', name: 'demo-ssh' }, privateKey: 'KEY' } }));
    assert.deepEqual(o.authSecret?.stringData, { 'ssh-privatekey': 'KEY' });
    assert.equal(o.authSecret?.metadata?.ownerReferences?.[0]?.uid, PLAN_UID, 'goes when the plan ConfigMap goes');
    const sources = o.job.spec!.template.spec!.volumes!.flatMap((v) => v.projected?.sources ?? []);
    assert.ok(!sources.some((s) => s.secret?.name === 'demo-ssh'));
  });

  it('runs the ansible container from the image it is given, every sidecar from the operator\'s job image; operator pod labels never override the controller\'s', async () => {
    const base = await withArtifact({ pod: { labels: { 'slipway.io/operation-uid': 'forged', team: 'a' } } });
    const o = buildJobObjects({ ...base, image: 'registry.example/mine:2', jobImage: 'slipway/job@sha256:' + 'a'.repeat(64), operation: { ...base.operation, spec: { ...base.operation.spec, image: 'registry.example/mine:2' } } });
    const pod = podOf(o);
    assert.deepEqual(containers(pod).map((c) => [c.name, c.image]), [
      [SSH_AGENT_CONTAINER, 'slipway/job@sha256:' + 'a'.repeat(64)],
      [KUBECONFIG_CONTAINER, 'slipway/job@sha256:' + 'a'.repeat(64)],
      [JOB_CONTAINER, 'registry.example/mine:2'],
    ]);
    assert.equal(o.job.spec!.template.metadata!.labels!['slipway.io/operation-uid'], OP_UID);
    assert.equal(o.job.spec!.template.metadata!.labels!.team, 'a');
  });

  it('pulls the pod\'s images with the operator\'s imagePullSecrets, none when there are none', async () => {
    const pod = podOf(buildJobObjects(await withArtifact({ pod: { imagePullSecrets: ['regcred', 'mirror-cred'] } })));
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }, { name: 'mirror-cred' }]);
    assert.equal(podOf(buildJobObjects(await withArtifact())).imagePullSecrets, undefined);
    assert.equal(podOf(buildJobObjects(await withArtifact({ pod: { imagePullSecrets: [] } }))).imagePullSecrets, undefined);
  });

  it('gives every container requests and limits: the defaults, the operator\'s, or the operation\'s own for the ansible container', async () => {
    const resourcesOf = (o: ReturnType<typeof buildJobObjects>) => Object.fromEntries(containers(podOf(o)).map((c) => [c.name, c.resources]));
    assert.deepEqual(resourcesOf(buildJobObjects(await withArtifact())), {
      [SSH_AGENT_CONTAINER]: DEFAULT_JOB_RESOURCES.sshAgent,
      [KUBECONFIG_CONTAINER]: DEFAULT_JOB_RESOURCES.kubeconfigUpload,
      [JOB_CONTAINER]: DEFAULT_JOB_RESOURCES.operation,
    });
    for (const r of Object.values(DEFAULT_JOB_RESOURCES)) {
      assert.ok(r.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory, JSON.stringify(r));
    }
    const operator = parseJobResources('{"operation":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"4","memory":"8Gi"}},"sshAgent":{"limits":{"memory":"32Mi"}}}');
    const byOperator = resourcesOf(buildJobObjects({ ...(await withArtifact()), resources: operator }));
    assert.deepEqual(byOperator[JOB_CONTAINER], { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '4', memory: '8Gi' } });
    assert.deepEqual(byOperator[SSH_AGENT_CONTAINER], { limits: { memory: '32Mi' } });
    assert.deepEqual(byOperator[KUBECONFIG_CONTAINER], DEFAULT_JOB_RESOURCES.kubeconfigUpload);
    const base = await input();
    const own = { requests: { cpu: '100m' }, limits: { cpu: '1', memory: '1Gi' } };
    const byOp = resourcesOf(buildJobObjects({ ...base, operation: { ...base.operation, spec: { ...base.operation.spec, resources: own } } }));
    assert.deepEqual(byOp[JOB_CONTAINER], own);
    assert.deepEqual(byOp[SSH_AGENT_CONTAINER], DEFAULT_JOB_RESOURCES.sshAgent);
    for (const bad of ['{"operation":{"limits":{"cpu":"lots"}}}', '{"other":{}}', '{"operation":{"requests":{"gpu":"1"}}}', '[]', 'x']) {
      assert.throws(() => parseJobResources(bad), JobResourcesError, bad);
    }
  });

  it('puts group_vars.yml (which may hold become and SSH passwords) and the inventory in the plan Secret, never in the ConfigMap', async () => {
    const plan = preparePlan(await inputOf(manifestText({ vars: 'ansible_become_password: hunter2-become\nansible_password: hunter2-ssh\n' })), loadBuiltinCatalog(defaultBuiltinDir()), {});
    const o = buildJobObjects({ ...(await input()), jobPlan: toJobPlan(plan) });
    const configMap = JSON.stringify(o.planConfigMap.data);
    assert.ok(!configMap.includes('hunter2'), configMap);
    assert.ok(Object.values(o.planSecret?.stringData ?? {}).some((v) => v.includes('hunter2-become')));
    assert.deepEqual(Object.keys(o.planSecret?.stringData ?? {}).sort(), ['group_vars.yml', 'hosts.yml']);
  });
});
