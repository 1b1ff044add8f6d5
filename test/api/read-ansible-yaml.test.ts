import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPlain } from '../../src/api/ansible-yaml-tree.js';
import { ProblemList } from '../../src/api/input-error.js';
import { inputLimits } from '../../src/api/input-limits.js';
import { readAnsibleYaml } from '../../src/api/read-ansible-yaml.js';

function read(text: string, limits = inputLimits()) {
  const problems = new ProblemList();
  const root = readAnsibleYaml(text, problems.at({ object: 'ConfigMap ns/x', key: 'group_vars.yml' }), limits);
  return { root, problems: problems.items };
}

const laughs = (levels: number, width: number): string => {
  const lines = ['l0: &l0 lol'];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
};

/** Hostile or odd YAML: the problem code and the line it must be reported at. */
const HOSTILE: { name: string; text: string; code: string; line: number }[] = [
  { name: 'a merge key', text: 'base: &b {ansible_connection: local}\nx:\n  <<: *b\n', code: 'yaml-merge-key', line: 3 },
  { name: 'a merge key in a flow mapping', text: 'b: &b {k: 1}\nx: {<<: *b}\n', code: 'yaml-merge-key', line: 2 },
  { name: 'a !!merge-tagged key', text: 'b: &b {k: 1}\nx:\n  !!merge "m": *b\n', code: 'yaml-merge-key', line: 3 },
  { name: 'a !!python/object tag', text: 'x: !!python/object/apply:os.system ["id"]\n', code: 'yaml-tag', line: 1 },
  { name: 'an !unsafe tag', text: 'a: 1\nx: !unsafe "{{ y }}"\n', code: 'yaml-tag', line: 2 },
  { name: 'a !!binary tag', text: 'x: !!binary aGVsbG8=\n', code: 'yaml-tag', line: 1 },
  { name: 'an !!int tag', text: 'x: !!int "0x10"\n', code: 'yaml-tag', line: 1 },
  { name: 'a key that is a YAML 1.1 boolean', text: 'a: 1\nyes: 2\n', code: 'yaml-non-string-key', line: 2 },
  { name: 'an on: key', text: 'on: push\n', code: 'yaml-non-string-key', line: 1 },
  { name: 'an integer key', text: 'ports:\n  80: http\n', code: 'yaml-non-string-key', line: 2 },
  { name: 'a null key', text: '~: x\n', code: 'yaml-non-string-key', line: 1 },
  { name: 'a sequence as a key', text: '? [a, b]\n: x\n', code: 'yaml-non-string-key', line: 1 },
  { name: 'a duplicate key', text: 'a: 1\nb: 2\na: 3\n', code: 'yaml-duplicate-key', line: 3 },
  { name: 'a duplicate key, once quoted', text: 'a: 1\n"a": 3\n', code: 'yaml-duplicate-key', line: 2 },
  { name: 'a duplicate anchor', text: 'a: &x 1\nb: &x 2\n', code: 'yaml-duplicate-anchor', line: 2 },
  { name: 'an alias to an unknown anchor', text: 'a: *nope\n', code: 'malformed-yaml', line: 1 },
  { name: 'an alias cycle', text: 'a: 1\nb: &x [1, *x]\n', code: 'yaml-alias-cycle', line: 2 },
  { name: 'an alias bomb', text: laughs(9, 9), code: 'yaml-alias-bomb', line: 6 },
  { name: 'a date', text: 'a: 1\nday: 2024-01-01\n', code: 'yaml-timestamp', line: 2 },
  { name: 'an integer past 2^53', text: 'n: 0x7fffffffffffffffff\n', code: 'yaml-int-range', line: 1 },
  { name: 'a bare =', text: 'x: =\n', code: 'yaml-bad-scalar', line: 1 },
  { name: 'half a surrogate pair', text: 'x: "\\ud800"\n', code: 'yaml-bad-scalar', line: 1 },
  { name: 'tab indentation', text: 'a:\n\tb: 1\n', code: 'malformed-yaml', line: 2 },
  { name: 'two documents', text: 'a: 1\n---\nb: 2\n', code: 'malformed-yaml', line: 2 },
  { name: 'deep flow nesting', text: `a: 1\nb: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, code: 'too-deep', line: 2 },
  { name: 'deep block nesting', text: Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n'), code: 'too-deep', line: 66 },
];

describe('readAnsibleYaml refuses what Ansible would read differently, with the line', () => {
  for (const c of HOSTILE) {
    it(c.name, () => {
      const { root, problems } = read(c.text);
      assert.equal(root, undefined);
      const p = problems.find((x) => x.code === c.code);
      assert.ok(p, `codes: ${problems.map((x) => x.code).join(', ')}`);
      assert.equal(p.line, c.line);
      assert.equal(p.object, 'ConfigMap ns/x');
      assert.equal(p.key, 'group_vars.yml');
      assert.ok(p.message.length < 200, p.message);
    });
  }

  it('reports the path of a refused value', () => {
    const { problems } = read('outer:\n  inner:\n    - ok\n    - !!python/name:os.system x\n');
    assert.equal(problems[0]?.path, 'outer.inner[1]');
  });

  it('stops an alias bomb fast, without expanding it', () => {
    const start = process.hrtime.bigint();
    const { problems } = read(laughs(30, 10));
    assert.equal(problems[0]?.code, 'yaml-alias-bomb');
    assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
  });

  it('never prints a long value whole', () => {
    const { problems } = read(`x: !!python/object ${'A'.repeat(100_000)}\nday: ${'2024-01-01'}\n`);
    for (const p of problems) assert.ok(p.message.length < 200, p.message.slice(0, 300));
  });
});

describe('readAnsibleYaml accepts ordinary YAML, typed as Ansible types it', () => {
  it('types scalars and expands small aliases', () => {
    const { root, problems } = read('\ufeffa: &v [yes, 0x10, "0x10", !!str 010]\nb: *v\n"yes": 1\nc:\n');
    assert.deepEqual(problems, []);
    assert.deepStrictEqual(toPlain(root!), { a: [true, 16, '0x10', '010'], b: [true, 16, '0x10', '010'], yes: 1, c: null });
  });

  it('keeps __proto__ as a key', () => {
    const v = toPlain(read('__proto__: {polluted: true}\n').root!) as Record<string, unknown>;
    assert.ok(Object.hasOwn(v, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reads an empty document as null', () => {
    assert.deepStrictEqual(read('# nothing\n').root, { kind: 'scalar', value: null, line: 1 });
  });

  it('honours the alias and depth limits it is given', () => {
    assert.equal(read('a: &a [1, 2]\nb: [*a, *a]\n', inputLimits({ maxAliasNodes: 5 })).problems[0]?.code, 'yaml-alias-bomb');
    assert.equal(read('a: {b: {c: {d: 1}}}\n', inputLimits({ maxDepth: 2 })).problems[0]?.code, 'too-deep');
  });
});
