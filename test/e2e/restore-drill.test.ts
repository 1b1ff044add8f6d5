import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveKubeBinaries } from '../env/kube-binaries.js';
import { LabSsh, parseUp, slipway } from '../lab/lab-harness.js';
import { LocalKubectl, waitForNodes } from './e2e-cluster.js';
import { clusterManifests, operationManifest, readLabInputs, type ClusterShape, type LabInputs } from './e2e-manifests.js';
import { restoreDrill } from './e2e-restore.js';

/**
 * The etcd restore drill alone, to iterate on restore-etcd.yml by hand (the lifecycle suite's
 * step 1a runs the same drill): SLIPWAY_RESTORE_DRILL=1 node --test dist/test/e2e/restore-drill.test.js.
 * Two lab machines (1 control plane + 1 worker) installed with slipway run; with
 * SLIPWAY_RESTORE_DRILL_KEEP=1 they stay up (state in ~/.local/state/slipway/restore-drill) and
 * the next run reuses them, so a run is the drill only (~3 min instead of ~10).
 */
const SKIP = process.env.SLIPWAY_RESTORE_DRILL ? false : 'by hand only: SLIPWAY_RESTORE_DRILL=1';
const KEEP = Boolean(process.env.SLIPWAY_RESTORE_DRILL_KEEP);
const LAB = 'drill';

describe('etcd restore drill on lab machines', { skip: SKIP, concurrency: false }, () => {
  const root = join(process.env.HOME ?? homedir(), '.local', 'state', 'slipway', 'restore-drill');
  const stateRoot = join(root, 'lab');
  const serveState = join(root, 'serve');
  const work = join(root, 'work');
  const kubeconfig = join(root, 'kubeconfig');
  const upFile = join(root, 'up.txt');
  let shape: ClusterShape;
  let inputs: LabInputs;
  let ssh: LabSsh;

  before(async () => {
    await mkdir(stateRoot, { recursive: true });
    await mkdir(serveState, { recursive: true });
    const reuse = existsSync(kubeconfig) && existsSync(upFile);
    if (!reuse) {
      const r = await slipway(['lab', 'up', '--name', LAB, '--machines', '2'], stateRoot);
      assert.equal(r.exitCode, 0, r.stderr);
      await writeFile(upFile, r.stdout);
    }
    const up = parseUp(await readFile(upFile, 'utf8'));
    const serve = await slipway(['bundle', 'serve', '--extra-address', up.hostAddress, '--state-dir', serveState], stateRoot);
    assert.equal(serve.exitCode, 0, serve.stderr);
    ssh = await LabSsh.fromInputs(up.inputsDir);
    inputs = readLabInputs(await readFile(join(up.inputsDir, 'vars-conf.yml'), 'utf8'), await readFile(join(up.inputsDir, 'ssh-auth.yml'), 'utf8'));
    shape = { name: LAB, controlPlanes: [up.machines[0]!], workers: [up.machines[1]!] };
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    if (!reuse) {
      const r = await run('drill-install', 'cluster.yml', undefined, ['--kubeconfig-out', kubeconfig]);
      assert.ok(r.ok, r.output.slice(-4000));
    }
  });

  after(async () => {
    if (KEEP) return;
    await slipway(['bundle', 'serve', '--stop', '--state-dir', serveState], stateRoot);
    await slipway(['lab', 'down', '--name', LAB], stateRoot);
    await rm(root, { recursive: true, force: true });
  });

  async function run(name: string, action: string, extraArgs?: string, more: string[] = []) {
    const dir = join(work, `${name}-${Date.now()}`);
    await mkdir(dir);
    await writeFile(join(dir, 'cluster.yml'), clusterManifests(shape, inputs));
    await writeFile(join(dir, 'operation.yml'), operationManifest(name, LAB, { action, ...(extraArgs ? { extraArgs } : {}) }));
    const r = await slipway(['run', '-f', dir, '--log-dir', join(work, 'logs'), ...more], stateRoot, 1_800_000);
    return { ok: r.exitCode === 0, output: r.stdout + r.stderr };
  }

  it('backup, markers, etcd destroyed, restore: the marker before the backup is back, the one after is not, nodes Ready', async (t) => {
    const kubectl = new LocalKubectl(resolveKubeBinaries().kubectl, kubeconfig);
    const nodeNames = [...shape.controlPlanes, ...shape.workers].map((x) => x.name).sort();
    await waitForNodes(kubectl, nodeNames);
    await restoreDrill({ kubectl, ssh, controlPlanes: shape.controlPlanes, nodeNames, run: (n, a, e) => run(n, a, e) }, (n) => t.diagnostic(n));
  });
});
