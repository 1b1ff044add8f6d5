import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badHostAddress } from '../../src/policy/host-address.js';
import { checkVars, type CheckVarsOptions, type VarScope } from '../../src/policy/vars.js';
import { assertAccepted, assertRefused, collect } from './collect.js';

function rejects(vars: Record<string, unknown>, scope: VarScope, code: string, ...fragments: string[]): void {
  assertRefused(`${scope} ${JSON.stringify(vars)}`, (sink) => checkVars(vars, sink, { scope }), code, fragments);
}

/** Warnings of variables that must be accepted. */
function accepts(vars: Record<string, unknown>, opts: CheckVarsOptions): string[] {
  assertAccepted(JSON.stringify(vars), (sink) => checkVars(vars, sink, opts));
  return collect((sink) => checkVars(vars, sink, opts)).warnings.map((w) => `${w.code} ${w.path}: ${w.message}`);
}

test('kubean-style host and group variables are accepted', () => {
  const host = {
    ip: '172.30.41.10',
    access_ip: '172.30.41.10',
    ansible_host: '172.30.41.10',
    ansible_connection: 'ssh',
    ansible_user: 'root',
    ansible_port: 22,
    ansible_ssh_port: '2222',
    ansible_become: true,
    ansible_become_user: 'root',
    ansible_become_method: 'sudo',
    ansible_python_interpreter: '/usr/bin/python3',
    ansible_ssh_pipelining: 'yes',
    ansible_timeout: 30,
  };
  assert.deepEqual(accepts(host, { scope: 'host' }), []);
  const group = {
    kube_version: '1.31.6',
    registry_host: 'registry.local:5000',
    minio_address: 'http://minio.local:9000',
    files_repo: '{{ minio_address }}/kubean',
    github_url: '{{ files_repo }}/github.com',
    kube_image_repo: '{{ registry_host }}/registry.k8s.io',
    docker_rh_repo_base_url: '{{ files_repo }}/centos/$releasever/os/$basearch',
    containerd_registries_mirrors: [{ prefix: 'r:5000', mirrors: [{ host: 'http://{{ registry_host }}', capabilities: ['pull', 'resolve'], skip_verify: true }] }],
    additional_sysctl: [{ name: 'kernel.pid_max', value: 4194304 }],
    download_run_once: true,
    download_localhost: false,
    kube_proxy_mode: 'iptables',
    nothing: null,
  };
  assert.deepEqual(accepts({ ...group, ansible_host: 'node1.example.com', ansible_ssh_host: 'fd00::10' }, { scope: 'group' }), []);
  assert.deepEqual(accepts(group, { scope: 'global' }), []);
  assert.deepEqual(accepts({ kube_version: 'v1.29.0', node: 'node2,node3' }, { scope: 'extra' }), []);
});

test('warnings: plaintext secrets and localhost switches that Slipway turns off', () => {
  const w = accepts({ ansible_password: 'hunter2', download_localhost: true }, { scope: 'global' });
  assert.equal(w.length, 2);
  assert.match(w[0]!, /^plaintext-secret ansible_password: .*plaintext/);
  assert.match(w[1]!, /^localhost-switch download_localhost: .*download_localhost: false after it/);
  assert.deepEqual(accepts({ ansible_become_password: '{{ ansible_password }}' }, { scope: 'host' }), []);
});

test('loopback ansible_host only with allowLoopback', () => {
  rejects({ ansible_host: '127.0.0.11' }, 'host', 'bad-host-address', 'loopback');
  assert.deepEqual(accepts({ ansible_host: '127.0.0.11' }, { scope: 'host', allowLoopback: true }), []);
  assertRefused('0.0.0.0', (sink) => checkVars({ ansible_host: '0.0.0.0' }, sink, { scope: 'host', allowLoopback: true }), 'bad-host-address', ['this host']);
});

