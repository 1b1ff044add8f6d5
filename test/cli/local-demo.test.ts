import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { CLI, REPO } from './cli-fixture.js';

describe('the README example', () => {
  it('plans without running anything and shows the argv', async () => {
    const r = await execa('node', [CLI, 'plan', '--local-hosts', '-f', join(REPO, 'examples/local')], { cwd: REPO });
    assert.match(r.stdout, /1\/3 preHook 1: ping\.yml/);
    assert.match(r.stdout, /ansible-playbook -i inventory\/hosts\.yml .* builtin\/cluster-info\.yml/);
    // A dry run starts no sshd: the hosts are shown as the inventory has them (port 2222).
    assert.match(r.stderr, /Local hosts of cluster local-demo not started for a plan.*127\.0\.0\.11 127\.0\.0\.12 127\.0\.0\.13/);
    assert.doesNotMatch(r.stderr + r.stdout, /Starting local hosts/);
    assert.match(r.stdout, /"?ansible_port"?: 2222/);
  });

  it('runs on local sshd hosts started for the run', async () => {
    const r = await execa('node', [CLI, 'run', '--local-hosts', '-f', join(REPO, 'examples/local'), '--log-dir', join(REPO, '.slipway', 'test-logs')], {
      cwd: REPO,
      reject: false,
      timeout: 240_000,
    });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Result: Succeeded/);
    for (const n of ['node1', 'node2', 'node3']) assert.match(r.stdout, new RegExp(`${n}\\s+ok=\\d+ changed=0 failed=0 unreachable=0`));
  });
});
