import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobPlanJson } from '../../src/engine/job-plan.js';
import { SSH_AGENT_CONTAINER } from '../../src/executors/job-sidecars.js';
import { loadTestEnv } from '../env/index.js';
import { jobPlanOf, layOut, readRun } from './entrypoint-harness.js';
import { KUBELET_OWNER } from './pod-emulator.js';
import { runPodWithPodman } from './podman-pod.js';

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
