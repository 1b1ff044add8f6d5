import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobPlanError, OBJECT_DATA_LIMIT, PLAN_JSON_KEY, toJobPlan } from '../../src/engine/job-plan.js';
import { JobVolumeError, jobPlanVolumes } from '../../src/engine/job-plan-volumes.js';
import { AGENT_IDENTITY_PATH, type Plan } from '../../src/engine/plan-types.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { CATALOG, inputOf, manifestText } from './operation-fixture.js';

const SCRIPTS_CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scripts, namespace: kubean-system}\ndata:\n  prepare.sh: "echo hi"\n  check.yml: "- hosts: all\\n  tasks:\\n    - ansible.builtin.ping:\\n"';

async function plannedOperation(): Promise<Plan> {
  return preparePlan(
    await inputOf(
      manifestText({
        op: {
          action: 'ping.yml',
          preHook: [{ actionType: 'shell', action: 'prepare.sh', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'scripts' } }],
          postHook: [{ actionType: 'playbook', action: 'check.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'scripts' } }],
        },
        extra: SCRIPTS_CM,
      }),
    ),
    CATALOG,
  );
}

/** The plan of a Cluster with no sshAuthRef (password authentication). */
function withoutKey(plan: Plan): Plan {
  const copy = { ...plan };
  delete copy.sshPrivateKey;
  return copy;
}

const KEY_PATTERN = /^[-._a-zA-Z0-9]{1,253}$/;

describe('toJobPlan', () => {
  it('keeps the steps as argv arrays, with the env the local executor would add', async () => {
    const plan = await plannedOperation();
    const job = toJobPlan(plan);
    assert.equal(job.plan.version, 3);
    assert.equal(job.plan.cluster, 'demo');
    assert.equal(job.plan.operation, 'demo-op');
    assert.deepEqual(job.plan.steps.map((s) => [s.name, s.role, s.kind]), [
      ['preHook 1: prepare.sh', 'preHook', 'shell'],
      ['action: ping.yml', 'action', 'playbook'],
      ['postHook 1: check.yml', 'postHook', 'playbook'],
    ]);
    for (const [i, s] of job.plan.steps.entries()) {
      assert.deepEqual(s.argv, plan.steps[i]!.argv);
      assert.equal(s.env.ANSIBLE_CALLBACKS_ENABLED, 'slipway_events,slipway_hangup');
      assert.equal(s.env.ANSIBLE_CALLBACK_PLUGINS, 'builtin/callback_plugins');
      assert.equal(s.env.ANSIBLE_CONFIG, 'builtin/ansible.cfg');
      assert.equal(s.env.HOME, undefined, 'only the pod knows its work dir');
    }
    assert.deepEqual(JSON.parse(job.configMapData[PLAN_JSON_KEY]!), job.plan);
  });

  it('puts the rendered inventory and group_vars.yml in the Secret, ConfigMap files in the ConfigMap, and never the key', async () => {
    const plan = await plannedOperation();
    const job = toJobPlan(plan);
    const inventory = plan.files.find((f) => f.path === 'inventory/hosts.yml')!;
    const key = plan.sshPrivateKey!;
    assert.match(key, /BEGIN OPENSSH PRIVATE KEY/, 'the fixture plan has the key');

    assert.deepEqual(Object.keys(job.secretData), ['hosts.yml', 'group_vars.yml']);
    assert.equal(job.secretData['hosts.yml'], inventory.content);
    assert.match(job.secretData['hosts.yml']!, /s3cr3t-pass-word/);
    assert.deepEqual(Object.keys(job.configMapData).sort(), ['plan.json', 'w2-actions_0_prepare.sh', 'w3-actions_2_check.yml']);
    const everything = JSON.stringify([job.configMapData, job.secretData, job.plan]);
    for (const line of key.trim().split('\n')) {
      if (!line.startsWith('-----')) assert.ok(!everything.includes(line), 'the private key stays in the user Secret');
    }
    assert.ok(!JSON.stringify(job.configMapData).includes('s3cr3t-pass-word'));
    for (const k of [...Object.keys(job.configMapData), ...Object.keys(job.secretData)]) assert.match(k, KEY_PATTERN);

    assert.deepEqual(job.plan.files, [
      { path: 'inventory/hosts.yml', mount: 'conf', key: 'hosts.yml', source: 'plan-secret', mode: 0o600 },
      { path: 'vars/group_vars.yml', mount: 'conf', key: 'group_vars.yml', source: 'plan-secret', mode: 0o600 },
      { path: 'actions/0/prepare.sh', mount: 'plan', key: 'w2-actions_0_prepare.sh', source: 'plan-configmap', mode: 0o600 },
      { path: 'actions/2/check.yml', mount: 'plan', key: 'w3-actions_2_check.yml', source: 'plan-configmap', mode: 0o600 },
    ]);
  });

  it('asks the entrypoint for the agent identity the steps\' ssh uses, exactly when the plan has the key', async () => {
    const plan = await plannedOperation();
    const job = toJobPlan(plan);
    assert.equal(job.plan.agentIdentity, AGENT_IDENTITY_PATH);
    for (const s of job.plan.steps.filter((s) => s.kind === 'playbook')) {
      assert.ok(s.env.ANSIBLE_SSH_ARGS!.includes(`-o IdentitiesOnly=yes -o IdentityAgent=SSH_AUTH_SOCK -o IdentityFile=${job.plan.agentIdentity}`), s.name);
    }
    assert.ok(!job.plan.files.some((f) => f.path.startsWith('auth/ssh-') || f.key.includes('privatekey')), 'no work file is the key or links to it');
    assert.ok(!job.plan.steps.some((s) => s.argv.includes('--private-key')), 'no argv names a key file');

    const keyless = withoutKey(plan);
    const passwordOnly = toJobPlan(keyless);
    assert.equal(passwordOnly.plan.agentIdentity, undefined);
    assert.ok(!('agentIdentity' in JSON.parse(passwordOnly.configMapData[PLAN_JSON_KEY]!)));

    const clash = { ...plan, files: [...plan.files, { path: AGENT_IDENTITY_PATH, content: 'x', mode: 0o644, secret: false }] };
    assert.throws(() => toJobPlan(clash), (err: unknown) => err instanceof JobPlanError && err.code === 'duplicate-path');
    assert.doesNotThrow(() => toJobPlan({ ...keyless, files: clash.files }), 'without a key the path is an ordinary one');
  });

  it('names the kubeconfig artifact exactly when a step fetches one', async () => {
    const plan = await plannedOperation();
    assert.equal(toJobPlan(plan).plan.kubeconfigArtifact, undefined);
    assert.equal(toJobPlan({ ...plan, kubeconfigArtifact: 'artifacts/admin.conf' }).plan.kubeconfigArtifact, 'artifacts/admin.conf');
    assert.throws(() => toJobPlan({ ...plan, kubeconfigArtifact: '../admin.conf' }), (err: unknown) => err instanceof JobPlanError && err.code === 'bad-path');
  });

  const base = (over: Partial<Plan>): Plan => ({
    cluster: 'c', operation: 'o', action: 'ping.yml', steps: [], files: [], secrets: [], targetHosts: [], hostAddresses: [],
    clusterFacts: { controlPlane: [], workers: [], controlPlaneDigest: "sha256:test" }, warnings: [], ...over,
  });
  const step = (argv: string[], env: Record<string, string> = {}) =>
    ({ name: 'action: x', role: 'action', kind: 'playbook', argv, env, source: 'builtin', action: 'x' }) as const;
  const file = (path: string, content = 'x') => ({ path, content, mode: 0o600, secret: false });
  const refusals: { name: string; plan: Plan; code: string }[] = [
    { name: 'a program name holding "="', plan: base({ steps: [step(['A=b', 'x'])] }), code: 'bad-argv' },
    { name: 'an empty argv', plan: base({ steps: [step([])] }), code: 'bad-argv' },
    { name: 'NUL in an argument', plan: base({ steps: [step(['ansible-playbook', 'a\0b'])] }), code: 'bad-argv' },
    { name: 'a bad variable name', plan: base({ steps: [step(['true'], { 'A B': '1' })] }), code: 'bad-env' },
    { name: 'an absolute path', plan: base({ files: [file('/etc/passwd')] }), code: 'bad-path' },
    { name: 'a path with ..', plan: base({ files: [file('actions/../../x')] }), code: 'bad-path' },
    { name: 'a path inside builtin/', plan: base({ files: [file('builtin/ping.yml')] }), code: 'bad-path' },
    { name: 'two files at one path', plan: base({ files: [file('a/b'), file('a/b')] }), code: 'duplicate-path' },
    { name: 'more than the apiserver stores', plan: base({ files: [file('a/big', 'x'.repeat(OBJECT_DATA_LIMIT))] }), code: 'too-large' },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name}`, () => {
      assert.throws(() => toJobPlan(r.plan), (err: unknown) => err instanceof JobPlanError && err.code === r.code);
    });
  }
});

describe('jobPlanVolumes', () => {
  it('projects each mount from the objects its files come from, and the user Secret at /auth for the agent sidecar alone', async () => {
    const job = toJobPlan(await plannedOperation());
    const { volumes, mounts, keyMount } = jobPlanVolumes(job.plan, { planConfigMap: 'op-plan', planSecret: 'op-plan', userSecret: 'demo-ssh' });
    assert.deepEqual(mounts, [
      { name: 'slipway-plan', mountPath: '/plan', readOnly: true },
      { name: 'slipway-conf', mountPath: '/conf', readOnly: true },
    ]);
    assert.deepEqual(keyMount, { name: 'slipway-auth', mountPath: '/auth', readOnly: true });
    const conf = volumes.find((v) => v.name === 'slipway-conf')!.projected!.sources!;
    assert.deepEqual(conf, [
      { secret: { name: 'op-plan', items: [{ key: 'hosts.yml', path: 'hosts.yml', mode: 0o440 }, { key: 'group_vars.yml', path: 'group_vars.yml', mode: 0o440 }] } },
    ]);
    const auth = volumes.find((v) => v.name === 'slipway-auth')!.projected!.sources!;
    assert.deepEqual(auth, [{ secret: { name: 'demo-ssh', items: [{ key: 'ssh-privatekey', path: 'ssh-privatekey', mode: 0o440 }] } }]);
    const plan = volumes.find((v) => v.name === 'slipway-plan')!.projected!.sources!;
    assert.deepEqual(plan, [{ configMap: { name: 'op-plan', items: ['plan.json', 'w2-actions_0_prepare.sh', 'w3-actions_2_check.yml'].map((k) => ({ key: k, path: k, mode: 0o444 })) } }]);
  });

  it('mounts no /auth, and needs no user Secret, when the plan has no key', async () => {
    const keyless = withoutKey(await plannedOperation());
    const job = toJobPlan(keyless);
    const { volumes, mounts, keyMount } = jobPlanVolumes(job.plan, { planConfigMap: 'op-plan', planSecret: 'op-plan' });
    assert.deepEqual(mounts.map((m) => m.mountPath), ['/plan', '/conf']);
    assert.equal(keyMount, undefined);
    assert.ok(!JSON.stringify(volumes).includes('ssh-privatekey'));
    assert.deepEqual(jobPlanVolumes(job.plan, { planConfigMap: 'op-plan', planSecret: 'op-plan', userSecret: 'demo-ssh' }).mounts, mounts, 'a named Secret is not mounted for nothing');
  });

  it('refuses to build volumes without the Secrets the plan needs', async () => {
    const job = toJobPlan(await plannedOperation());
    assert.throws(() => jobPlanVolumes(job.plan, { planConfigMap: 'p', userSecret: 's' }), JobVolumeError);
    assert.throws(() => jobPlanVolumes(job.plan, { planConfigMap: 'p', planSecret: 'p' }), /sshAuthRef/);
  });
});
