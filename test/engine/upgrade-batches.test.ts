import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { ProblemList } from '../../src/api/input-error.js';
import { batchSize, cutBatches, upgradeBatches } from '../../src/engine/upgrade-batches.js';
import { CLI, REPO } from '../cli/cli-fixture.js';
import { manifestText } from './operation-fixture.js';

/** One control plane and five workers. */
const HOSTS = `all:
  hosts:
${[1, 2, 3, 4, 5, 6].map((i) => `    node${i}: {ansible_host: 10.6.0.${10 + i}, ansible_user: root}`).join('\n')}
  children:
    kube_control_plane: {hosts: {node1: }}
    etcd: {hosts: {node1: }}
    kube_node: {hosts: {node2: , node3: , node4: , node5: , node6: }}
    k8s_cluster: {children: {kube_control_plane: , kube_node: }}
`;
const WORKERS = ['node2', 'node3', 'node4', 'node5', 'node6'];

async function plan(vars: string, extraArgs?: string, action = 'upgrade-cluster.yml'): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-batches-'));
  try {
    const text = manifestText({ hosts: HOSTS, vars: `kube_version: v1.35.4\n${vars}`, op: { action, ...(extraArgs ? { extraArgs } : {}) } });
    await writeFile(join(dir, 'op.yml'), text);
    const r = await execa('node', [CLI, 'plan', '-f', join(dir, 'op.yml')], { cwd: REPO, reject: false, timeout: 60_000 });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('upgrade batches', () => {
  it('sizes a batch as Ansible does: a count, or a percentage rounded down and at least 1', () => {
    const table: [unknown, number, number | undefined][] = [
      [1, 5, 1], ['2', 5, 2], [7, 5, 7], ['20%', 5, 1], ['20%', 10, 2], ['50%', 5, 2], ['30%', 3, 1], ['100%', 5, 5], ['1%', 5, 1],
      [0, 5, undefined], ['0%', 5, undefined], ['101%', 5, undefined], ['-1', 5, undefined], ['two', 5, undefined], ['2.5', 5, undefined],
    ];
    for (const [serial, count, want] of table) assert.equal(batchSize(serial, count), want, `serial ${String(serial)} of ${count}`);
    assert.deepEqual(cutBatches(WORKERS, 2), [['node2', 'node3'], ['node4', 'node5'], ['node6']]);
  });

  it('files a problem for what the playbook cannot honour: no terminal to confirm at, bad serial, bad pause or flag', () => {
    const problems = new ProblemList();
    const sink = problems.at({ object: 'ClusterOperation op', key: 'spec.extraArgs' });
    const u = upgradeBatches({ serial: 'some', upgrade_node_confirm: true, upgrade_node_pause_seconds: 'soon', drain_ignore_daemonsets: 'maybe' }, WORKERS, sink);
    assert.deepEqual(problems.items.map((p) => p.code).sort(), ['bad-drain-flag', 'bad-pause', 'bad-serial', 'upgrade-node-confirm']);
    assert.equal(u.batches, undefined);
    const ok = new ProblemList();
    const quiet = upgradeBatches({ upgrade_node_confirm: false, serial: '{{ my_serial }}' }, WORKERS, ok.at({ object: 'x', key: 'y' }));
    assert.deepEqual(ok.items, []);
    assert.equal(quiet.batches, undefined, 'a templated serial is left to Ansible');
  });

  it('slipway plan shows the batches, the pause and the drain options; -e wins over the vars ConfigMap', async () => {
    const byDefault = await plan('');
    assert.equal(byDefault.exitCode, 0, byDefault.stderr);
    assert.match(byDefault.stdout, /\nUpgrade:\n {2}Workers: 5 in 5 batch\(es\) of serial=1; control planes one at a time first\n {4}batch 1: node2\n/);
    assert.match(byDefault.stdout, /Pause before each batch: none/);
    assert.match(byDefault.stdout, /Drain: grace period 300s, timeout 360s, ignore DaemonSets yes, delete emptyDir data yes, 3 attempt\(s\) 10s apart\n/);

    const set = await plan(
      'serial: "50%"\nupgrade_node_pause_seconds: 30\ndrain_grace_period: 60\ndrain_timeout: 120s\ndrain_delete_emptydir_data: false\ndrain_pod_selector: app!=db\n',
      '-e serial=40%',
    );
    assert.equal(set.exitCode, 0, set.stderr);
    const section = /\nUpgrade:\n((?: {2}.*\n)+)/.exec(set.stdout)?.[1];
    assert.equal(
      section,
      [
        '  Workers: 5 in 3 batch(es) of serial=40%; control planes one at a time first',
        '    batch 1: node2, node3',
        '    batch 2: node4, node5',
        '    batch 3: node6',
        '  Pause before each batch: 30s (upgrade_node_pause_seconds)',
        '  Drain: grace period 60s, timeout 120s, ignore DaemonSets yes, delete emptyDir data no, 3 attempt(s) 10s apart, pods matching app!=db',
        '',
      ].join('\n'),
    );

    const limited = await plan('serial: 2\n', '--limit=node1,node4,node5,node6');
    assert.match(limited.stdout, /Workers: 3 in 2 batch\(es\) of serial=2;.*\n {4}batch 1: node4, node5\n {4}batch 2: node6\n/);

    const install = await plan('serial: 2\n', undefined, 'cluster.yml');
    assert.equal(install.exitCode, 0, install.stderr);
    assert.doesNotMatch(install.stdout, /Upgrade:|batch/);
  });

  it('slipway plan refuses upgrade_node_confirm and a serial that is no size, before anything runs', async () => {
    const confirm = await plan('upgrade_node_confirm: true\n');
    assert.equal(confirm.exitCode, 2, confirm.stdout);
    assert.match(confirm.stderr, /upgrade-node-confirm/);
    assert.match(confirm.stderr, /no one is at one/);
    const bad = await plan('serial: 0\n');
    assert.equal(bad.exitCode, 2, bad.stdout);
    assert.match(bad.stderr, /bad-serial/);
  });
});