const HOSTILE: [Record<string, unknown>, VarScope, string, string[]][] = [
  [{ ansible_connection: 'local' }, 'host', 'var-value', ['ansible_connection', '"ssh"', 'local']],
  [{ ansible_connection: 'docker' }, 'group', 'var-value', ['ansible_connection']],
  [{ ansible_connection: '{{ "local" }}' }, 'host', 'var-value', ['literal']],
  [{ ansible_ssh_common_args: '-o ProxyCommand="sh -c id"' }, 'host', 'var-forbidden', ['ansible_ssh_common_args', 'ProxyCommand']],
  [{ ansible_ssh_extra_args: '-R 80:x:80' }, 'group', 'var-forbidden', ['ansible_ssh_extra_args']],
  [{ ansible_ssh_args: '-F /etc/x' }, 'host', 'var-forbidden', ['ansible_ssh_args']],
  [{ ansible_scp_extra_args: 'x' }, 'host', 'var-forbidden', ['ansible_scp_extra_args']],
  [{ ansible_sftp_extra_args: 'x' }, 'host', 'var-forbidden', ['ansible_sftp_extra_args']],
  [{ ansible_ssh_executable: '/tmp/evil' }, 'host', 'var-forbidden', ['ansible_ssh_executable', 'program']],
  [{ ansible_become_exe: 'sh -c id' }, 'host', 'var-forbidden', ['ansible_become_exe']],
  [{ ansible_ssh_private_key_file: '/root/.ssh/id_rsa' }, 'host', 'var-forbidden', ['ansible_ssh_private_key_file', 'Secret']],
  [{ ansible_private_key_file: '/etc/shadow' }, 'group', 'var-forbidden', ['ansible_private_key_file']],
  [{ ansible_perl_interpreter: '/usr/bin/perl' }, 'host', 'var-forbidden', ['ansible_perl_interpreter']],
  [{ ansible_paramiko_proxy_command: 'id' }, 'host', 'var-forbidden', ['ansible_paramiko_proxy_command']],
  [{ ansible_shell_type: 'csh' }, 'host', 'var-forbidden', ['ansible_shell_type']],
  [{ ansible_playbook_python: '/tmp/py' }, 'host', 'var-forbidden', ['ansible_playbook_python', 'not one of']],
  [{ ansible_python_interpreter: '/usr/bin/python3 -c "import os"' }, 'host', 'var-value', ['ansible_python_interpreter', 'system Python']],
  [{ ansible_python_interpreter: 'python3' }, 'host', 'var-value', ['system Python']],
  // interpreter: a program planted on the host (or, through -e, on Slipway's machine)
  [{ ansible_python_interpreter: '/tmp/evil' }, 'group', 'var-value', ['system Python']],
  [{ ansible_python_interpreter: '/home/u/python3' }, 'host', 'var-value', ['system Python']],
  // addresses as YAML 1.1 numbers (0x7f000001, 0b…, 2_130_706_433 and 190:20:30 all load as integers)
  [{ ansible_host: 2130706433 }, 'host', 'bad-host-address', ['127.0.0.1', 'loopback']],
  [{ ansible_host: 0 }, 'host', 'bad-host-address', ['0.0.0.0', 'this host']],
  [{ ansible_host: 167772161 }, 'host', 'bad-host-address', ['10.0.0.1', 'number']],
  [{ ansible_host: 685230 }, 'host', 'bad-host-address', ['number']],
  [{ ansible_host: 1.5 }, 'host', 'bad-host-address', ['not a number']],
  [{ ansible_host: 2 ** 40 }, 'host', 'bad-host-address', ['not a number']],
  [{ ansible_ssh_host: 2130706433 }, 'group', 'bad-host-address', ['127.0.0.1']],
  // addresses as strings in the forms resolvers accept
  [{ ansible_host: '0x7f000001' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '017700000001' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '0177.0.0.1' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '127.0.0.1.' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '[::1]' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '0:0:0:0:0:0:0:1' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '::ffff:7f00:1' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '::' }, 'host', 'bad-host-address', ['unspecified']],
  [{ ansible_host: '::ffff:0.0.0.0' }, 'host', 'bad-host-address', ['this host']],
  [{ ansible_host: 'LocalHost.' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: 'a.b.localhost' }, 'host', 'bad-host-address', ['loopback']],
  // group_vars.yml is -e: no address or connection choice for every host and kubespray's localhost plays
  [{ ansible_host: '10.0.0.9' }, 'global', 'var-forbidden', ['per host in hosts.yml']],
  [{ ansible_ssh_host: '10.0.0.9' }, 'global', 'var-forbidden', ['per host']],
  [{ ansible_connection: 'ssh' }, 'global', 'var-forbidden', ['kubespray']],
  [{ ansible_python_interpreter: '/usr/bin/python3' }, 'global', 'var-forbidden', ['kubespray']],
  [{ ansible_ssh_common_args: '-o ProxyCommand=id' }, 'global', 'var-forbidden', ['ProxyCommand']],
  [{ download_delegate: 'localhost' }, 'global', 'var-forbidden', ['download_delegate']],
  // #jinja2: headers change the delimiters the template checker relies on
  [{ ansible_password: "#jinja2: variable_start_string: '[['\n{# #}[[ lookup('pipe','id') ]]" }, 'host', 'template', ['ansible_password', '#jinja2:']],
  [{ x: ["#jinja2: variable_start_string: '[['\n{{ a }}"] }, 'global', 'template', ['x[0]', '#jinja2:']],
  [{ x: { "#jinja2: block_start_string: '<%'\n{{ a }}": 1 } }, 'group', 'template', ['#jinja2:']],
  [{ ansible_become_method: 'machinectl' }, 'host', 'var-value', ['ansible_become_method', 'machinectl']],
  [{ ansible_user: '-oProxyCommand=id' }, 'host', 'var-value', ['ansible_user', 'user name']],
  [{ ansible_user: 'root;id' }, 'host', 'var-value', ['ansible_user']],
  [{ ansible_user: '{{ u }}' }, 'host', 'var-value', ['literal']],
  [{ ansible_port: 'x22' }, 'host', 'var-value', ['ansible_port']],
  [{ ansible_port: 70000 }, 'host', 'var-value', ['ansible_port', '65535']],
  [{ ansible_host: '-oProxyCommand=id' }, 'host', 'bad-host-address', ['ansible_host', 'host name']],
  [{ ansible_host: 'localhost' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '127.0.0.1' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '2130706433' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '127.1' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '0x7f.0.0.1' }, 'host', 'bad-host-address', ['numeric']],
  [{ ansible_host: '::1' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '::ffff:127.0.0.1' }, 'host', 'bad-host-address', ['loopback']],
  [{ ansible_host: '{{ other }}' }, 'host', 'var-value', ['literal']],
  [{ ansible_host: '10.0.0.9' }, 'extra', 'var-forbidden', ['ansible_host', 'outrank']],
  [{ ansible_user: 'root' }, 'extra', 'var-forbidden', ['ansible_user']],
  [{ download_localhost: true }, 'extra', 'var-forbidden', ['download_localhost']],
  [{ kubeconfig_localhost: 'yes' }, 'extra', 'var-forbidden', ['kubeconfig_localhost']],
  [{ download_delegate: 'localhost' }, 'group', 'var-forbidden', ['download_delegate']],
  [{ artifacts_dir: '/etc' }, 'group', 'var-forbidden', ['artifacts_dir']],
  [{ credentials_dir: '/root/.ssh' }, 'host', 'var-forbidden', ['credentials_dir']],
  [{ download_cache_dir: '/tmp/shared' }, 'group', 'var-forbidden', ['download_cache_dir']],
  [{ image_pull_command_on_localhost: 'sh -c id' }, 'group', 'var-forbidden', ['image_pull_command_on_localhost']],
  [{ inventory_hostname: 'x' }, 'host', 'var-forbidden', ['inventory_hostname', 'reserved']],
  [{ playbook_dir: '/tmp' }, 'group', 'var-forbidden', ['playbook_dir']],
  [{ lookup: 'x' }, 'group', 'var-forbidden', ['lookup', 'template function']],
  [{ _private: 1 }, 'group', 'var-name', ['_private']],
  [{ 'a-b': 1 }, 'group', 'var-name', ['a-b']],
  [{ x: "{{ lookup('file', '/etc/shadow') }}" }, 'group', 'template', ['lookup', 'x']],
  [{ x: { y: ["{{ query('pipe', 'id') }}"] } }, 'group', 'template', ['x.y[0]', 'query']],
  [{ x: { '{{ q("env", "HOME") }}': 1 } }, 'group', 'template', ['q(…)']],
  [{ x: { __ansible_vault: 'x' } }, 'group', 'var-value', ['__ansible_vault']],
  [{ x: '{% for i in range(10) %}{% endfor %}' }, 'group', 'template', ['{% for %}']],
];

