import { Refusal } from './policy-error.js';

/**
 * Splits extraArgs the way bash would split a line that needs no expansion, and refuses
 * everything that would need a shell to mean what it says. kubean pastes extraArgs into a
 * bash script; Slipway builds an argv array instead, so a string only keeps its meaning
 * across the two if bash would have taken it literally.
 *
 * Decisions:
 * - Unquoted glob characters (* ? [ ]) are kept literally. Ansible host patterns use them
 *   (`--limit=node[1:3]`, `--limit='kube_*'`), and bash leaves them as they are when no
 *   file in the working directory matches, which is what kubean users rely on. Slipway
 *   never globs, so they cannot reach the filesystem.
 * - `!` is literal (history expansion only exists in interactive shells): `--limit=all:!node3`.
 * - Unquoted `{ }` are refused (bash brace expansion would turn `{a,b}` into two words),
 *   so are `~` where bash expands it (word start, after `=` or `:`). Quoting them is fine.
 * - `#` starting a word is a comment in bash; refused rather than silently dropping the rest.
 * - Leading and trailing blank lines are ignored (YAML block scalars add one); a line break
 *   between words would start a second command in bash and is refused.
 */
export function splitShellWords(input: string): string[] {
  if (input.length > MAX_INPUT) {
    throw new Refusal('too-large', `the arguments are ${input.length} characters long; the limit is ${MAX_INPUT}`);
  }
  let start = 0;
  let end = input.length;
  while (start < end && isBlank(input[start]!)) start++;
  while (end > start && isBlank(input[end - 1]!)) end--;
  // `foo\ ` keeps its escaped trailing space, as in bash.
  if (end < input.length && input[end - 1] === '\\' && (input[end] === ' ' || input[end] === '\t')) end++;

  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = start;
  const fail: (at: number, why: string) => never = (at, why) => {
    throw new Refusal('shell-syntax', `${describeChar(input[at] ?? '')} at position ${at + 1} ${why}`);
  };

  while (i < end) {
    const c = input[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') fail(i, 'would start another shell command; put all arguments on one line');
    if (isControl(c)) fail(i, 'is a control character');

    if (c === "'") {
      const close = input.indexOf("'", i + 1);
      if (close < 0 || close >= end) fail(i, 'opens a quote that is never closed');
      for (let j = i + 1; j < close; j++) checkQuotedChar(input, j, fail);
      word += input.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= end) fail(i, 'opens a quote that is never closed');
        const d = input[j]!;
        if (d === '"') break;
        if (d === '\\') {
          const n = input[j + 1];
          if (n !== undefined && '$`"\\'.includes(n)) {
            word += n;
            j += 2;
            continue;
          }
          if (n === '\n' || n === '\r') fail(j + 1, 'would continue the line in a shell; put all arguments on one line');
          word += d;
          j++;
          continue;
        }
        if (d === '$') fail(j, 'inside double quotes expands a variable or runs a command in a shell; use single quotes for a literal $');
        if (d === '`') fail(j, 'runs a command in a shell; use single quotes for a literal backquote');
        checkQuotedChar(input, j, fail);
        word += d;
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      const n = input[i + 1];
      if (n === undefined || i + 1 >= end) fail(i, 'ends the arguments; a shell would continue on the next line');
      if (n === '\n' || n === '\r') fail(i + 1, 'would continue the line in a shell; put all arguments on one line');
      if (isControl(n)) fail(i + 1, 'is a control character');
      word += n;
      inWord = true;
      i += 2;
      continue;
    }
    const why = UNQUOTED[c];
    if (why) fail(i, why);
    if (c === '#' && !inWord) fail(i, 'starts a comment in a shell, which would drop the rest of the arguments; quote it');
    if (c === '~' && (!inWord || word.endsWith('=') || word.endsWith(':'))) {
      fail(i, "is expanded to a home directory by a shell here; quote it (e.g. '~pattern') if you mean it literally");
    }
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) words.push(word);
  return words;
}

const MAX_INPUT = 16 * 1024;

const UNQUOTED: Record<string, string> = {
  ';': 'separates shell commands; Slipway runs no shell',
  '&': 'runs a shell command in the background or chains commands; Slipway runs no shell',
  '|': 'pipes into another shell command; quote it if it is part of a value',
  '<': 'redirects input in a shell; quote it if it is part of a value',
  '>': 'redirects output in a shell; quote it if it is part of a value',
  '(': 'starts a subshell or function in a shell; quote it if it is part of a value',
  ')': 'ends a subshell in a shell; quote it if it is part of a value',
  $: 'expands a variable or runs a command in a shell; use single quotes for a literal $',
  '`': 'runs a command in a shell; use single quotes for a literal backquote',
  '{': 'is brace expansion in a shell (one word becomes several); quote it',
  '}': 'is brace expansion in a shell (one word becomes several); quote it',
};

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function isControl(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function checkQuotedChar(input: string, j: number, fail: (at: number, why: string) => never): void {
  const d = input[j]!;
  if (d === '\n' || d === '\r') fail(j, 'is a line break inside quotes; put all arguments on one line');
  if (isControl(d)) fail(j, 'is a control character');
}

function describeChar(c: string): string {
  if (c === '\n') return 'line break (\\n)';
  if (c === '\r') return 'carriage return (\\r)';
  if (c === '\0') return 'NUL byte';
  if (isControl(c)) return `control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `'${c}'`;
}
