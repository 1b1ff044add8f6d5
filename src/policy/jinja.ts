import { ExpressionChecker, hasTemplate } from './jinja-expression.js';
import { lexExpression } from './jinja-lexer.js';
import { Refusal, show } from './policy-error.js';

export { hasTemplate };

const MAX_TEMPLATE = 64 * 1024;

/**
 * Ansible 2.14 reads a first line starting with exactly `#jinja2:` as Jinja environment
 * overrides (any attribute: delimiters, comment markers…), so the rest of the string is
 * parsed with rules this checker does not follow. Slipway refuses the wider family (leading
 * blanks, "# jinja2 :", any case), which no configuration value needs.
 */
const OVERRIDE_HEADER = /^\s*#\s*jinja2\s*:/i;

/**
 * The check for every string Ansible may template (variable values and keys, playbook
 * strings): no `#jinja2:` header, and any `{{ }}`/`{# #}` must pass checkTemplate.
 * Throws Refusal.
 */
export function checkTemplatable(text: string): void {
  if (OVERRIDE_HEADER.test(text)) {
    throw new Refusal(
      'template',
      `starts with a "#jinja2:" header (${show(text, 40)}), which changes how Ansible parses the template (e.g. its delimiters)`,
    );
  }
  if (hasTemplate(text)) checkTemplate(text);
}

/**
 * Accepts a Jinja template only when every `{{ … }}` is built from data: variables,
 * literals, operators, inline if/else, and allowlisted filters, tests and string methods.
 * Refused: lookups and any other call, `{% … %}` statements, names that reach Python
 * internals, subscripts that cannot be checked before Ansible runs. Comments `{# … #}` are
 * allowed (Jinja drops them). Ansible's Jinja environment is not sandboxed, so this parser is
 * the only thing between a template and Slipway's machine: it refuses what it cannot classify.
 * What a template *outputs* is not checked here; template-guard.ts makes it unsafe.
 */
export function checkTemplate(text: string): void {
  if (text.length > MAX_TEMPLATE) {
    throw new Refusal('too-large', `template is ${text.length} characters; the limit is ${MAX_TEMPLATE}`);
  }
  for (const part of templateParts(text)) {
    if (part.kind === 'expression') new ExpressionChecker(part.tokens, text).checkAll(part.open);
  }
}

export type TemplatePart =
  | { kind: 'expression'; open: number; bodyStart: number; bodyEnd: number; tokens: ReturnType<typeof lexExpression>['tokens'] }
  | { kind: 'comment'; open: number };

/** The `{{ }}` expressions and `{# #}` comments of a template; throws on `{%` and unclosed blocks. */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('{', i);
    if (open < 0) return parts;
    const next = text[open + 1];
    if (next === '{') {
      const bodyStart = text[open + 2] === '-' || text[open + 2] === '+' ? open + 3 : open + 2;
      const lexed = lexExpression(text, open + 2, 'block');
      parts.push({ kind: 'expression', open, bodyStart, bodyEnd: lexed.bodyEnd, tokens: lexed.tokens });
      i = lexed.next;
    } else if (next === '%') {
      const word = /^[-+]?\s*([A-Za-z_]*)/.exec(text.slice(open + 2))?.[1] ?? '';
      throw new Refusal(
        'template',
        `statement ${show(`{% ${word} %}`)} is not allowed: template statements can loop without bound, ` +
          `define macros and import other templates; use filters and inline "x if c else y" inside {{ }} (in ${show(text)})`,
      );
    } else if (next === '#') {
      const close = text.indexOf('#}', open + 2);
      if (close < 0) throw new Refusal('template', `unclosed comment "{#" in ${show(text)}`);
      parts.push({ kind: 'comment', open });
      i = close + 2;
    } else {
      i = open + 1;
    }
  }
}

/** Checks a bare Jinja expression, e.g. the `x is defined and x | bool` of a `when:`. */
export function checkExpression(expr: string): void {
  if (expr.length > MAX_TEMPLATE) {
    throw new Refusal('too-large', `expression is ${expr.length} characters; the limit is ${MAX_TEMPLATE}`);
  }
  if (OVERRIDE_HEADER.test(expr)) throw new Refusal('template', `expression ${show(expr, 40)} starts with a "#jinja2:" header`);
  const lexed = lexExpression(expr, 0, 'bare');
  new ExpressionChecker(lexed.tokens, expr).checkAll(0);
}

/**
 * Checks a conditional (`when`, `failed_when`, `changed_when`, `until`, `assert.that`).
 * Ansible templates a conditional and then evaluates the result as an expression again, so
 * `when: "{{ x }}"` would run whatever text x holds: templated conditionals are refused.
 */
export function checkConditional(value: unknown): void {
  if (typeof value !== 'string') return;
  if (hasTemplate(value)) {
    throw new Refusal(
      'template',
      `conditional ${show(value)} contains template delimiters: Ansible would evaluate the rendered text a second time as an expression; ` +
        'write the bare expression (e.g. "x | bool" instead of "{{ x }}")',
    );
  }
  checkExpression(value);
}
