import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { KUBECONFIG_OPERATION_ANNOTATION, type JobPlanJson } from '../../src/engine/job-plan.js';
import { KUBECONFIG_CONTAINER, SSH_AGENT_CONTAINER } from '../../src/executors/job-sidecars.js';
import { loadTestEnv } from '../env/index.js';
import { dispatchInstall, kubeconfigSecret } from './dispatched-install.js';
import { jobPlanOf, layOut, readRun } from './entrypoint-harness.js';
import { apiServerOf } from './kube-pod.js';
import { KUBELET_OWNER, preparePod } from './pod-emulator.js';
import { runPodWithPodman } from './podman-pod.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const archive = process.env.SLIPWAY_JOB_IMAGE_ARCHIVE;
const skip = archive ? false : 'set SLIPWAY_JOB_IMAGE_ARCHIVE to an archive of scripts/build-job-image.sh (runs it with podman)';

/** What the ansible container of the pod can see of the credentials, printed by a step. */
const PEEK = [
  'import os',
  'print("UID", os.getuid())',
  'for p in ["/auth", "/var/run/secrets/kubernetes.io/serviceaccount", "/agent/agent.sock"]:',
  '    print("SEES", p, os.path.exists(p))',
].join('\n');

test('the built image runs a plan as uid 65532 against the real hosts, the key only in its ssh-agent sidecar', { skip }, async () => {
  const env = loadTestEnv();
  const job = await jobPlanOf(env, {
    operation: { actionType: 'playbook', action: 'cluster-info.yml', preHook: [{ actionType: 'playbook', action: 'ping.yml' }] },
  });
  const plan: JobPlanJson = { ...job.plan, steps: [...job.plan.steps, { name: 'peek', role: 'postHook', kind: 'shell', argv: ['python3', '-c', PEEK], env: {} }] };
  // As the kubelet projects them for a pod with fsGroup 65532: root's files, readable by the group.
  const pod = await layOut(env, job, plan, { owner: KUBELET_OWNER });
  const run = await runPodWithPodman(pod, archive!);
  const r = readRun(run.main);

  assert.equal(r.exitCode, 0, r.stderr + r.stdout + JSON.stringify(run.sidecars));
  assert.deepEqual(
    r.steps.map((s) => (s.kind === 'step-start' ? s.name : s.kind)),
    ['preHook 1: ping.yml', 'step-end', 'action: cluster-info.yml', 'step-end', 'peek', 'step-end', 'job-end'],
  );
  for (const host of env.hosts.map((h) => h.name)) {
    assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === host && e.task === "Show the host's facts" && e.outcome === 'ok'), host);
  }
  assert.ok(r.stdout.includes('UID 65532'));
  assert.ok(r.stdout.includes('SEES /auth False'), 'the ansible container has no key mount');
  assert.ok(r.stdout.includes('SEES /var/run/secrets/kubernetes.io/serviceaccount False'), 'nor a token');
  assert.ok(r.stdout.includes('SEES /agent/agent.sock True'), 'only the agent\'s socket');
  assert.match(run.sidecars[SSH_AGENT_CONTAINER]?.stderr ?? '', /the key is loaded/);
});

test('the built image\'s kubeconfig-upload sidecar, with a real token of the pod\'s ServiceAccount, stores an install\'s kubeconfig in the Cluster\'s Secret', { skip }, async () => {
  const env = loadTestEnv();
  // Dispatched for real; podman plays the pod kwok holds, with what the kubelet would mount.
  const d = await dispatchInstall(env, cleanups);
  const pod = await preparePod(d.pod.spec!, d.objects, env.runDir, KUBELET_OWNER);
  const run = await runPodWithPodman(pod, archive!, { apiServer: apiServerOf(env.apiServerUrl) });
  const r = readRun(run.main);

  assert.equal(r.exitCode, 0, r.stderr + r.stdout + JSON.stringify(run.sidecars));
  assert.ok(r.steps.some((s) => s.kind === 'kubeconfig' && s.stored));
  const stored = await kubeconfigSecret(env, d.ns, d.dropBox);
  assert.equal(stored.value, d.install.kubeconfig);
  assert.equal(stored.annotations[KUBECONFIG_OPERATION_ANNOTATION], d.op.metadata.uid);
  assert.match(run.sidecars[KUBECONFIG_CONTAINER]?.stderr ?? '', /stored the admin kubeconfig/);
  assert.ok(!JSON.stringify(run).includes(d.install.clientKey), 'the kubeconfig is in no container\'s output');
});
