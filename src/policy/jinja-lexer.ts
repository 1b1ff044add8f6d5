import { Refusal, show } from './policy-error.js';

export type TokenKind = 'name' | 'string' | 'number' | 'op';

export interface Token {
  kind: TokenKind;
  /** Names, numbers and operators as written; strings decoded. */
  value: string;
  /** Offset in the text the token came from. */
  pos: number;
}

export interface Lexed {
  tokens: Token[];
  /** Offset just after the closing `}}` (block mode) or the text's length (bare mode). */
  next: number;
  /** Offset of the closing `}}` or `-}}` (block mode), where the expression's body ends. */
  bodyEnd: number;
}

const OPERATORS = ['//', '**', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '<', '>', '=', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}'];
const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const NUMBER = /^(?:0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };
const MAX_TOKENS = 4000;

/**
 * Tokenizes one Jinja expression. In block mode it starts after `{{` and stops at the
 * `}}` (or `-}}`) that closes it, like Jinja's lexer: only when every bracket opened
 * inside is closed, so `{{ {'a': 1} }}` works. In bare mode (conditionals such as
 * `when:`) it reads to the end of the text.
 */
export function lexExpression(text: string, start: number, mode: 'block' | 'bare'): Lexed {
  const tokens: Token[] = [];
  const stack: string[] = [];
  const fail: (at: number, why: string) => never = (at, why) => {
    throw new Refusal('template', `${why} at offset ${at} in ${show(text)}`);
  };
  let i = start;
  if (mode === 'block' && (text[i] === '-' || text[i] === '+')) i++;
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= text.length) {
      if (mode === 'block') fail(start - 2, 'unclosed "{{"');
      if (stack.length) fail(i, `missing "${OPEN[stack[stack.length - 1]!]}"`);
      return { tokens, next: i, bodyEnd: i };
    }
    if (mode === 'block' && stack.length === 0) {
      if (text.startsWith('}}', i)) return { tokens, next: i + 2, bodyEnd: i };
      if (text.startsWith('-}}', i)) return { tokens, next: i + 3, bodyEnd: i };
    }
    if (tokens.length >= MAX_TOKENS) fail(i, `expression is longer than ${MAX_TOKENS} tokens`);
    const c = text[i]!;
    const rest = text.slice(i, i + 64);
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(i, 'unclosed string');
        const d = text[j]!;
        if (d === c) break;
        if (d === '\\') {
          const decoded = ESCAPES[text[j + 1] ?? ''];
          if (decoded === undefined) {
            fail(j, `escape "\\${text[j + 1] ?? ''}" is not allowed in template strings (it can spell hidden names)`);
          }
          value += decoded;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'string', value, pos: i });
      i = j + 1;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num && /\d/.test(c)) {
      tokens.push({ kind: 'number', value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = NAME.exec(text.slice(i, i + 256));
    if (name) {
      tokens.push({ kind: 'name', value: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) fail(i, `unexpected character ${show(c)}`);
    if (OPEN[op!]) stack.push(op!);
    if (op === ')' || op === ']' || op === '}') {
      const open = stack.pop();
      if (!open || OPEN[open] !== op) fail(i, `unbalanced "${op}"`);
    }
    tokens.push({ kind: 'op', value: op!, pos: i });
    i += op!.length;
  }
}
