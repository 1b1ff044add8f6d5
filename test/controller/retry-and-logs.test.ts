import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { RETRY_OF_ANNOTATION } from '../../src/operations/retry-operation.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { clusterFixture, createOperation, custom, env, finished, getOp, startController, testLifecycle } from './controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from './ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const slipway = (...args: string[]) => execa('node', [CLI, ...args], { reject: false, timeout: 60_000 });

// node2 fails while the marker file exists (the sshd hosts share this machine's /tmp); each host
// leaves a line in its own file for every run, so the test sees which hosts a run touched.
const playbook = (marker: string, trace: string) => `- hosts: all
  gather_facts: false
  tasks:
    - name: leave a trace
      ansible.builtin.shell: echo ran >> ${trace}-{{ inventory_hostname }}
      changed_when: false
    - name: look for the marker
      ansible.builtin.stat:
        path: ${marker}
      register: marker
    - name: fail on node2 while the marker is there
      ansible.builtin.fail:
        msg: node2 was told to fail
      when: inventory_hostname == 'node2' and marker.stat.exists
`;

describe('slipway logs and slipway retry against the controller (local executor, real ansible)', () => {
  it('prints a failed operation’s kept log, and its retry runs only on the host that failed', async () => {
    const stem = join(tmpdir(), env.randomName('retry'));
    const marker = `${stem}-marker`;
    const trace = `${stem}-trace`;
    await writeFile(marker, '');
    cleanups.push(() => rm(marker, { force: true }), ...env.hosts.map((h) => () => rm(`${trace}-${h.name}`, { force: true })));
    const { ns, cluster } = await clusterFixture('retry', cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'flaky.yml': playbook(marker, trace) } });
    await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
    const name = env.randomName('flaky');
    await createOperation(name, { cluster, actionType: 'playbook', action: 'flaky.yml', actionSource: 'configmap', actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } }, cleanups);
    const failed = await finished(name);
    assert.equal(failed.status?.status, 'Failed');
    assert.deepEqual(failed.status?.failedHosts, ['node2']);

    const logs = await slipway('logs', name);
    assert.equal(logs.exitCode, 0, logs.stderr);
    assert.match(logs.stdout, /TASK \[fail on node2 while the marker is there\]/);
    assert.match(logs.stdout, /node2 was told to fail/);

    const preview = await slipway('retry', name, '--dry-run');
    assert.equal(preview.exitCode, 0, preview.stderr);
    assert.match(preview.stdout, /extraArgs: --limit=node2/);
    assert.match(preview.stderr, /only the host\(s\) that failed: node2/);

    await rm(marker);
    const retried = await slipway('retry', name);
    assert.equal(retried.exitCode, 0, retried.stderr);
    const retryName = `${name}-retry-1`;
    assert.equal(retried.stdout.trim(), `clusteroperation.kubean.io/${retryName} created`);
    cleanups.push(() => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: retryName }));
    const done = await finished(retryName);
    assert.equal(done.status?.status, 'Succeeded', done.status?.message);
    assert.equal((await getOp(retryName)).metadata.annotations?.[RETRY_OF_ANNOTATION], name);
    // node1 and node3 ran once (the first run), node2 twice: the retry touched node2 alone.
    const runs = await Promise.all(env.hosts.map(async (h) => (await readFile(`${trace}-${h.name}`, 'utf8')).split('\n').filter(Boolean).length));
    assert.deepEqual(runs, [1, 2, 1]);
  });

  it('says why when there is no log to print or nothing to retry', async () => {
    const missing = await slipway('logs', env.randomName('none'));
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /ClusterOperation \S+ not found/);
    const usage = await slipway('retry');
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr, /missing required argument 'operation'/);
  });
});
