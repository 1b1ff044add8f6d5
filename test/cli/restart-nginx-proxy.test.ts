import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTestEnv } from '../env/index.js';
import { clusterManifests, runCli } from './cli-fixture.js';

const env = loadTestEnv();
const PING = '- name: Ping\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Ping\n      ansible.builtin.ping:\n';

describe('restart-nginx-proxy.yml after an install, against real SSH hosts', () => {
  it('an install (a ConfigMap cluster.yml) ends with the builtin restart step, which finds nothing to restart on the workers and succeeds', async () => {
    const r = await runCli(await clusterManifests(env, {
      operation: { actionType: 'playbook', action: 'cluster.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' } },
      actions: { 'cluster.yml': PING },
    }));
    assert.equal(r.exitCode, 0, r.stderr + r.stdout);
    const status = r.status['ClusterOperation/t-op']!;
    assert.equal(status.status, 'Succeeded', String(status.message));
    const steps = status.steps as { name: string; role: string; status: string }[];
    assert.deepEqual(steps.map((s) => [s.role, s.status]), [['action', 'Succeeded'], ['postHook', 'Succeeded']]);
    assert.match(steps[1]!.name, /restart-nginx-proxy\.yml/);
    const [controlPlane, ...workers] = env.hosts.map((h) => h.name);
    // Only the workers are touched, and there is no manifest on them: nothing changed.
    for (const w of workers) assert.match(r.stdout, new RegExp(`${w}\\s+ok=\\d+ changed=0 failed=0 unreachable=0`));
    assert.match(r.logs, /nothing to restart/);
    assert.ok(!new RegExp(`\\[${controlPlane}\\].*nothing to restart`).test(r.logs), 'the control-plane host is not a target');
    assert.equal(typeof r.status['Cluster/t-cluster']!.controlPlaneDigest, 'string');
  });
});
