import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/api/input-error.js';
import { preparePlan, type OperatorOptions } from '../../src/engine/prepare-plan.js';
import { controllerOverrideArgs } from '../../src/engine/kubespray-actions.js';
import { templateGuardArgs } from '../../src/policy/template-guard.js';
import { CATALOG, HOSTS_YML, VARS_YML, inputOf, manifestText } from './operation-fixture.js';

const OVERRIDES = controllerOverrideArgs([]);

async function plan(opts: Parameters<typeof manifestText>[0], operator: OperatorOptions = {}) {
  return preparePlan(await inputOf(manifestText(opts)), CATALOG, operator);
}

async function rejection(opts: Parameters<typeof manifestText>[0], operator: OperatorOptions = {}): Promise<InputError> {
  try {
    await plan(opts, operator);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  assert.fail('expected the input to be rejected');
}

describe('preparePlan', () => {
  it('orders preHooks, the action and postHooks, each as an argv array', async () => {
    const p = await plan({
      op: {
        action: 'cluster.yml',
        extraArgs: '-e "kube_version=v1.34.4" -v',
        preHook: [{ actionType: 'playbook', action: 'ping.yml' }],
        postHook: [{ actionType: 'playbook', action: 'cluster-info.yml', extraArgs: '--limit=node1' }],
      },
    });
    assert.deepEqual(p.steps.map((s) => s.name), [
      'preHook 1: ping.yml',
      'action: cluster.yml',
      'postHook 1: cluster-info.yml',
      'postHook 2: restart-nginx-proxy.yml (an install sets up the control plane)',
    ]);
    const main = p.steps[1]!;
    assert.deepEqual(main.argv, [
      'ansible-playbook', '-i', 'inventory/hosts.yml', '-b', '--become-user', 'root',
      '-e', '@vars/group_vars.yml', ...templateGuardArgs(),
      'builtin/cluster.yml', '-e', 'kube_version=v1.34.4', '-v', ...OVERRIDES,
    ]);
    assert.deepEqual(p.steps[2]!.argv.slice(-4, -2), ['--limit', 'node1']);
    assert.deepEqual(p.targetHosts, ['node1', 'node2', 'node3']);
  });

  it('adds the confirmations kubean adds for reset and remove-node', async () => {
    const reset = await plan({ op: { action: 'reset.yml' } });
    assert.deepEqual(reset.steps[0]!.argv.slice(-5), ['builtin/reset.yml', '-e', 'reset_confirmation=yes', ...OVERRIDES]);
    const remove = await plan({ op: { action: 'remove-node.yml', extraArgs: '-e node=node3' } });
    assert.ok(remove.steps[0]!.argv.join(' ').includes('builtin/remove-node.yml -e skip_confirmation=true'));
    assert.deepEqual(remove.targetHosts, ['node3']);
  });

  it("passes Slipway's *_localhost overrides after the user's -e, including switches the vars name", async () => {
    const p = await plan({ vars: 'kube_version: v1.34.4\ndownload_localhost: true\nimage_localhost: true\n', op: { action: 'ping.yml', extraArgs: '-e x=1' } });
    const argv = p.steps[0]!.argv;
    const last = JSON.parse(argv.at(-1)!) as Record<string, unknown>;
    assert.equal(argv.at(-2), '-e');
    assert.ok(argv.indexOf('x=1') < argv.length - 2);
    assert.deepEqual(last, { download_localhost: false, image_localhost: false, kubeconfig_localhost: false, kubectl_localhost: false });
    assert.ok(p.warnings.some((w) => w.includes('download_localhost')));
  });

  it('narrows the target hosts to --limit', async () => {
    const p = await plan({ op: { action: 'scale.yml', extraArgs: '--limit=node2' } });
    assert.deepEqual(p.targetHosts, ['node2']);
  });

  it('keeps the key out of the work files (it goes to the ssh-agent), marks the inventory secret and lists the password for redaction', async () => {
    const p = await plan({});
    assert.match(p.sshPrivateKey ?? '', /BEGIN OPENSSH PRIVATE KEY/);
    assert.ok(!p.files.some((f) => f.content.includes('PRIVATE KEY')), 'no work file holds the key');
    assert.ok(!p.steps.some((s) => s.argv.includes('--private-key')));
    assert.match(p.steps[0]!.env.ANSIBLE_SSH_ARGS ?? '', /-o IdentitiesOnly=yes -o IdentityAgent=SSH_AUTH_SOCK -o IdentityFile=auth\/ssh-agent-identity\.pub /);
    assert.equal(p.files.find((f) => f.path === 'inventory/hosts.yml')!.mode, 0o600);
    assert.ok(p.secrets.includes('s3cr3t-pass-word'));
    assert.ok(p.secrets.some((s) => s.includes('BEGIN OPENSSH PRIVATE KEY')));
  });

  it('lists the value a templated secret variable names, not the template', async () => {
    const p = await plan({
      hosts: HOSTS_YML.replace('      ansible_user: root\n', '      ansible_user: root\n      ansible_become_password: "{{ sudo_pw }}"\n'),
      vars: `${VARS_YML}sudo_pw: b3c0me-pw-42\n`,
    });
    assert.ok(p.secrets.includes('b3c0me-pw-42'));
    assert.ok(!p.secrets.some((s) => s.includes('{{')));
  });

  it('runs a ConfigMap shell script on the hosts through run-script.yml, never locally', async () => {
    const p = await plan({
      op: { actionType: 'shell', action: 'prepare.sh', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'scripts' } },
      extra: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scripts, namespace: kubean-system}\ndata:\n  prepare.sh: "echo hi"',
    });
    const argv = p.steps[0]!.argv;
    assert.equal(argv[0], 'ansible-playbook');
    assert.deepEqual(argv.slice(-5), ['builtin/run-script.yml', ...OVERRIDES, '-e', 'slipway_script=actions/0/prepare.sh']);
    assert.equal(p.files.find((f) => f.path === 'actions/0/prepare.sh')!.content, 'echo hi');
  });
});

