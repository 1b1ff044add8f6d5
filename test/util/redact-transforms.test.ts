/**
 * One row per transformation a playbook can print a password in. `printed` is the line
 * ansible-core 2.14.18 printed for `debug: msg="{{ pw | <filter> }}"` (default callback).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from '../../src/util/redact.js';

interface Row {
  filter: string;
  printed: string;
  redacted: string;
}

const PASSWORD = 'Tr0ub4dor&3-xK9q';
const rows: Row[] = [
  { filter: '(plain)', printed: '"msg": "Tr0ub4dor&3-xK9q"', redacted: '"msg": "[REDACTED]"' },
  // The last character before "==" carries 2 bits of the last byte and 4 of padding.
  { filter: 'b64encode', printed: '"msg": "VHIwdWI0ZG9yJjMteEs5cQ=="', redacted: '"msg": "[REDACTED]Q=="' },
  { filter: "('x' ~ pw) | b64encode", printed: '"msg": "eFRyMHViNGRvciYzLXhLOXE="', redacted: '"msg": "eFRy[REDACTED]E="' },
  { filter: "('xy' ~ pw) | b64encode", printed: '"msg": "eHlUcjB1YjRkb3ImMy14Szlx"', redacted: '"msg": "eHlU[REDACTED]"' },
  { filter: 'b64encode, URL-safe, unpadded', printed: '"msg": "VHIwdWI0ZG9yJjMteEs5cQ"', redacted: '"msg": "[REDACTED]Q"' },
  { filter: 'b64encode | upper', printed: '"msg": "VHIWDWI0ZG9YJJMTEES5CQ=="', redacted: '"msg": "[REDACTED]Q=="' },
  { filter: 'pw[1:] | b64encode', printed: '"msg": "cjB1YjRkb3ImMy14Szlx"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'reverse', printed: '"msg": "q9Kx-3&rod4bu0rT"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'pw[1:]', printed: '"msg": "r0ub4dor&3-xK9q"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'pw[:-1]', printed: '"msg": "Tr0ub4dor&3-xK9"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'pw[4:12] (8 characters)', printed: '"msg": "b4dor&3-"', redacted: '"msg": "[REDACTED]"' },
  {
    filter: 'list | string',
    printed: `"msg": "['T', 'r', '0', 'u', 'b', '4', 'd', 'o', 'r', '&', '3', '-', 'x', 'K', '9', 'q']"`,
    redacted: `"msg": "['[REDACTED]']"`,
  },
  { filter: "list | join(' ')", printed: '"msg": "T r 0 u b 4 d o r & 3 - x K 9 q"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'upper', printed: '"msg": "TR0UB4DOR&3-XK9Q"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'lower', printed: '"msg": "tr0ub4dor&3-xk9q"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'title', printed: '"msg": "Tr0ub4dor&3-Xk9q"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'to_json', printed: '"msg": "\\"Tr0ub4dor&3-xK9q\\""', redacted: '"msg": "\\"[REDACTED]\\""' },
  {
    filter: "{'p': pw} | to_nice_json",
    printed: '"msg": "{\\n    \\"p\\": \\"Tr0ub4dor&3-xK9q\\"\\n}"',
    redacted: '"msg": "{\\n    \\"p\\": \\"[REDACTED]\\"\\n}"',
  },
  { filter: "{'p': pw} | to_yaml", printed: '"msg": "{p: Tr0ub4dor&3-xK9q}\\n"', redacted: '"msg": "{p: [REDACTED]}\\n"' },
  { filter: "{'p': pw} | string", printed: `"msg": "{'p': 'Tr0ub4dor&3-xK9q'}"`, redacted: `"msg": "{'p': '[REDACTED]'}"` },
  { filter: 'urlencode', printed: '"msg": "Tr0ub4dor%263-xK9q"', redacted: '"msg": "[REDACTED]"' },
  { filter: "pw.encode('utf-8').hex()", printed: '"msg": "547230756234646f7226332d784b3971"', redacted: '"msg": "[REDACTED]"' },
  { filter: "pw.encode('utf-8').hex() | upper", printed: '"msg": "547230756234646F7226332D784B3971"', redacted: '"msg": "[REDACTED]"' },
  { filter: "regex_replace('(.{5})', '\\\\1\\n')", printed: '"msg": "Tr0ub\\n4dor&\\n3-xK9\\nq"', redacted: '"msg": "[REDACTED]"' },
  // A hash reveals nothing; it stays.
  {
    filter: "hash('sha256')",
    printed: '"msg": "8b691565994b1efc82e91da7011ef00c1a60b0aa8670c22b6fdaec9f71fd4995"',
    redacted: '"msg": "8b691565994b1efc82e91da7011ef00c1a60b0aa8670c22b6fdaec9f71fd4995"',
  },
];

// Shorter than 10 characters: matched whole, or by any 4 (length − 2) of its characters.
const SHORT = 'k9#Qz!';
const shortRows: Row[] = [
  { filter: '(plain)', printed: '"msg": "k9#Qz!"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'b64encode', printed: '"msg": "azkjUXoh"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'reverse', printed: '"msg": "!zQ#9k"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'pw[1:]', printed: '"msg": "9#Qz!"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'upper', printed: '"msg": "K9#QZ!"', redacted: '"msg": "[REDACTED]"' },
  { filter: "pw.encode('utf-8').hex()", printed: '"msg": "6b3923517a21"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'urlencode', printed: '"msg": "k9%23Qz%21"', redacted: '"msg": "[REDACTED]"' },
  { filter: 'list | string', printed: `"msg": "['k', '9', '#', 'Q', 'z', '!']"`, redacted: `"msg": "['[REDACTED]']"` },
];

for (const [secret, table] of [[PASSWORD, rows], [SHORT, shortRows]] as const) {
  describe(`a ${secret.length}-character password as ansible prints it transformed`, () => {
    const redact = createRedactor([secret]);
    for (const row of table) {
      it(row.filter, () => assert.equal(redact(row.printed), row.redacted));
    }
  });
}

describe('what is left alone', () => {
  const redact = createRedactor([PASSWORD, SHORT]);
  const untouched = [
    'TASK [kubernetes/preinstall : Stop if either kube_control_plane or kube_node group is empty] ***',
    'ok: [node1] => {"changed": false, "msg": "All assertions passed"}',
    // Seven characters of the password: below the 8-character window.
    '"msg": "Tr0ub4d"',
    // Three of the short one's six.
    '"msg": "k9#"',
    '"msg": "sha256:6a2f5d5b8c9e0a1f3b4c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d"',
  ];
  for (const line of untouched) it(line, () => assert.equal(redact(line), line));
});

describe('the rule for slices', () => {
  it('redacts any 8 consecutive characters of a 10–31 character secret, in place', () => {
    const redact = createRedactor([PASSWORD]);
    for (let i = 0; i + 8 <= PASSWORD.length; i++) {
      assert.equal(redact(`<${PASSWORD.slice(i, i + 8)}>`), '<[REDACTED]>', `slice ${i}:${i + 8}`);
    }
  });

  it('redacts any 12 consecutive characters of a secret of 32 or more', () => {
    const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.payload';
    const redact = createRedactor([token]);
    assert.equal(redact(`<${token.slice(20, 32)}>`), '<[REDACTED]>');
    assert.equal(redact(`<${token.slice(20, 31)}>`), `<${token.slice(20, 31)}>`);
  });

  it('leaves secrets of fewer than 4 characters to exact matching only', () => {
    const redact = createRedactor(['a#1']);
    assert.equal(redact('a#1 A#1'), '[REDACTED] A#1');
  });
});
