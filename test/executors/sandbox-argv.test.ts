import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxArgv, type SandboxSpec } from '../../src/sandbox/sandbox-argv.js';
import { sandboxEtc } from '../../src/sandbox/sandbox-etc.js';
import { slirpArgv } from '../../src/sandbox/slirp-network.js';

const spec: SandboxSpec = {
  tools: { bwrap: 'bwrap', setpriv: 'setpriv', prlimit: 'prlimit' },
  identity: { uid: 64910, gid: 64910 },
  dropPrivileges: true,
  network: 'isolated',
  root: [{ path: '/usr', bind: true }, { path: '/bin', symlinkTo: 'usr/bin' }],
  hostEtc: ['ssl'],
  generatedEtc: { passwd: '/s/etc/passwd' },
  workDir: '/w/op',
  builtinDir: '/repo/playbooks',
  fds: { info: 3, block: 4 },
  tmpBytes: 1048576,
  controlDir: '/tmp/cp',
  agentDir: '/s/agent',
  command: ['ansible-playbook', '-i', 'inventory/hosts.yml', 'x.yml'],
};

/** The value following `flag` each time it appears. */
function after(argv: string[], flag: string, width = 1): string[][] {
  return argv.flatMap((a, i) => (a === flag ? [argv.slice(i + 1, i + 1 + width)] : []));
}

test('root Slipway drops to the sandbox uid before bwrap, which unshares everything and drops all capabilities', () => {
  const argv = sandboxArgv(spec);
  assert.deepEqual(argv.slice(0, 6), ['setpriv', '--reuid=64910', '--regid=64910', '--clear-groups', '--inh-caps=-all', '--']);
  assert.equal(argv[6], 'bwrap');
  for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session']) assert.ok(argv.includes(flag), flag);
  assert.deepEqual(after(argv, '--cap-drop'), [['ALL']]);
  assert.ok(!argv.includes('--share-net'), 'its own network namespace');
  assert.deepEqual(after(argv, '--chdir'), [['/slipway/work']]);
  assert.deepEqual(argv.slice(argv.lastIndexOf('--') + 1), spec.command);
});

test('binds exactly: the OS and playbooks read-only, the work, control and agent dirs writable, private bounded /tmp and /var/tmp', () => {
  const argv = sandboxArgv(spec);
  assert.deepEqual(after(argv, '--ro-bind', 2), [['/usr', '/usr'], ['/s/etc/passwd', '/etc/passwd'], ['/repo/playbooks', '/slipway/builtin']]);
  assert.deepEqual(after(argv, '--ro-bind-try', 2), [['/etc/ssl', '/etc/ssl']]);
  assert.deepEqual(after(argv, '--bind', 2), [['/w/op', '/slipway/work'], ['/tmp/cp', '/slipway/cp'], ['/s/agent', '/slipway/agent']]);
  assert.deepEqual(after(argv, '--symlink', 2), [['usr/bin', '/bin']]);
  assert.deepEqual(after(argv, '--size', 3), [['1048576', '--tmpfs', '/tmp'], ['1048576', '--tmpfs', '/var/tmp']]);
  assert.deepEqual(after(argv, '--proc'), [['/proc']]);
  assert.deepEqual(after(argv, '--dev'), [['/dev']]);
});

test('loopback hosts share the host network; no cgroup means RLIMIT_AS; an unprivileged Slipway needs no setpriv', () => {
  const argv = sandboxArgv({ ...spec, network: 'host', dropPrivileges: false, addressSpaceLimitBytes: 1024 });
  assert.deepEqual(argv.slice(0, 4), ['prlimit', '--as=1024', '--', 'bwrap']);
  assert.ok(argv.includes('--share-net'));
  assert.ok(!argv.includes('setpriv'));
});

test('no pids and cpu cgroups means RLIMIT_NPROC and RLIMIT_CPU, set before the uid changes', () => {
  const argv = sandboxArgv({ ...spec, addressSpaceLimitBytes: 1024, processLimit: 64, cpuTimeLimitSeconds: 30 });
  assert.deepEqual(argv.slice(0, 6), ['prlimit', '--as=1024', '--nproc=64', '--cpu=30:40', '--', 'setpriv']);
});

test("the sandbox's /etc names its own account, and resolves through slirp's DNS only when isolated", () => {
  const isolated = sandboxEtc({ uid: 64910, gid: 64911 }, 'isolated');
  assert.match(isolated.files.passwd!, /^slipway:x:64910:64911:[^:]*:\/slipway\/work:/m);
  assert.match(isolated.files.group!, /^slipway:x:64911:$/m);
  assert.equal(isolated.files['resolv.conf'], 'nameserver 10.0.2.3\n');
  assert.deepEqual(isolated.fromHost, []);
  const shared = sandboxEtc({ uid: 64910, gid: 64910 }, 'host');
  assert.equal(shared.files['resolv.conf'], undefined);
  assert.deepEqual(shared.fromHost, ['resolv.conf']);
});

test('slirp4netns refuses the host loopback, confines itself and joins only the network namespace', () => {
  const argv = slirpArgv('slirp4netns', 4242);
  for (const flag of ['--configure', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--netns-type=path']) assert.ok(argv.includes(flag), flag);
  assert.deepEqual(argv.slice(-2), ['/proc/4242/ns/net', 'tap0']);
});
