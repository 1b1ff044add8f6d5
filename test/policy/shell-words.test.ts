import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refusal } from '../../src/policy/policy-error.js';
import { splitShellWords } from '../../src/policy/shell-words.js';

function rejects(input: string, code: string, ...fragments: string[]): void {
  assert.throws(
    () => splitShellWords(input),
    (err: unknown) => {
      assert.ok(err instanceof Refusal, `expected Refusal for ${JSON.stringify(input)}, got ${String(err)}`);
      assert.equal(err.code, code, `${JSON.stringify(input)}: ${err.message}`);
      for (const f of fragments) assert.ok(err.message.includes(f), `${JSON.stringify(input)}: message ${JSON.stringify(err.message)} lacks ${JSON.stringify(f)}`);
      return true;
    },
  );
}

const ACCEPTED: [string, string[]][] = [
  ['', []],
  ['   ', []],
  ['--limit=node2', ['--limit=node2']],
  ['  -e   node=node2,node3\t-e reset_nodes=false ', ['-e', 'node=node2,node3', '-e', 'reset_nodes=false']],
  ['--limit=node2\n', ['--limit=node2']], // a YAML block scalar's trailing newline
  ['\n-vvv\n\n', ['-vvv']],
  ['-e "kube_version=v1.29.0"', ['-e', 'kube_version=v1.29.0']],
  ["-e 'a=$HOME `x` ; | & > < ( ) { } # ~'", ['-e', 'a=$HOME `x` ; | & > < ( ) { } # ~']],
  ['-e "say \\"hi\\" \\\\ \\$ \\`"', ['-e', 'say "hi" \\ $ `']],
  ['-e "keep \\n as is"', ['-e', 'keep \\n as is']],
  ["-e x=''", ['-e', 'x=']],
  ["''", ['']],
  ['a"b"\'c\'d', ['abcd']],
  ['foo\\ bar', ['foo bar']],
  ['foo\\ ', ['foo ']],
  ['\\;', [';']],
  ['--limit=node[1:3]', ['--limit=node[1:3]']],
  ['--limit=kube_*', ['--limit=kube_*']],
  ['--limit=all:!node3', ['--limit=all:!node3']],
  ['--limit=a#b', ['--limit=a#b']],
  ["--limit='~node[12]'", ['--limit=~node[12]']],
  ['-e x=a~b', ['-e', 'x=a~b']],
  ['-e \'{"a": [1, 2]}\'', ['-e', '{"a": [1, 2]}']],
];

test('splitShellWords splits like bash where bash needs no expansion', () => {
  for (const [input, words] of ACCEPTED) assert.deepEqual(splitShellWords(input), words, JSON.stringify(input));
});

const REJECTED: [string, string[]][] = [
  ['--limit=node1; rm -rf /', ["';'", 'position 14']],
  ['--limit=node1 && id', ["'&'", 'position 15']],
  ['--limit=node1 || id', ["'|'"]],
  ['--limit=node1 | sh', ["'|'", 'position 15']],
  ['-e x=$(id)', ["'$'", 'position 6']],
  ['-e x=${HOME}', ["'$'"]],
  ['-e x=$HOME', ["'$'"]],
  ['-e "x=$(id)"', ["'$'", 'inside double quotes']],
  ['-e "x=${HOME}"', ["'$'", 'inside double quotes']],
  ['-e x=`id`', ["'`'", 'position 6']],
  ['-e "x=`id`"', ["'`'"]],
  ['--limit=node1 > /etc/passwd', ["'>'"]],
  ['--limit=node1 < /etc/passwd', ["'<'"]],
  ['(id)', ["'('", 'position 1']],
  ['-e x={a,b}', ["'{'", 'brace expansion']],
  ['--limit=node1\nid', ['line break', 'position 14']],
  ['--limit=node1\r\nid', ['carriage return']],
  ["-e 'a\nb'", ['line break']],
  ['--limit=node1\\\nid', ['line break']],
  ['--limit=node1 #comment', ["'#'", 'comment']],
  ['--limit=a\u0000b', ['NUL']],
  ['--limit=a\u001bb', ['control character U+001b']],
  ['--limit=a\u2028b', ['U+2028']],
  ["-e 'unclosed", ['never closed', 'position 4']],
  ['-e "unclosed', ['never closed']],
  ['trailing\\', ['position 9']],
  ['~/x', ["'~'", 'home directory']],
  ['-e x=~root', ["'~'"]],
];

test('splitShellWords refuses what needs a shell and says where', () => {
  for (const [input, fragments] of REJECTED) rejects(input, 'shell-syntax', ...fragments);
});

test('splitShellWords refuses absurdly long input', () => {
  rejects('x'.repeat(20_000), 'too-large', '20000');
});
