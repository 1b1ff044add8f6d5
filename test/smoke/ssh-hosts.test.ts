import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { loadTestEnv, type TestEnv } from '../env/index.js';
import { generateEd25519Key } from '../../src/hosts/ssh-keys.js';

interface AnsibleJsonOutput {
  plays: { tasks: { hosts: Record<string, { ping?: string; unreachable?: boolean; msg?: string }> }[] }[];
  stats: Record<string, { ok: number; failures: number; unreachable: number }>;
}

/** Env for ansible that ignores ~/.ansible.cfg, ./ansible.cfg and ~/.ansible, and prints JSON. */
async function ansibleEnv(workDir: string, controlDir: string): Promise<NodeJS.ProcessEnv> {
  const config = join(workDir, 'ansible.cfg');
  await writeFile(config, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: config,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_LOCAL_TEMP: join(workDir, 'local-tmp'),
    ANSIBLE_REMOTE_TEMP: join(workDir, 'remote-tmp'),
    // Control sockets have a ~100-byte path limit, so they get a short dir of their own.
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
    ANSIBLE_NOCOLOR: '1',
  };
  delete env.SSH_AUTH_SOCK;
  return env;
}

function inventory(env: TestEnv, privateKeyPath: string): string {
  const sshArgs = ['-F /dev/null', '-o IdentitiesOnly=yes', `-o UserKnownHostsFile=${env.knownHostsPath}`, '-o StrictHostKeyChecking=yes'];
  const hosts = Object.fromEntries(
    env.hosts.map((h) => [
      h.name,
      {
        ansible_host: h.address,
        ansible_port: h.port,
        ansible_user: env.sshUser,
        ansible_ssh_private_key_file: privateKeyPath,
        ansible_ssh_common_args: sshArgs.join(' '),
        ansible_python_interpreter: '/usr/bin/python3',
      },
    ]),
  );
  return stringify({ all: { hosts } });
}

async function withWorkDir<T>(env: TestEnv, fn: (workDir: string, controlDir: string) => Promise<T>): Promise<T> {
  const workDir = join(env.runDir, env.randomName('ssh-smoke'));
  await mkdir(workDir, { recursive: true });
  const controlDir = await mkdtemp(join(tmpdir(), 'slw-cp-'));
  try {
    return await fn(workDir, controlDir);
  } finally {
    await rm(controlDir, { recursive: true, force: true });
  }
}

function sshArgv(env: TestEnv, host: TestEnv['hosts'][number], key: string, knownHosts: string): string[] {
  return [
    '-F', '/dev/null',
    '-i', key,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-p', String(host.port),
    `${env.sshUser}@${host.address}`,
    'true',
  ];
}

test('ansible pings every SSH host', async () => {
  const env = loadTestEnv();
  assert.ok(env.hosts.length > 0, 'the test env has no hosts');
  await withWorkDir(env, async (workDir, controlDir) => {
    const inventoryPath = join(workDir, 'hosts.yml');
    await writeFile(inventoryPath, inventory(env, env.sshPrivateKeyPath));
    const result = await execa('ansible', ['all', '-i', inventoryPath, '-m', 'ping'], {
      env: await ansibleEnv(workDir, controlDir),
      extendEnv: false,
      reject: false,
      cwd: workDir,
    });
    assert.equal(result.exitCode, 0, `ansible failed:\n${result.stdout}\n${result.stderr}`);
    const output = JSON.parse(result.stdout) as AnsibleJsonOutput;
    const answers = output.plays[0]?.tasks[0]?.hosts ?? {};
    for (const host of env.hosts) {
      assert.equal(answers[host.name]?.ping, 'pong', `${host.name} did not answer pong`);
      assert.deepEqual(
        { failures: output.stats[host.name]?.failures, unreachable: output.stats[host.name]?.unreachable },
        { failures: 0, unreachable: 0 },
      );
    }
  });
});

test('the hosts accept only the fleet key and only known host keys', async () => {
  const env = loadTestEnv();
  const host = env.hosts[0];
  assert.ok(host, 'the test env has no hosts');
  await withWorkDir(env, async (workDir) => {
    const wrongKey = await generateEd25519Key(join(workDir, 'wrong_key'), 'not-authorized');
    const emptyKnownHosts = join(workDir, 'empty_known_hosts');
    await writeFile(emptyKnownHosts, '');
    const run = (argv: string[]) =>
      execa('ssh', argv, { reject: false, env: { SSH_AUTH_SOCK: undefined }, stdin: 'ignore' });

    const right = await run(sshArgv(env, host, env.sshPrivateKeyPath, env.knownHostsPath));
    assert.equal(right.exitCode, 0, `the fleet key was refused:\n${right.stderr}`);

    const wrong = await run(sshArgv(env, host, wrongKey.privateKeyPath, env.knownHostsPath));
    assert.equal(wrong.exitCode, 255);
    assert.match(wrong.stderr, /Permission denied \(publickey\)/);

    const unknown = await run(sshArgv(env, host, env.sshPrivateKeyPath, emptyKnownHosts));
    assert.equal(unknown.exitCode, 255);
    assert.match(unknown.stderr, /Host key verification failed/);
  });
});

test('ansible reports a host unreachable when its key is wrong', async () => {
  const env = loadTestEnv();
  await withWorkDir(env, async (workDir, controlDir) => {
    const wrongKey = await generateEd25519Key(join(workDir, 'wrong_key'), 'not-authorized');
    const inventoryPath = join(workDir, 'hosts.yml');
    await writeFile(inventoryPath, inventory(env, wrongKey.privateKeyPath));
    const result = await execa('ansible', ['all', '-i', inventoryPath, '-m', 'ping'], {
      env: await ansibleEnv(workDir, controlDir),
      extendEnv: false,
      reject: false,
      cwd: workDir,
    });
    assert.notEqual(result.exitCode, 0);
    const output = JSON.parse(result.stdout) as AnsibleJsonOutput;
    for (const host of env.hosts) {
      assert.equal(output.stats[host.name]?.unreachable, 1, `${host.name} was not unreachable`);
    }
  });
});
