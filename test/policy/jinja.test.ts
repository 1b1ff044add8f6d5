import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConditional, checkExpression, checkTemplatable, checkTemplate, hasTemplate } from '../../src/policy/jinja.js';
import { Refusal } from '../../src/policy/policy-error.js';

function rejects(fn: () => void, label: string, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Refusal, `expected Refusal for ${label}, got ${String(err)}`);
    assert.ok(err.code === 'template' || err.code === 'too-large', `${label}: ${err.code}`);
    for (const f of fragments) assert.ok(err.message.includes(f), `${label}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

const ACCEPTED = [
  'plain text, no template',
  'a { brace } and a %} and #} alone',
  '{{ registry_host }}/library',
  '{{ files_repo }}/github.com',
  "{{ kube_version | default('v1.29') }}",
  '{{ kube_version | d("v1.29") | regex_replace("^v", "") }}',
  "{{ hostvars[groups['kube_control_plane'][0]]['access_ip'] }}",
  '{{ hostvars[inventory_hostname].ip | default(ansible_default_ipv4.address) }}',
  "{{ groups['etcd'] | map('extract', hostvars, 'ip') | list | join(',') }}",
  "{{ groups['k8s_cluster'] | map('extract', hostvars, ['ansible_default_ipv4', 'address']) | list }}",
  "{{ nodes | map(attribute='name') | select('match', '^node') | list }}",
  "{{ servers | selectattr('role', 'equalto', 'etcd') | map(attribute='ip') | list }}",
  "{{ x | sort(attribute='a.b') | first }}",
  '{{ a if b else c }}',
  '{{ "on" if enabled | bool else "off" }}',
  "{{ {'a': {'b': 1}} | combine(extra | default({}), recursive=True) }}",
  '{{ (a | default([])) + b }}',
  "{{ kube_version.split('.')[0] ~ '.' ~ kube_version.split('.')[1] }}",
  "{{ x is version('1.2', '>=') and x is not none }}",
  '{{ x is defined and x | bool }}',
  '{{ x is divisibleby 3 }}',
  '{{ x not in [1, 2] }}',
  '{{ range(3) | list }}',
  "{{ dict(a=1) | dict2items | items2dict(key_name='key', value_name='value') }}",
  "{{ '%s-%s' | format(a, b) }}",
  '{{ x[-1] }}{{ x[1:] }}{{ x[::-1] }}{{ x.0 }}',
  '{{ (a, b) | list }}',
  '{{- x -}} and {{+ y }}',
  '{# a comment with lookup("pipe", "id") is dropped by Jinja #}{{ a }}',
  "{{ '}}' ~ x }}",
  "{{ hostvars[item].get('ip') }}",
  '{{ log.format }}',
  "{{ x | to_json | from_json | to_nice_yaml(indent=2) }}",
  "{{ x | ansible.builtin.b64encode | ansible.utils.ipaddr('address') }}",
  "{{ x | community.general.json_query('items[*].name') }}",
  "{{ 'a\\'b\\n' }}",
];

test('templates built from data are accepted', () => {
  for (const t of ACCEPTED) assert.doesNotThrow(() => checkTemplate(t), t);
});

const REJECTED: [string, string[]][] = [
  ["{{ lookup('pipe', 'id') }}", ['lookup', 'Slipway']],
  ["{{ lookup('file', '/etc/shadow') }}", ['lookup']],
  ["{{ q('file', '/etc/shadow') }}", ['q(…)']],
  ["{{ query('env', 'HOME') }}", ['query']],
  ["{{ x | default(lookup('env', 'HOME')) }}", ['lookup']],
  ["{{ ''.__class__ }}", ['__class__']],
  ["{{ ''.__class__.__mro__[1].__subclasses__() }}", ['__class__']],
  ["{{ x['__class__'] }}", ['__class__']],
  ["{{ x['_secret'] }}", ['_secret']],
  ['{{ _x }}', ['_x']],
  ['{{ lipsum.__globals__ }}', ['lipsum']],
  ['{{ cycler.__init__ }}', ['cycler']],
  ['{{ joiner() }}', ['joiner']],
  ['{{ namespace(a=1) }}', ['namespace']],
  ['{{ self }}', ['self']],
  ['{{ range }}', ['range']],
  ['{{ range(10000000) | list }}', ['range()', '10000']],
  ['{{ 9 ** 9 ** 9 }}', ['**']],
  ['{{ x.gi_frame.f_globals }}', ['gi_frame']],
  ["{{ x | map(attribute='__class__') }}", ['__class__']],
  ["{{ x | selectattr('__class__') }}", ['__class__']],
  ["{{ x | sort(attribute=name) }}", ['literal']],
  ["{{ x | map(name) }}", ['map()']],
  ["{{ x | map('fileglob') | list }}", ['fileglob']],
  ["{{ '/etc/*' | fileglob }}", ['fileglob']],
  ["{{ '~' | expanduser }}", ['expanduser']],
  ["{{ '$HOME' | expandvars }}", ['expandvars']],
  ["{{ p | realpath }}", ['realpath']],
  ["{{ x | attr('__class__') }}", ['attr']],
  ["{{ x | unknown_filter }}", ['unknown_filter']],
  ["{{ x | community.crypto.openssl_privatekey_info }}", ['community.crypto']],
  ["{{ '/etc/shadow' is exists }}", ['exists']],
  ["{{ p is file }}", ['file']],
  ["{{ x | select('exists') | list }}", ['exists']],
  ["{{ x | rejectattr('path', 'directory') | list }}", ['directory']],
  ['{{ x.system("id") }}', ['.system()']],
  ["{{ '{0.x}'.format(x) }}", ['.format()']],
  ["{{ '{0.__class__}'.format(x) }}", ['"__"']],
  ['{{ foo() }}', ['foo(…)']],
  ['{{ x[a][b] }}', ['only one subscript with a variable key']],
  ["{{ x['_' ~ '_class_' ~ '_'] }}", ['computed subscript']],
  ['{{ (x | first)[a] }}', ['expression result']],
  ['{{ (x)() }}', ['calling the result']],
  ['{{ x[0]() }}', ['calling the result']],
  ['{{ x(*args) }}', ['x(…)']],
  ["{{ '\\x5f\\x5fclass\\x5f\\x5f' }}", ['\\x']],
  ["{{ '{{' ~ 'lookup(1)' ~ '}}' }}", ['template syntax']],
  ['{% for i in range(9999999) %}{% endfor %}', ['{% for %}']],
  ['{% set x = 1 %}', ['{% set %}']],
  ['{%- raw -%}x{% endraw %}', ['{% raw %}']],
  ['{{ a }', ['unbalanced']],
  ['{{ a', ['unclosed']],
  ['{{ }}', ['empty expression']],
  ['{{ a b }}', ['unexpected "b"']],
  ['{{ a | }}', ['ends too early']],
  ['{# never closed', ['unclosed comment']],
  ['{{ a $ b }}', ['unexpected character "$"']],
  ['{{ x | map("x") }}', ['"x"']],
  ["{{ ['__init__'] | map('extract', vars) | list }}", ['__init__']],
  ["{{ ['f_globals'] | map('extract', (['gi_frame'] | map('extract', (x | map('upper'))) | first)) | list }}", ['plain variable']],
  ["{{ x | sum('_hidden') }}", ['sum()', '_hidden']],
  ["{{ x | join(',', 'gi_frame') }}", ['join()', 'gi_frame']],
  ["{{ x | replace('__', '_') }}", ['"__"']],
];

test('templates that reach beyond data are refused, naming the offending token', () => {
  assert.ok(REJECTED.length >= 40);
  for (const [t, fragments] of REJECTED) rejects(() => checkTemplate(t), t, ...fragments);
});

test('#jinja2: override headers are refused wherever a string may be templated', () => {
  const HEADERS = [
    "#jinja2: variable_start_string: '[[', variable_end_string: ']]'\n{# #}[[ lookup('pipe','id') ]]",
    "#jinja2:comment_start_string:'<<'\n{{ x }}",
    "  #jinja2: variable_start_string: '[['\n{{ x }}",
    "# jinja2 : variable_start_string: '[['\n{{ x }}",
    "#Jinja2: variable_start_string: '[['\n{{ x }}",
    '#jinja2: x: 1\nno template at all',
  ];
  for (const h of HEADERS) rejects(() => checkTemplatable(h), h, '#jinja2:');
  rejects(() => checkExpression("#jinja2: x: 1\nlookup('pipe','id')"), 'header in a bare expression', '#jinja2:');
  for (const ok of ['# a comment about jinja2', 'a #jinja2: later on the line', 'see jinja2: docs']) assert.doesNotThrow(() => checkTemplatable(ok), ok);
});

test('conditionals are bare expressions, never templates', () => {
  for (const ok of ['x is defined', 'not (undo | default(false) | bool)', "ansible_os_family == 'RedHat'", 'a and b or c']) {
    assert.doesNotThrow(() => checkConditional(ok), ok);
  }
  assert.doesNotThrow(() => checkConditional(true));
  rejects(() => checkConditional('{{ x }}'), '{{ x }} in when', 'second time');
  rejects(() => checkConditional("lookup('pipe', 'id')"), 'lookup in when', 'lookup');
  rejects(() => checkConditional('x %}{% for i in range(9) %}'), 'statement injection', 'second time');
  rejects(() => checkConditional('x %} y'), 'statement injection', 'unbalanced');
  rejects(() => checkExpression('a.__class__'), 'dunder', '__class__');
});

test('hasTemplate', () => {
  assert.equal(hasTemplate('a {{ b }}'), true);
  assert.equal(hasTemplate('{% x %}'), true);
  assert.equal(hasTemplate('{# x #}'), true);
  assert.equal(hasTemplate('a { b } %'), false);
});

test('oversized templates are refused', () => {
  rejects(() => checkTemplate(`{{ ${'a ~ '.repeat(30_000)}a }}`), 'huge');
  rejects(() => checkTemplate(`{{ ${'('.repeat(100)}a${')'.repeat(100)} }}`), 'deep', 'deeper');
});
