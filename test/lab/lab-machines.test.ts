import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LAB_TESTS_SKIP, LabSsh, hostTraces, parseUp, randomLabName, readSysctl, slipway, type HostTraces, type UpOutput } from './lab-harness.js';

/** A kernel-wide setting a machine can change for the whole host, harmless to change for a moment. */
const CANARY_SYSCTL = 'fs.inotify.max_user_instances';
const IDENTITY = `echo "hostname=$(hostname)"; echo "state=$(systemctl is-system-running)"; echo "machineId=$(cat /etc/machine-id)"
echo "eth0=$(ip -4 -o addr show dev eth0)"; echo "defaultRoute=$(ip route show default)"
echo "failed=$(systemctl list-units --failed --plain --no-legend | cut -d' ' -f1 | tr '\\n' ' ')"; echo "started=$(cut -d' ' -f22 /proc/1/stat)"`;

interface Identity {
  hostname: string;
  state: string;
  machineId: string;
  eth0: string;
  defaultRoute: string;
  failed: string;
  /** PID 1's start time in ticks since the host booted: changes only if the machine restarts. */
  started: string;
}

async function identity(ssh: LabSsh, address: string): Promise<Identity> {
  const r = await ssh.run(address, IDENTITY);
  assert.equal(r.exitCode, 0, `ssh ${address}: ${r.stderr}`);
  const fields = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const get = (k: keyof Identity): string => fields.get(k) ?? '';
  return {
    hostname: get('hostname'), state: get('state'), machineId: get('machineId'), eth0: get('eth0'),
    defaultRoute: get('defaultRoute'), failed: get('failed').trim(), started: get('started'),
  };
}

