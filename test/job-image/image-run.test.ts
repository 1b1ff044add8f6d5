import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { JOB_MOUNTS, SSH_KEY_KEY, type JobMount } from '../../src/engine/job-plan.js';
import { loadTestEnv } from '../env/index.js';
import { repoRoot } from '../env/repo-root.js';
import { jobPlanOf, layOut, readRun } from './entrypoint-harness.js';

const archive = process.env.SLIPWAY_JOB_IMAGE_ARCHIVE;
const JOB_GID = 65532;

test(
  'the built image runs a plan as uid 65532 against the real hosts',
  { skip: archive ? false : 'set SLIPWAY_JOB_IMAGE_ARCHIVE to an archive of scripts/build-job-image.sh (runs it with podman)' },
  async () => {
    const env = loadTestEnv();
    const job = await jobPlanOf(env, {
      operation: { actionType: 'playbook', action: 'cluster-info.yml', preHook: [{ actionType: 'playbook', action: 'ping.yml' }] },
    });
    const m = await layOut(env, job);
    // As the kubelet projects them for a pod with fsGroup 65532: root's files, readable by the group.
    const secretKeys = new Set(job.plan.files.filter((f) => f.source !== 'plan-configmap').map((f) => `${f.mount}/${f.key}`));
    if (job.plan.agentIdentity !== undefined) secretKeys.add(`auth/${SSH_KEY_KEY}`);
    for (const mount of Object.keys(m.dirs) as JobMount[]) {
      for (const name of await readdir(m.dirs[mount])) {
        const file = join(m.dirs[mount], name);
        await chown(file, 0, JOB_GID);
        await chmod(file, secretKeys.has(`${mount}/${name}`) ? 0o440 : 0o444);
      }
    }
    const mounts = (Object.keys(m.dirs) as JobMount[]).flatMap((k) => ['-v', `${m.dirs[k]}:${JOB_MOUNTS[k].path}:ro`]);
    const run = await execa('bash', [join(repoRoot(), 'scripts', 'job-image-podman.sh'), archive!, '--network=host', ...mounts], {
      reject: false,
      timeout: 300_000,
    });
    const r = readRun({ exitCode: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr });

    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    assert.deepEqual(
      r.steps.map((s) => (s.kind === 'step-start' ? s.name : s.kind)),
      ['preHook 1: ping.yml', 'step-end', 'action: cluster-info.yml', 'step-end', 'job-end'],
    );
    for (const host of env.hosts.map((h) => h.name)) {
      assert.ok(r.events.some((e) => e.kind === 'runner' && e.host === host && e.task === "Show the host's facts" && e.outcome === 'ok'), host);
    }
  },
);
