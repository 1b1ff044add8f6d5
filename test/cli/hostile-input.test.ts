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
  message: RegExp;
  /** CLI arguments; the default accepts the test hosts' loopback addresses. */
  args?: string[];
}

const play = (pwned: string, body: string): string =>
  `- name: Evil\n  hosts: all\n  gather_facts: false\n  tasks:\n    - name: Mark\n      ansible.builtin.shell: touch ${pwned}\n${body}`;

const cases: Case[] = [
  { name: 'hosts on loopback addresses unless the operator allows them', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' } }), args: ['run'], message: /loopback/ },
  { name: 'a ; in extraArgs', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `--limit=node1; touch ${p}` } }), message: /;/ },
  { name: 'command substitution', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e x=$(touch ${p})` } }), message: /\$/ },
  { name: 'backticks', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e x=\`touch ${p}\`` } }), message: /`/ },
  { name: 'a newline', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-v\ntouch ${p}` } }), message: /newline|line/i },
  { name: 'ProxyCommand through --ssh-common-args', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `--ssh-common-args='-o ProxyCommand=touch ${p}'` } }), message: /ssh-common-args/ },
  { name: 'extra vars from a file', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: '-e @/etc/passwd' } }), message: /@/ },
  { name: 'ansible_connection=local', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: '-e ansible_connection=local' } }), message: /ansible_connection/ },
  { name: 'a lookup in extra vars', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e 'x={{ lookup("pipe", "touch ${p}") }}'` } }), message: /lookup/ },
  { name: 'a path in action', build: () => ({ operation: { actionType: 'playbook', action: '../../../tmp/evil.yml' } }), message: /path|\.\./ },
  { name: 'an unknown actionType', build: () => ({ operation: { actionType: 'ansible', action: 'ping.yml' } }), message: /actionType/ },
  { name: 'a missing Secret', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, omitSecret: true }), message: /Secret kubean-system\/t-ssh.*not found/ },
  { name: 'malformed hosts YAML', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('  children:', '  children: [unclosed') }), message: /malformed YAML/ },
  { name: 'a group host missing from all.hosts', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('    etcd:\n      hosts:\n', '    etcd:\n      hosts:\n        ghost:\n') }), message: /ghost/ },
  { name: 'an even etcd group', build: () => ({ operation: { actionType: 'playbook', action: 'ping.yml' }, transformHosts: (y) => y.replace('    etcd:\n      hosts:\n', '    etcd:\n      hosts:\n        node3:\n') }), message: /odd/ },
  { name: 'a ConfigMap playbook on localhost', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '').replace('hosts: all', 'hosts: localhost') } }), message: /localhost/ },
  { name: 'a #jinja2: header changing the delimiters in an -e value', build: (p) => ({ operation: { actionType: 'playbook', action: 'ping.yml', extraArgs: `-e '{"x": "#jinja2: variable_start_string: \\"[[\\"\\n{# #}[[ lookup(\\"pipe\\", \\"touch ${p}\\") ]]"}'` } }), message: /#jinja2:/ },
  { name: 'the SSH key copied out through action: nested args', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '    - action: {module: copy, args: {src: ../../auth/ssh-privatekey, dest: /tmp/k}}\n') } }), message: /src/ },
  { name: 'a controller file posted by uri form-multipart', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '    - uri: {url: "http://127.0.0.1:1/", method: POST, body_format: form-multipart, body: {k: {filename: ../../auth/ssh-privatekey}}}\n') } }), message: /filename/ },
  { name: 'delegate_to in a ConfigMap playbook', build: (p) => ({ operation: { actionType: 'playbook', action: 'evil.yml', ...CM }, actions: { 'evil.yml': play(p, '      delegate_to: 127.0.0.1\n') } }), message: /delegate_to/ },
];

describe('hostile and broken input is rejected before anything runs', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const pwned = `${env.runDir}/pwned-${randomBytes(4).toString('hex')}`;
      const r = await runCli(await clusterManifests(env, c.build(pwned)), c.args);
      assert.equal(r.exitCode, 2, `exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.match(r.stderr, /nothing was run/);
      assert.equal(existsSync(r.logDir), false, 'no operation log: nothing started');
      assert.equal(existsSync(pwned), false);
      if (Object.keys(r.status).length > 0) assert.equal(r.status['t-op']!.status, 'Failed');
    });
  }
});
