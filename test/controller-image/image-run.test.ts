import assert from 'node:assert/strict';
import { chmod, copyFile, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { execa } from 'execa';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type ClusterOperation } from '../../src/api/types.js';
import { ADMISSION_ARGS } from '../controller/controller-harness.js';
import { loadTestEnv } from '../env/index.js';
import { clusterObject, createClusterInputs, operationObject } from '../fixtures/kube-cluster.js';
import { repoRoot } from '../env/repo-root.js';
import { freePort } from '../../src/util/free-port.js';

const archive = process.env.SLIPWAY_CONTROLLER_IMAGE_ARCHIVE;

test(
  'the built controller image runs as uid 65532 and reconciles a ClusterOperation to Succeeded (Job mode; kwok runs the Job)',
  { skip: archive ? false : 'set SLIPWAY_CONTROLLER_IMAGE_ARCHIVE to an archive of scripts/build-controller-image.sh (runs it with podman)' },
  async () => {
    const env = loadTestEnv();
    const inspect = await execa('skopeo', ['inspect', '--config', `oci-archive:${archive!}`]);
    const config = (JSON.parse(inspect.stdout) as { config: { User: string; Entrypoint: string[] } }).config;
    assert.equal(config.User, '65532:65532');
    assert.deepEqual(config.Entrypoint, ['node', '/opt/slipway/dist/src/cli/main.js']);

    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
    const ns = await env.namespace('cimg');
    const cluster = env.randomName('cimg');
    await createClusterInputs(core, ns);
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: clusterObject(cluster, ns) });
    const name = env.randomName('cimg-op');
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body: operationObject(name, { cluster }) });

    // The image's user must read the kubeconfig.
    const dir = await mkdtemp(join(env.runDir, 'cimg-'));
    await chmod(dir, 0o755);
    await copyFile(env.kubeconfigPath, join(dir, 'kubeconfig'));
    await chmod(join(dir, 'kubeconfig'), 0o644);
    const queue = env.randomName('cimg-q');
    // Bounded by timeout(1) inside the container: the wrapper's podman run does not pass on signals.
    const run = execa('bash', [
      join(repoRoot(), 'scripts', 'job-image-podman.sh'), archive!, '--network=host', '-v', `${dir}:/kube:ro`,
      '-e', `SLIPWAY_REDIS_URL=${env.redis.url}`, '-e', `POD_NAME=${queue}`, '--entrypoint', 'timeout', '--',
      '40', 'node', '/opt/slipway/dist/src/cli/main.js', 'controller', '--namespace', ns, '--kubeconfig', '/kube/kubeconfig', '--job-image', 'registry.invalid/slipway/job:test',
      ...ADMISSION_ARGS(),
    ], { reject: false });
    let op: ClusterOperation | undefined;
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      op = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
      if (op.status?.status === 'Succeeded' || op.status?.status === 'Failed') break;
      if (run.exitCode !== null && run.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const done = await run;
    assert.equal(op?.status?.status, 'Succeeded', `${op?.status?.message ?? ''}\n${done.stderr.slice(-3000)}`);
    assert.ok(op?.status?.jobRef?.name, 'it ran as a Job');
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name });
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name: cluster });
  },
);

test(
  'the built controller image serves the console: its page, its modules and Lit, nothing from elsewhere',
  { skip: archive ? false : 'set SLIPWAY_CONTROLLER_IMAGE_ARCHIVE to an archive of scripts/build-controller-image.sh (runs it with podman)' },
  async () => {
    const env = loadTestEnv();
    const dir = await mkdtemp(join(env.runDir, 'cimg-console-'));
    await chmod(dir, 0o755);
    await copyFile(env.kubeconfigPath, join(dir, 'kubeconfig'));
    await chmod(join(dir, 'kubeconfig'), 0o644);
    const port = await freePort();
    // Its own process group: podman run passes the group's SIGTERM on to the container.
    const run = execa('bash', [
      join(repoRoot(), 'scripts', 'job-image-podman.sh'), archive!, '--network=host', '-v', `${dir}:/kube:ro`, '--entrypoint', 'timeout', '--',
      '300', 'node', '/opt/slipway/dist/src/cli/main.js', 'console', '--plain-http', '--host', '127.0.0.1', '--port', String(port), '--kubeconfig', '/kube/kubeconfig',
    ], { reject: false, detached: true });
    try {
      const base = `http://127.0.0.1:${port}`;
      let page = '';
      for (const end = Date.now() + 240_000; Date.now() < end && !page && run.exitCode === null; await new Promise((r) => setTimeout(r, 1000))) {
        page = await fetch(base).then((r) => (r.ok ? r.text() : ''), () => '');
      }
      assert.match(page, /<slipway-app>/, `the page (podman run ${run.exitCode === null ? 'still running' : `ended ${run.exitCode}`})`);
      const scripts = [...page.matchAll(/"(\/(?:app|vendor)\/[^"]+\.js)"/g)].map((m) => m[1]!);
      assert.ok(scripts.includes('/app/slipway-app.js') && scripts.includes('/vendor/lit/index.js'), scripts.join(' '));
      for (const path of [...scripts, '/app/styles.css']) assert.equal((await fetch(base + path)).status, 200, path);
      assert.doesNotMatch(page, /https?:\/\/(?!127\.0\.0\.1)/, 'no address outside the console');
    } finally {
      if (run.pid !== undefined && run.exitCode === null) process.kill(-run.pid, 'SIGTERM');
      const done = await run;
      assert.notEqual(done.exitCode, 124, `the console did not stop on SIGTERM:\n${String(done.stderr).slice(-2000)}`);
    }
  },
);
