import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { configMapDoc } from '../fixtures/manifest-docs.js';
import { CLI, REPO } from './cli-fixture.js';

/** Manifests for one operation on a cluster of `n` hosts (about 80 bytes of hosts.yml each). */
function bigCluster(n: number): string {
  const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const hosts = Array.from({ length: n }, (_, i) => `    n${i}:\n      ansible_host: ${ip(i)}\n      ip: ${ip(i)}`).join('\n');
  const workers = Array.from({ length: n }, (_, i) => `        n${i}:`).join('\n');
  const hostsYml = `all:\n  hosts:\n${hosts}\n  children:\n    kube_control_plane:\n      hosts:\n        n0:\n    etcd:\n      hosts:\n        n0:\n    kube_node:\n      hosts:\n${workers}\n`;
  return [
    configMapDoc('h', { 'hosts.yml': hostsYml }),
    configMapDoc('v', { 'group_vars.yml': 'kube_version: v1.34.4\n' }),
    'apiVersion: kubean.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  hostsConfRef: {namespace: kubean-system, name: h}\n  varsConfRef: {namespace: kubean-system, name: v}',
    'apiVersion: kubean.io/v1alpha1\nkind: ClusterOperation\nmetadata: {name: op}\nspec: {cluster: c, actionType: playbook, action: ping.yml}',
  ].join('\n---\n');
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Milliseconds from SIGTERM to exit. */
  afterSignal: number;
}

/** Starts `slipway plan`, sends SIGTERM once it is planning, and times the exit. */
async function terminateWhilePlanning(file: string, delayMs: number): Promise<Ended> {
  const child = spawn(process.execPath, [CLI, 'plan', '-f', file], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await sleep(delayMs);
  assert.equal(child.exitCode, null, 'still planning when the signal is sent');
  const sent = Date.now();
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  return { code, signal, stdout, afterSignal: Date.now() - sent };
}

describe('slipway plan ends promptly on SIGTERM, even mid-parse', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-interrupt-'));
    await writeFile(join(dir, 'in-bounds.yml'), bigCluster(4_900));
    await writeFile(join(dir, 'over-bounds.yml'), bigCluster(12_000));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const name of ['in-bounds', 'over-bounds']) {
    it(`${name}: exits within 500 ms of SIGTERM, printing no plan`, async () => {
      const r = await terminateWhilePlanning(join(dir, `${name}.yml`), 450);
      assert.ok(r.signal === 'SIGTERM' || r.code === 143, `code ${r.code}, signal ${r.signal}`);
      assert.ok(r.afterSignal < 500, `took ${r.afterSignal} ms`);
      assert.doesNotMatch(r.stdout, /^Operation /m);
    });
  }
});
