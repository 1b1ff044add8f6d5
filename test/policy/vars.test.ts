import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badHostAddress } from '../../src/policy/host-address.js';
import { PolicyViolation } from '../../src/policy/policy-error.js';
import { checkVars, type VarScope } from '../../src/policy/vars.js';

function rejects(vars: Record<string, unknown>, scope: VarScope, code: string, ...fragments: string[]): void {
  const label = `${scope} ${JSON.stringify(vars)}`;
  assert.throws(
    () => checkVars(vars, 'hosts.yml: all.hosts.node1', { scope }),
    (err: unknown) => {
      assert.ok(err instanceof PolicyViolation, `expected PolicyViolation for ${label}, got ${String(err)}`);
      assert.equal(err.code, code, `${label}: ${err.message}`);
      for (const f of fragments) assert.ok(err.message.includes(f), `${label}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(f)}`);
      return true;
    },
  );
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
  assert.deepEqual(checkVars(host, 'hosts.yml: all.hosts.node1', { scope: 'host' }), []);
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
    ansible_host: 'node1.example.com',
    ansible_ssh_host: 'fd00::10',
    nothing: null,
  };
  assert.deepEqual(checkVars(group, 'group_vars.yml', { scope: 'group' }), []);
  assert.deepEqual(checkVars({ kube_version: 'v1.29.0', node: 'node2,node3' }, 'extraArgs -e', { scope: 'extra' }), []);
});

test('warnings: plaintext secrets and localhost switches that Slipway turns off', () => {
  const w = checkVars({ ansible_password: 'hunter2', download_localhost: true }, 'hosts.yml: all.vars', { scope: 'group' });
  assert.equal(w.length, 2);
  assert.match(w[0]!, /all\.vars\.ansible_password.*plaintext/);
  assert.match(w[1]!, /download_localhost.*sets it to false/);
  assert.deepEqual(checkVars({ ansible_become_password: '{{ ansible_password }}' }, 'h', { scope: 'host' }), []);
});

test('loopback ansible_host only with allowLoopback', () => {
  rejects({ ansible_host: '127.0.0.11' }, 'host', 'var-value', 'loopback');
  assert.deepEqual(checkVars({ ansible_host: '127.0.0.11' }, 'h', { scope: 'host', allowLoopback: true }), []);
  assert.throws(() => checkVars({ ansible_host: '0.0.0.0' }, 'h', { scope: 'host', allowLoopback: true }), /this host/);
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
  [{ ansible_python_interpreter: '/usr/bin/python3 -c "import os"' }, 'host', 'var-value', ['ansible_python_interpreter', 'absolute path']],
  [{ ansible_python_interpreter: 'python3' }, 'host', 'var-value', ['absolute path']],
  [{ ansible_become_method: 'machinectl' }, 'host', 'var-value', ['ansible_become_method', 'machinectl']],
  [{ ansible_user: '-oProxyCommand=id' }, 'host', 'var-value', ['ansible_user', 'user name']],
  [{ ansible_user: 'root;id' }, 'host', 'var-value', ['ansible_user']],
  [{ ansible_user: '{{ u }}' }, 'host', 'var-value', ['literal']],
  [{ ansible_port: 'x22' }, 'host', 'var-value', ['ansible_port']],
  [{ ansible_port: 70000 }, 'host', 'var-value', ['ansible_port', '65535']],
  [{ ansible_host: '-oProxyCommand=id' }, 'host', 'var-value', ['ansible_host', 'host name']],
  [{ ansible_host: 'localhost' }, 'host', 'var-value', ['loopback']],
  [{ ansible_host: '127.0.0.1' }, 'host', 'var-value', ['loopback']],
  [{ ansible_host: '2130706433' }, 'host', 'var-value', ['numeric']],
  [{ ansible_host: '127.1' }, 'host', 'var-value', ['numeric']],
  [{ ansible_host: '0x7f.0.0.1' }, 'host', 'var-value', ['numeric']],
  [{ ansible_host: '::1' }, 'host', 'var-value', ['loopback']],
  [{ ansible_host: '::ffff:127.0.0.1' }, 'host', 'var-value', ['loopback']],
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

test('where names the variable', () => {
  assert.throws(() => checkVars({ ansible_connection: 'local' }, 'hosts.yml: all.hosts.node1', { scope: 'host' }), /hosts\.yml: all\.hosts\.node1\.ansible_connection: /);
  assert.throws(() => checkVars({ ansible_host: 'x' }, 'extraArgs -e', { scope: 'extra' }), /extraArgs -e: ansible_host: /);
});

test('host addresses', () => {
  for (const ok of ['10.0.0.1', 'node1', 'node1.example.com', 'fd00::1', '[fd00::1]', 'my_host']) assert.equal(badHostAddress(ok), undefined, ok);
  for (const bad of ['', 'a b', 'LOCALHOST', 'x.localhost', '0.0.0.0', '::', '01.2.3.4', '1.2.3', 'node1.123']) assert.ok(badHostAddress(bad), bad);
});
