import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { resolvePlainScalar, type ScalarValue } from '../../src/api/pyyaml-scalar.js';

/** Plain scalars and what PyYAML (YAML 1.1) makes of them. */
const TYPED: [string, ScalarValue][] = [
  ['0x7f_00_00_01', 2130706433],
  ['2_130_706_433', 2130706433],
  ['0b1111111000000000000000000000001', 2130706433],
  ['0_0', 0],
  ['0755', 493],
  ['-0x10', -16],
  ['+12', 12],
  ['1:20', 80],
  ['-1:00:00', -3600],
  ['190:20:30', 685230],
  ['09', '09'],
  ['0o17', '0o17'],
  ['1_000', 1000],
  ['1.5', 1.5],
  ['1.', 1],
  ['.5', 0.5],
  ['1_0.5_0', 10.5],
  ['1:20.5', 80.5],
  ['1.0e+3', 1000],
  ['1e3', '1e3'],
  ['1.0e3', '1.0e3'],
  ['.inf', Infinity],
  ['-.INF', -Infinity],
  ['.NaN', NaN],
  ['yes', true],
  ['Yes', true],
  ['YES', true],
  ['yES', 'yES'],
  ['on', true],
  ['OFF', false],
  ['No', false],
  ['true', true],
  ['False', false],
  ['y', 'y'],
  ['n', 'n'],
  ['~', null],
  ['null', null],
  ['NULL', null],
  ['nULL', 'nULL'],
  ['', null],
  ['10.0.0.1', '10.0.0.1'],
  ['127.1', 127.1],
  ['v1.34.4', 'v1.34.4'],
  ['1.34', 1.34],
  ['node1', 'node1'],
];

const REFUSED: [string, string][] = [
  ['2024-01-01', 'yaml-timestamp'],
  ['2001-12-14t21:59:43.10-05:00', 'yaml-timestamp'],
  ['2001-12-14 21:59:43.10 -5', 'yaml-timestamp'],
  ['0b11111111111111111111111111111111111111111111111111111111111111111', 'yaml-int-range'],
  ['9007199254740993', 'yaml-int-range'],
  ['0b_', 'yaml-bad-scalar'],
  ['0x__', 'yaml-bad-scalar'],
  ['=', 'yaml-bad-scalar'],
  ['<<', 'yaml-merge-key'],
];

describe('resolvePlainScalar types plain scalars as PyYAML does', () => {
  for (const [text, value] of TYPED) {
    it(`${JSON.stringify(text)} → ${String(value)} (${typeof value})`, () => {
      assert.deepStrictEqual(resolvePlainScalar(text), { ok: true, value });
    });
  }
  for (const [text, code] of REFUSED) {
    it(`${JSON.stringify(text)} is refused: ${code}`, () => {
      const r = resolvePlainScalar(text);
      assert.equal(r.ok ? undefined : r.code, code);
    });
  }

  it('agrees with the real PyYAML on every accepted scalar', () => {
    const docs = TYPED.map(([t]) => `v: ${t}`);
    const script = 'import json,sys,yaml\nfor d in json.load(sys.stdin):\n  v=yaml.safe_load(d)["v"]\n  print(json.dumps([type(v).__name__, repr(v)]))';
    const out = execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(docs), encoding: 'utf8' }).trim().split('\n');
    const pyType = (v: ScalarValue): string =>
      v === null ? 'NoneType' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'str' : Number.isInteger(v) ? 'int|float' : 'float';
    TYPED.forEach(([text, value], i) => {
      const [type, repr] = JSON.parse(out[i]!) as [string, string];
      assert.ok(pyType(value).split('|').includes(type), `${text}: PyYAML says ${type} ${repr}`);
      if (type === 'int' || type === 'float') {
        const n = repr === 'inf' ? Infinity : repr === '-inf' ? -Infinity : repr === 'nan' ? NaN : Number(repr);
        assert.ok(Object.is(n, value), `${text}: PyYAML says ${repr}`);
      }
    });
  });
});