describe('preparePlan rejects bad input before anything runs', () => {
  const cases: { name: string; opts: Parameters<typeof manifestText>[0]; code: string; mentions: RegExp }[] = [
    { name: 'command substitution in extraArgs', opts: { op: { extraArgs: '--limit=node1 $(id)' } }, code: 'shell-syntax', mentions: /\$/ },
    { name: 'a ; in extraArgs', opts: { op: { extraArgs: '--limit=node1; rm -rf /' } }, code: 'shell-syntax', mentions: /;/ },
    { name: 'an unknown --limit host', opts: { op: { extraArgs: '--limit=node9' } }, code: 'unknown-limit', mentions: /node9/ },
    { name: 'an unknown builtin playbook', opts: { op: { action: 'mystery.yml' } }, code: 'unknown-action', mentions: /mystery\.yml/ },
    { name: 'a host in a group but not in all.hosts', opts: { hosts: HOSTS_YML.replace('        node3:\n  children', '  children').replace('kube_node:\n      hosts:\n        node2:', 'kube_node:\n      hosts:\n        node2:\n        node7:') }, code: 'host-not-in-hosts', mentions: /node7/ },
    { name: 'an even etcd group', opts: { hosts: HOSTS_YML.replace('etcd:\n      hosts:\n        node1:', 'etcd:\n      hosts:\n        node1:\n        node2:') }, code: 'even-etcd', mentions: /2 hosts/ },
    { name: 'no control-plane host', opts: { hosts: HOSTS_YML.replace('kube_control_plane:\n      hosts:\n        node1:', 'kube_control_plane:\n      hosts: {}') }, code: 'no-control-plane', mentions: /kube_control_plane/ },
    { name: 'duplicate addresses', opts: { hosts: HOSTS_YML.replace(/10\.6\.0\.12/g, '10.6.0.11') }, code: 'duplicate-address', mentions: /10\.6\.0\.11/ },
    { name: 'ansible_connection local in the inventory', opts: { hosts: HOSTS_YML.replace('ansible_user: root', 'ansible_user: root\n      ansible_connection: local') }, code: '', mentions: /ansible_connection/ },
    { name: 'a lookup template in group vars', opts: { vars: "x: \"{{ lookup('pipe', 'id') }}\"\n" }, code: '', mentions: /lookup/ },
    { name: 'a reserved slipway_ variable', opts: { op: { extraArgs: '-e slipway_script=../../etc/shadow' } }, code: '', mentions: /slipway_script/ },
    { name: 'remove-node of an unknown node', opts: { op: { action: 'remove-node.yml', extraArgs: '-e node=node8' } }, code: 'unknown-node', mentions: /node8/ },
    { name: 'ansible_host in group_vars.yml (-e: every host)', opts: { vars: 'ansible_host: 10.9.9.9\n' }, code: 'var-forbidden', mentions: /per host/ },
    { name: 'ansible_connection in group_vars.yml (reaches kubespray localhost plays)', opts: { vars: 'ansible_connection: ssh\n' }, code: 'var-forbidden', mentions: /localhost/ },
    { name: 'a #jinja2: header in a host password', opts: { hosts: HOSTS_YML.replace('s3cr3t-pass-word', `"#jinja2: variable_start_string: '[['\\n{# #}[[ lookup('pipe','id') ]]"`) }, code: 'template', mentions: /#jinja2:/ },
    { name: 'a host key named localhost even with an ansible_host', opts: { hosts: HOSTS_YML.replace(/node3/g, 'localhost') }, code: 'bad-host-address', mentions: /localhost/ },
    {
      name: 'a ConfigMap playbook copying the SSH key through action: args',
      opts: {
        op: { action: 'evil.yml', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'acts' } },
        extra: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: acts, namespace: kubean-system}\ndata:\n  evil.yml: |\n    - hosts: all\n      tasks:\n        - action: {module: copy, args: {src: ../../auth/ssh-privatekey, dest: /tmp/k}}\n`,
      },
      code: 'module-argument',
      mentions: /src/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await rejection(c.opts);
      const errors = err.problems.filter((p) => p.severity === 'error');
      assert.ok(errors.length > 0);
      if (c.code) assert.ok(errors.some((p) => p.code === c.code), `codes: ${errors.map((p) => p.code).join(', ')}`);
      assert.match(err.message, c.mentions);
    });
  }

  it('reports the line of a host named in a group but missing from all.hosts', async () => {
    const hosts = HOSTS_YML.replace('etcd:\n      hosts:\n        node1:', 'etcd:\n      hosts:\n        nodeX:');
    const err = await rejection({ hosts });
    const p = err.problems.find((x) => x.code === 'host-not-in-hosts')!;
    const expected = hosts.split('\n').findIndex((l) => l.includes('nodeX:')) + 1;
    assert.equal(p.line, expected);
    assert.equal(p.object, 'ConfigMap kubean-system/demo-hosts');
    assert.equal(p.key, 'hosts.yml');
  });

  it('only warns about an even etcd group when removing nodes', async () => {
    const hosts = HOSTS_YML.replace('etcd:\n      hosts:\n        node1:', 'etcd:\n      hosts:\n        node1:\n        node2:');
    const p = await plan({ hosts, op: { action: 'remove-node.yml', extraArgs: '-e node=node2' } });
    assert.ok(p.warnings.some((w) => /odd number/.test(w)));
  });
});

describe('preparePlan and the machine running ansible', () => {
  it('refuses host names that resolve to this machine, with the resolution done before planning', async () => {
    const hosts = HOSTS_YML.replace('ansible_host: 10.6.0.13', 'ansible_host: build-box');
    const addresses = { local: ['10.6.0.99'], resolved: new Map([['build-box', ['10.6.0.99']]]) };
    const err = await rejection({ hosts }, { addresses });
    const p = err.problems.find((x) => x.code === 'bad-host-address')!;
    assert.equal(p.path, 'all.hosts.node3.ansible_host');
    assert.match(p.message, /resolves to 10\.6\.0\.99.*Slipway's own machine/);
    assert.ok(!p.message.includes('hosts.yml'), 'no location in the message');
  });

  it('hands Ansible guarded templates and !unsafe "{" strings, and keeps kubean templates', async () => {
    const p = await plan({ vars: 'minio_address: http://m:9000\nfiles_repo: "{{ minio_address }}/kubean"\nb: "{"\n' });
    const vars = p.files.find((f) => f.path === 'vars/group_vars.yml')!.content;
    assert.match(vars, /"files_repo": "\{\{ \(slipway_taint, \( minio_address \)\)\[1\] \}\}\/kubean"/);
    assert.match(vars, /"b": !unsafe "\{"/);
  });

  it('refuses a host whose name is its SSH address when that name is localhost', async () => {
    const hosts = HOSTS_YML.replace('    node3:\n      ip: 10.6.0.13\n      ansible_host: 10.6.0.13\n', '    localhost:\n      ip: 10.6.0.13\n').replace('        node3:\n', '        localhost:\n');
    const err = await rejection({ hosts });
    assert.ok(err.problems.some((p) => p.code === 'bad-host-address' && /localhost/.test(p.message)), err.message);
  });

  it("offers ssh only the cluster key: no ssh_config, only the operation's agent, that key's identity only", async () => {
    const p = await plan({});
    const args = p.steps[0]!.env.ANSIBLE_SSH_ARGS!;
    for (const o of ['-F /dev/null', 'IdentitiesOnly=yes', 'IdentityAgent=SSH_AUTH_SOCK', 'IdentityFile=auth/ssh-agent-identity.pub']) assert.ok(args.includes(o), o);
    assert.ok(!args.includes('IdentityAgent=none'));
  });
});

describe('preparePlan reports everything at once', () => {
  it('lists inventory and extraArgs problems together', async () => {
    const hosts = HOSTS_YML.replace('etcd:\n      hosts:\n        node1:', 'etcd:\n      hosts:\n        node1:\n        ghost:');
    const err = await rejection({ hosts, op: { extraArgs: '--limit=node1; rm -rf /' } });
    const codes = err.problems.filter((p) => p.severity === 'error').map((p) => p.code);
    assert.ok(codes.includes('host-not-in-hosts'), codes.join());
    assert.ok(codes.includes('shell-syntax'), codes.join());
  });
});
