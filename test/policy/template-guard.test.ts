import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTemplate } from '../../src/policy/jinja.js';
import { guardTemplate, guardValue, jsonUnsafe, needsUnsafe, templateGuardArgs } from '../../src/policy/template-guard.js';

const GUARDED: [string, string][] = [
  ['{{ minio_address }}/kubean', '{{ (slipway_taint, ( minio_address ))[1] }}/kubean'],
  ['http://{{ registry_host }}', 'http://{{ (slipway_taint, ( registry_host ))[1] }}'],
  ['{{- x -}} and {{ y }}', '{{- (slipway_taint, ( x ))[1] -}} and {{ y }}'],
  ["{{ a, b }}", '{{ (slipway_taint, ( a, b ))[1] }}'],
  ["{{ {'k': '}}'} }}", "{{ (slipway_taint, ( {'k': '}}'} ))[1] }}"],
  ['{# only a comment #}{', '{{ slipway_taint }}{# only a comment #}{'],
  ['}{# c #}', '{{ slipway_taint }}}{# c #}'],
];

test('every checked template reads slipway_taint once, keeping its value and type', () => {
  for (const [template, guarded] of GUARDED) {
    assert.equal(guardTemplate(template), guarded, template);
    assert.doesNotThrow(() => checkTemplate(guarded.replace(/slipway_taint/g, 'x')), guarded);
  }
});

test('plain strings that could spell a template or a #jinja2: header become unsafe; others stay readable', () => {
  for (const s of ['{', 'a#b', '#jinja2: x', '}{']) assert.equal(needsUnsafe(s), true, s);
  for (const s of ['10.0.0.1', 'http://m:9000/x', 'v1.29.0', '%c', '}}']) assert.equal(needsUnsafe(s), false, s);
  assert.deepEqual(guardValue({ a: '{', b: ['x', '{{ y }}'], c: 1, d: { e: 'p#w' } }, jsonUnsafe), {
    a: { __ansible_unsafe: '{' },
    b: ['x', '{{ (slipway_taint, ( y ))[1] }}'],
    c: 1,
    d: { e: { __ansible_unsafe: 'p#w' } },
  });
});

test('the taint variable is an unsafe empty string in JSON -e', () => {
  assert.deepEqual(templateGuardArgs(), ['-e', '{"slipway_taint":{"__ansible_unsafe":""}}']);
});