describe('slipway lab', { skip: LAB_TESTS_SKIP, concurrency: false }, () => {
  const lab = randomLabName();
  const other = randomLabName();
  let stateRoot = '';
  let tracesBefore: HostTraces;
  let canaryBefore = '';
  let up: UpOutput;
  let ssh: LabSsh;
  let first: Identity[] = [];

  before(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'slipway-lab-state-'));
    tracesBefore = await hostTraces([lab, other]);
    canaryBefore = await readSysctl(CANARY_SYSCTL);
  });

  after(async () => {
    // Whatever failed, no machine outlives the suite.
    for (const name of [other, lab]) await slipway(['lab', 'down', '--name', name], stateRoot);
    await rm(stateRoot, { recursive: true, force: true });
  });

  it('lab up of 3 machines: each answers SSH on its own address, systemd is running, hostnames are unique', async (t) => {
    const r = await slipway(['lab', 'up', '--name', lab, '--machines', '3'], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    t.diagnostic(`lab up (3 machines): ${r.seconds.toFixed(1)} s`);
    assert.match(r.stderr, /<== boot: [\d.]+ s/, 'each stage prints its time');
    up = parseUp(r.stdout);
    assert.equal(up.machines.length, 3);
    ssh = await LabSsh.fromInputs(up.inputsDir);
    first = await Promise.all(up.machines.map((m) => identity(ssh, m.address)));
    up.machines.forEach((m, i) => {
      const id = first[i]!;
      assert.equal(id.hostname, m.name);
      assert.equal(id.state, 'running', `${m.name} is ${id.state}; failed units: ${id.failed}`);
      assert.match(id.eth0, new RegExp(`inet ${m.address.replaceAll('.', '\\.')}/24 `), `${m.name} has its own address on eth0`);
      assert.match(id.defaultRoute, new RegExp(`^default via ${up.hostAddress.replaceAll('.', '\\.')} dev eth0`), `${m.name} routes through the host, whose FORWARD drop ends it`);
    });
    assert.equal(new Set(first.map((i) => i.hostname)).size, 3, 'hostnames are unique');
    assert.equal(new Set(first.map((i) => i.machineId)).size, 3, 'machine ids are unique');
    assert.equal(new Set(up.machines.map((m) => m.address)).size, 3, 'addresses are unique');
  });

  it('slipway run -f <generated dir> runs ping.yml and cluster-info.yml over the machines\' addresses', async () => {
    const logDir = await mkdtemp(join(tmpdir(), 'slipway-lab-logs-'));
    const r = await slipway(['run', '-f', up.inputsDir, '--log-dir', logDir], stateRoot);
    await rm(logDir, { recursive: true, force: true });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Result: Succeeded/);
    assert.match(r.stdout, /Succeeded\s+\S+\s+preHook 1: ping\.yml/);
    assert.match(r.stdout, /Succeeded\s+\S+\s+action: cluster-info\.yml/);
    for (const m of up.machines) {
      assert.match(r.stdout, new RegExp(`${m.name}\\s+ok=\\d+ changed=0 failed=0 unreachable=0`));
      assert.match(r.stdout, new RegExp(`${m.name}: Debian 12`));
    }
  });

  it('a second lab up of the same name takes seconds and leaves the running machines alone', async (t) => {
    const r = await slipway(['lab', 'up', '--name', lab, '--machines', '3'], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    t.diagnostic(`second lab up: ${r.seconds.toFixed(1)} s`);
    assert.match(r.stderr, /build-machine-image: \S+ cached/, 'the image is not built again');
    assert.ok(r.seconds < 30, `took ${r.seconds} s`);
    assert.deepEqual(parseUp(r.stdout), up, 'same machines, addresses and inputs');
    const again = await Promise.all(up.machines.map((m) => identity(ssh, m.address)));
    assert.deepEqual(again.map((i) => [i.hostname, i.machineId, i.started]), first.map((i) => [i.hostname, i.machineId, i.started]), 'no machine was restarted');

    const clash = await slipway(['lab', 'up', '--name', lab, '--machines', '2'], stateRoot);
    assert.equal(clash.exitCode, 1);
    assert.match(clash.stderr, /has 3 machines, not 2/);
  });

  it('two labs side by side: lab down of one leaves the other working', async (t) => {
    const r = await slipway(['lab', 'up', '--name', other, '--machines', '1'], stateRoot);
    assert.equal(r.exitCode, 0, r.stderr);
    t.diagnostic(`lab up of a new lab with the image cached (1 machine): ${r.seconds.toFixed(1)} s`);
    const otherUp = parseUp(r.stdout);
    assert.notEqual(otherUp.hostAddress, up.hostAddress, 'each lab has its own subnet');
    const otherSsh = await LabSsh.fromInputs(otherUp.inputsDir);
    assert.equal((await identity(otherSsh, otherUp.machines[0]!.address)).state, 'running');
    const ls = await slipway(['lab', 'ls'], stateRoot);
    assert.match(ls.stdout, new RegExp(`^${lab}\\t`, 'm'));
    assert.match(ls.stdout, new RegExp(`^${other}\\t`, 'm'));

    const down = await slipway(['lab', 'down', '--name', other], stateRoot);
    assert.equal(down.exitCode, 0, down.stderr);
    t.diagnostic(`lab down (1 machine): ${down.seconds.toFixed(1)} s`);
    assert.doesNotMatch((await slipway(['lab', 'ls'], stateRoot)).stdout, new RegExp(`^${other}\\t`, 'm'));
    const still = await Promise.all(up.machines.map((m) => identity(ssh, m.address)));
    assert.deepEqual(still.map((i) => [i.state, i.started]), first.map((i) => ['running', i.started]), `${lab} keeps running`);
    const traces = await hostTraces([lab, other]);
    assert.ok(traces.links.includes(`slw-${lab}`) && !traces.links.some((l) => l.endsWith(`-${other}`)), traces.links.join(' '));
    assert.ok(traces.firewall.some((l) => l.includes(`slipway-lab ${lab}`)) && !traces.firewall.some((l) => l.includes(other)), traces.firewall.join('\n'));
  });

  it('lab down leaves no process, mount, bridge, namespace or firewall rule behind and restores the host\'s sysctls', async (t) => {
    const during = await hostTraces([lab, other]);
    assert.ok(during.processes.length > 0 && during.netns.length === 3 && during.firewall.length === 4, JSON.stringify(during, null, 1));
    // What kubelet does to the host from inside a machine, on a harmless setting.
    const changed = String(Number(canaryBefore) + 7);
    const set = await ssh.run(up.machines[0]!.address, `sysctl -qw ${CANARY_SYSCTL}=${changed}`);
    assert.equal(set.exitCode, 0, set.stderr);
    assert.equal(await readSysctl(CANARY_SYSCTL), changed, 'the machine reaches the host kernel');

    const down = await slipway(['lab', 'down', '--name', lab], stateRoot);
    assert.equal(down.exitCode, 0, down.stderr);
    t.diagnostic(`lab down (3 machines): ${down.seconds.toFixed(1)} s`);
    assert.match(down.stderr, new RegExp(`restored ${CANARY_SYSCTL.replaceAll('.', '\\.')}=${canaryBefore} \\(was ${changed}\\)`));
    assert.equal(await readSysctl(CANARY_SYSCTL), canaryBefore);
    assert.deepEqual(await hostTraces([lab, other]), tracesBefore);
    assert.match((await slipway(['lab', 'ls'], stateRoot)).stdout, /^no labs$/m);
  });
});
