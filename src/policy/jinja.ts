import { ExpressionChecker, hasTemplate } from './jinja-expression.js';
import { lexExpression } from './jinja-lexer.js';
import { PolicyViolation, show } from './policy-error.js';

export { hasTemplate };

const MAX_TEMPLATE = 64 * 1024;

/**
 * Accepts a Jinja template only when every `{{ … }}` is built from data: variables,
 * literals, operators, inline if/else, and allowlisted filters, tests and string methods.
 * Refused: lookups and any other call, `{% … %}` statements, names that reach Python
 * internals, subscripts that cannot be checked before Ansible runs. Comments `{# … #}` are
 * allowed (Jinja drops them). Ansible's Jinja environment is not sandboxed, so this parser is
 * the only thing between a template and Slipway's machine: it refuses what it cannot classify.
 */
export function checkTemplate(text: string, where: string): void {
  if (text.length > MAX_TEMPLATE) {
    throw new PolicyViolation('too-large', `template is ${text.length} characters; the limit is ${MAX_TEMPLATE}`, where);
  }
  let i = 0;
  for (;;) {
    const open = text.indexOf('{', i);
    if (open < 0) return;
    const next = text[open + 1];
    if (next === '{') {
      const lexed = lexExpression(text, open + 2, where, 'block');
      new ExpressionChecker(lexed.tokens, text, where).checkAll(open);
      i = lexed.next;
    } else if (next === '%') {
      const word = /^[-+]?\s*([A-Za-z_]*)/.exec(text.slice(open + 2))?.[1] ?? '';
      throw new PolicyViolation(
        'template',
        `statement ${show(`{% ${word} %}`)} is not allowed: template statements can loop without bound, ` +
          `define macros and import other templates; use filters and inline "x if c else y" inside {{ }} (in ${show(text)})`,
        where,
      );
    } else if (next === '#') {
      const close = text.indexOf('#}', open + 2);
      if (close < 0) throw new PolicyViolation('template', `unclosed comment "{#" in ${show(text)}`, where);
      i = close + 2;
    } else {
      i = open + 1;
    }
  }
}

/** Checks a bare Jinja expression, e.g. the `x is defined and x | bool` of a `when:`. */
export function checkExpression(expr: string, where: string): void {
  if (expr.length > MAX_TEMPLATE) {
    throw new PolicyViolation('too-large', `expression is ${expr.length} characters; the limit is ${MAX_TEMPLATE}`, where);
  }
  const lexed = lexExpression(expr, 0, where, 'bare');
  new ExpressionChecker(lexed.tokens, expr, where).checkAll(0);
}

/**
 * Checks a conditional (`when`, `failed_when`, `changed_when`, `until`, `assert.that`).
 * Ansible templates a conditional and then evaluates the result as an expression again, so
 * `when: "{{ x }}"` would run whatever text x holds: templated conditionals are refused.
 */
export function checkConditional(value: unknown, where: string): void {
  if (typeof value !== 'string') return;
  if (hasTemplate(value)) {
    throw new PolicyViolation(
      'template',
      `conditional ${show(value)} contains template delimiters: Ansible would evaluate the rendered text a second time as an expression; ` +
        'write the bare expression (e.g. "x | bool" instead of "{{ x }}")',
      where,
    );
  }
  checkExpression(value, where);
}

