import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLineRedactor, createRedactor } from '../../src/util/redact.js';

const PASSWORD = 'Tr0ub4dor&3-xK9q';

function run(lines: readonly string[], secrets: readonly string[] = [PASSWORD]): string[] {
  const redactor = createLineRedactor(createRedactor(secrets));
  return [...lines.flatMap((l) => redactor.push(l)), ...redactor.end()];
}

describe('the line redactor', () => {
  it('finds `{{ pw | list }}`, which ansible prints one character per line', () => {
    const printed = ['ok: [localhost] => {', '    "msg": [', ...[...PASSWORD].map((c, i) => `        "${c}"${i < PASSWORD.length - 1 ? ',' : ''}`), '    ]', '}'];
    assert.deepEqual(run(printed), ['ok: [localhost] => {', '    "msg": [', '        "[REDACTED]"', '    ]', '}']);
  });

  it('finds a secret folded at any width', () => {
    for (const width of [1, 3, 5, 7]) {
      const folded = PASSWORD.match(new RegExp(`.{1,${width}}`, 'g'))!;
      assert.deepEqual(run(['before it', ...folded, 'TASK [next] ****']), ['before it', '[REDACTED]', 'TASK [next] ****'], `width ${width}`);
    }
  });

  it('finds the rest of a secret whose start ended the line before', () => {
    const out = run(['TASK [x] *************** the password is Tr0ub4d', 'or&3-xK9q and more']);
    assert.deepEqual(out, ['TASK [x] *************** the password is Tr0ub4d', '[REDACTED] and more']);
  });

  it('holds short lines only until a longer one or the end', () => {
    const redactor = createLineRedactor(createRedactor([PASSWORD]));
    assert.deepEqual(redactor.push('}'), []);
    assert.deepEqual(redactor.push('TASK [next] *********************'), ['}', 'TASK [next] *********************']);
    assert.deepEqual(redactor.push('ok'), []);
    assert.deepEqual(redactor.end(), ['ok']);
    assert.deepEqual(redactor.end(), []);
  });

  it('holds nothing back when there are no secrets', () => {
    const redactor = createLineRedactor(createRedactor([]));
    assert.deepEqual(redactor.push('}'), ['}']);
  });

  it('hides a PEM private key block printed over several lines, named as a secret or not', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', 'AAAB', '-----END OPENSSH PRIVATE KEY-----'];
    assert.deepEqual(run(['before', ...key, 'after'], []), ['before', '[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]', 'after']);
  });
});
