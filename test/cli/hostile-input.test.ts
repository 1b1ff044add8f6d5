import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTestEnv } from '../env/index.js';
import { clusterManifests, runCli, type ClusterOpts } from './cli-fixture.js';

const env = loadTestEnv();
const CM = { actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' } };

interface Case {
  name: string;
  build: (pwned: string) => ClusterOpts;
  /** The problem code the CLI must report, as `error[code]`. */
  code: string;
  /** CLI arguments; the default accepts the test hosts' loopback addresses. */
  args?: string[];
}

const play = (pwned: string, body: string): string =>
  `- name: Evil\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Mark\n      ansible.builtin.shell: touch ${pwned}\n${body}`;

const cases: Case[] = [
  { name: 'hosts on loopback addresses unless the operator allows them', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' } }), args: ['run'], code: 'bad-host-address' },
  { name: 'a ; in extraArgs', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `--limit=node1; touch ${p}` } }), code: 'shell-syntax' },
  { name: 'command substitution', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e x=$(touch ${p})` } }), code: 'shell-syntax' },
  { name: 'backticks', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e x=\`touch ${p}\`` } }), code: 'shell-syntax' },
  { name: 'a newline', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-v\ntouch ${p}` } }), code: 'shell-syntax' },
  { name: 'ProxyCommand through --ssh-common-args', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `--ssh-common-args='-o ProxyCommand=touch ${p}'` } }), code: 'option-forbidden' },
  { name: 'extra vars from a file', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: '-e @/etc/passwd' } }), code: 'extra-vars-file' },
  { name: 'ansible_connection=local', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: '-e ansible_connection=local' } }), code: 'var-forbidden' },
  { name: 'a lookup in extra vars', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e 'x={{ lookup("pipe", "touch ${p}") }}'` } }), code: 'template' },
  { name: 'a path in action', build: () => ({ operation: { actionType: 'playbook', action: '../../../tmp/evil.yml' } }), code: 'action-path' },
  { name: 'an unknown actionType', build: () => ({ operation: { actionType: 'ansible', action: 'ping.yml' } }), code: 'unknown-action-type' },
  { name: 'a missing Secret', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, omitSecret: true }), code: 'missing-secret' },
  { name: 'malformed hosts YAML', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('  children:', '  children: [unclosed') }), code: 'malformed-yaml' },
  { name: 'a group host missing from all.hosts', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('    etcd:\n      hosts:\n', '    etcd:\n      hosts:\n        ghost:\n') }), code: 'host-not-in-hosts' },
  { name: 'an even etcd group', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('    etcd:\n      hosts:\n', '    etcd:\n      hosts:\n        node3:\n') }), code: 'even-etcd' },
  { name: 'a merge key adding ansible_ssh_common_args', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => `evil: &evil\n  ansible_ssh_common_args: -o ProxyCommand=touch ${p}\n${y.replace(/^( {6}ansible_user: .*)$/m, '$1\n      <<: *evil')}` }), code: 'yaml-merge-key' },
  { name: 'a host range', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('  hosts:\n', '  hosts:\n    node[0000000:0999999]:\n') }), code: 'host-range' },
  { name: 'an integer spelling of 127.0.0.1 as ansible_host', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace(/ansible_host: .*/, 'ansible_host: 0x7f_00_00_01') }), code: 'bad-host-address' },
  { name: 'a ConfigMap playbook on localhost', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '').replace('hosts: all', 'hosts: localhost') } }), code: 'hosts-forbidden' },
  { name: 'a #jinja2: header changing the delimiters in an -e value', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e '{"x": "#jinja2: variable_start_string: \\"[[\\"\\n{# #}[[ lookup(\\"pipe\\", \\"touch ${p}\\") ]]"}'` } }), code: 'template' },
  { name: 'the SSH key copied out through action: nested args', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '    - action: {module: copy, args: {src: ../../auth/ssh-privatekey, dest: /tmp/k}}\n') } }), code: 'module-argument' },
  { name: 'a controller file posted by uri form-multipart', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '    - uri: {url: "http://127.0.0.1:1/", method: POST, body_format: form-multipart, body: {k: {filename: ../../auth/ssh-privatekey}}}\n') } }), code: 'module-argument' },
  { name: 'delegate_to in a ConfigMap playbook', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '      delegate_to: 127.0.0.1\n') } }), code: 'keyword-forbidden' },
];

describe('hostile and broken input is rejected before anything runs', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const pwned = `${env.runDir}/pwned-${randomBytes(4).toString('hex')}`;
      const r = await runCli(await clusterManifests(env, c.build(pwned)), c.args);
      assert.equal(r.exitCode, 2, `exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
      assert.ok(r.stderr.includes(`error[${c.code}]`), r.stderr);
      assert.match(r.stderr, /nothing was run/);
      assert.equal(r.logged, false, 'no operation log: nothing started');
      assert.equal(existsSync(pwned), false);
      if (Object.keys(r.status).length > 0) assert.equal(r.status['ClusterOperation/t-op']!.status, 'Failed');
    });
  }
});
