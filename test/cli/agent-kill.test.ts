/**
 * The per-operation ssh-agent holds the cluster's key, so it must not outlive Slipway: a real
 * `slipway run` is killed with SIGKILL in the middle of a step, and its agent goes with it (the
 * parent-death signal). What is left on disk, and an agent that did survive (simulated here:
 * one started by hand under a dead owner's directory), goes at the next Slipway's start, the
 * killed operation's work directory and step cgroups with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTestEnv } from '../env/index.js';
import { eventually, processesMatching, remoteProcessesMatching } from '../executors/harness.js';
import { CLI, REPO, clusterManifests, runCli } from './cli-fixture.js';
import { OWNER_FILE } from '../../src/sandbox/leftovers.js';

const env = loadTestEnv();

/** Live (not zombie) processes whose command line contains `needle`. */
async function alive(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await processesMatching(needle)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) pids.push(pid);
  }
  return pids;
}

/** The `-a <socket>` of the ssh-agent whose parent is `parent`, once there is one. */
async function agentSocketOf(parent: number): Promise<string | undefined> {
  for (const pid of await processesMatching('ssh-agent')) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const socket = argv[argv.indexOf('-a') + 1];
    if (argv[0] === 'ssh-agent' && socket) return socket;
  }
  return undefined;
}

test('kill -9 of slipway run mid-step: its ssh-agent and the socket go; the next run sweeps the rest', async () => {
  const seconds = 100 + Math.floor(Math.random() * 100);
  const manifests = await clusterManifests(env, {
    operation: { actionType: 'playbook', action: 'sleep.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' } },
    actions: { 'sleep.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Sleep\n      ansible.builtin.command: sleep ${seconds}\n` },
  });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-agent-kill-'));
  let orphanPid: number | undefined;
  try {
    await writeFile(join(dir, 'manifests.yml'), manifests);
    const child = spawn(process.execPath, [CLI, 'run', '--allow-loopback-hosts', '-f', join(dir, 'manifests.yml'), '--log-dir', join(dir, 'logs')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let socket: string | undefined;
    try {
      assert.ok(await eventually(async () => (socket ??= await agentSocketOf(child.pid!)) !== undefined, 60_000), `no agent: ${output}`);
      assert.ok(await eventually(async () => (await remoteProcessesMatching(env, `sleep ${seconds}`)).length > 0, 60_000), `the step never started: ${output}`);
      assert.equal((await alive(socket!)).length, 1, 'the agent runs while the step does');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.ok(await eventually(async () => (await alive(socket!)).length === 0, 10_000), 'an ssh-agent with the socket survived');
    assert.equal(existsSync(socket!), false, 'the agent removed its socket');
    assert.ok(await eventually(async () => (await remoteProcessesMatching(env, `sleep ${seconds}`)).length === 0, 15_000), 'the remote command survived');

    // An agent that outlived its Slipway anyway, in a directory whose owner is gone.
    const orphanDir = await mkdtemp(join(tmpdir(), 'slipway-sbx-'));
    await writeFile(join(orphanDir, OWNER_FILE), `${child.pid} 1\n`);
    const orphanSocket = join(orphanDir, 'agent.sock');
    const orphan = spawn('ssh-agent', ['-D', '-a', orphanSocket], { stdio: 'ignore', detached: true });
    orphan.unref();
    orphanPid = orphan.pid;
    assert.ok(await eventually(async () => existsSync(orphanSocket), 5_000));

    const sandboxDir = dirname(dirname(socket!));
    assert.ok(existsSync(sandboxDir), `${sandboxDir} is left until a Slipway starts`);
    // The operation's work dir (its passwords' files) is left too; the sandbox dir's marker names it.
    const marker = await readFile(join(sandboxDir, OWNER_FILE), 'utf8');
    const workDir = /^remove (\/.*\/slipway-[^/]*)$/m.exec(marker)?.[1];
    assert.ok(workDir && existsSync(workDir), marker);
    const stepCgroups = async () =>
      (await Promise.all(['pids', 'cpu', 'memory'].map((c) => readdir(`/sys/fs/cgroup/${c}/slipway`).catch(() => [] as string[])))).flat().filter((n) => n.includes(`-${child.pid}-`));
    assert.ok((await stepCgroups()).length > 0, 'the killed step left its cgroups');
    const next = await runCli(await clusterManifests(env, { operation: { actionType: 'playbook', action: 'ping.yml' } }));
    assert.equal(next.exitCode, 0, next.stderr);
    assert.equal(existsSync(sandboxDir), false, 'the killed run\'s sandbox dir was swept');
    assert.equal(existsSync(workDir), false, 'and its work dir');
    assert.deepEqual(await stepCgroups(), [], 'and its step cgroups');
    assert.equal(existsSync(orphanDir), false, 'the orphan\'s dir was swept');
    assert.ok(await eventually(async () => (await alive(orphanSocket)).length === 0, 5_000), 'the orphan agent was stopped');
  } finally {
    if (orphanPid !== undefined) {
      try {
        process.kill(orphanPid, 'SIGKILL');
      } catch {
        // Swept, as it should be.
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
});
