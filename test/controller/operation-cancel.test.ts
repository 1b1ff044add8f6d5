import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import { INPUT_NAMES } from '../fixtures/kube-cluster.js';
import { clusterFixture, createOperation, custom, env, eventually, finished, getCluster, getOp, gone, startController, testLifecycle } from './controller-harness.js';
import { sshHostsInventory, sshHostsSecret } from './ssh-hosts-fixture.js';

const { cleanups, running } = testLifecycle();
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const slipway = (...args: string[]) => execa('node', [CLI, ...args], { reject: false, timeout: 60_000 });

/** A play that holds every host in a shell command carrying `token`, so the test can look for it. */
const holding = (token: string) => `- hosts: all
  gather_facts: false
  tasks:
    - name: hold
      ansible.builtin.shell: sleep 300; echo ${token}
`;

/** Processes on this machine (the sshd hosts' remote commands and ansible) whose command line names `token`. */
async function processesWith(token: string): Promise<string[]> {
  const r = await execa('pgrep', ['-af', token], { reject: false });
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
}

async function setUp(prefix: string) {
  const token = env.randomName('hold');
  const { ns, cluster } = await clusterFixture(prefix, cleanups, { hosts: sshHostsInventory(), secret: await sshHostsSecret(), actions: { 'hold.yml': holding(token) } });
  await startController(ns, running, { executor: 'local', operator: { allowLoopbackHosts: true }, local: { sandbox: { allowLoopbackHosts: true } } });
  const spec = { cluster, actionType: 'playbook' as const, action: 'hold.yml', actionSource: 'configmap' as const, actionSourceRef: { namespace: ns, name: INPUT_NAMES.actions } };
  return { token, cluster, spec };
}

const holdingNow = (name: string) =>
  eventually(`${name} holding its hosts`, async () => ((await getOp(name)).status?.progress?.task === 'hold' ? true : undefined), 90_000);

describe('cancelling an operation (local executor, real ansible)', () => {
  it('slipway cancel stops a running step, leaves no command behind, ends Cancelled, and a ping-like action keeps the phase', async () => {
    const { token, cluster, spec } = await setUp('cancel');
    const name = env.randomName('hold');
    await createOperation(name, spec, cleanups);
    await holdingNow(name);
    await eventually('the remote commands running', async () => ((await processesWith(token)).length >= env.hosts.length ? true : undefined));
    const phaseBefore = (await getCluster(cluster)).status?.phase;

    const r = await slipway('cancel', name);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout.trim(), `clusteroperation.kubean.io/${name} cancel requested`);
    const done = await finished(name, 60_000);
    assert.equal(done.status?.status, 'Cancelled', JSON.stringify(done.status));
    assert.match(done.status?.message ?? '', /cancelled on request/);
    assert.equal(done.status?.steps?.at(-1)?.status, 'Cancelled');
    assert.deepEqual(await eventually('no command left', async () => ((await processesWith(token)).length === 0 ? [] : undefined), 20_000), []);
    assert.equal((await getCluster(cluster)).status?.phase, phaseBefore, 'a cancelled action that changes no cluster leaves its phase');
    // The run's finalizer goes once the final status is written (a write after it).
    await eventually('no finalizer left once it ended', async () => (((await getOp(name)).metadata.finalizers ?? []).length === 0 ? true : undefined), 10_000);

    const again = await slipway('cancel', name);
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /has ended \(Cancelled\): nothing to cancel/);
  });

  it('a queued operation leaves the line at once; deleting a running one keeps it until its run has stopped', async () => {
    const { token, spec } = await setUp('cancelq');
    const first = env.randomName('hold');
    const second = env.randomName('queued');
    await createOperation(first, spec, cleanups);
    await holdingNow(first);
    await createOperation(second, spec, cleanups);
    await eventually(`${second} waiting`, async () => ((await getOp(second)).status?.status === 'Waiting' ? true : undefined));
    assert.equal((await slipway('cancel', second)).exitCode, 0);
    const queued = await finished(second);
    assert.equal(queued.status?.status, 'Cancelled');
    assert.deepEqual(queued.status?.steps ?? [], [], 'nothing of it ran');
    assert.equal((await getOp(first)).status?.status, 'Running', 'the running one went on');

    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name: first });
    const terminating = await getOp(first);
    assert.ok(terminating.metadata.deletionTimestamp, 'kept while its run stops');
    await eventually(`${first} gone`, () => gone(() => getOp(first)), 60_000);
    assert.deepEqual(await eventually('no command left', async () => ((await processesWith(token)).length === 0 ? [] : undefined), 20_000), []);
  });
});