test('hostile variables are refused with the offending name and place', () => {
  for (const [vars, scope, code, fragments] of HOSTILE) rejects(vars, scope, code, ...fragments);
});

test('each refused variable is one problem, at its path, with no location in the message', () => {
  const { errors } = collect((sink) => checkVars({ ansible_connection: 'local', ok: 1, x: { y: ['{{ lookup("pipe", "id") }}'] } }, sink, { scope: 'host' }));
  assert.deepEqual(errors.map((e) => [e.code, e.path]), [['var-value', 'ansible_connection'], ['template', 'x.y[0]']]);
  for (const e of errors) assert.ok(!/ansible_connection:|x\.y/.test(e.message), e.message);
});

test('group_vars.yml (-e) keeps the credentials kubean users set there', () => {
  const globalVars = {
    ansible_user: 'root', ansible_password: '{{ vault_pw }}', ansible_become: true, ansible_become_user: 'root',
    ansible_become_method: 'sudo', ansible_become_password: '{{ vault_pw }}', ansible_port: 22, ansible_ssh_pipelining: true, ansible_timeout: 30,
  };
  assert.deepEqual(accepts(globalVars, { scope: 'global' }), []);
});

test('host names that resolve to Slipway\'s machine, and its own addresses', () => {
  const machine = { local: ['127.0.0.1', '10.1.2.3', 'fe80::1%eth0'], resolved: new Map([['mybox', ['10.1.2.3']], ['lo6', ['::1']], ['far', ['10.9.9.9']], ['alias', ['127.0.1.1']]]) };
  assert.match(badHostAddress('mybox', { machine }) ?? '', /resolves to 10\.1\.2\.3.*Slipway's own machine/);
  assert.match(badHostAddress('lo6', { machine }) ?? '', /resolves to ::1.*loopback/);
  assert.match(badHostAddress('alias', { machine }) ?? '', /loopback/);
  assert.equal(badHostAddress('alias', { machine, allowLoopback: true }), undefined);
  assert.match(badHostAddress('10.1.2.3', { machine, allowLoopback: true }) ?? '', /Slipway's own machine/);
  assert.match(badHostAddress('fe80::1', { machine }) ?? '', /Slipway's own machine/);
  assert.match(badHostAddress('::ffff:10.1.2.3', { machine }) ?? '', /Slipway's own machine/);
  assert.equal(badHostAddress('far', { machine }), undefined);
  assert.equal(badHostAddress('unknown-name', { machine }), undefined);
});

test('host addresses', () => {
  for (const ok of ['10.0.0.1', 'node1', 'node1.example.com', 'fd00::1', '[fd00::1]', 'my_host']) assert.equal(badHostAddress(ok), undefined, ok);
  for (const bad of ['', 'a b', 'LOCALHOST', 'x.localhost', '0.0.0.0', '::', '01.2.3.4', '1.2.3', 'node1.123']) assert.ok(badHostAddress(bad), bad);
});
