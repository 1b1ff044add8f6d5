import type { Token } from './jinja-lexer.js';
import {
  ATTRIBUTE_ARGS, FILTERS, FILTER_NAMESPACES, FORBIDDEN_FILTERS, FORBIDDEN_NAMES, FORBIDDEN_TESTS,
  GLOBAL_FUNCTIONS, METHODS, TESTS, badAttributeName,
} from './jinja-names.js';
import { Refusal, show } from './policy-error.js';

/**
 * Ansible templates every string that contains one of these; such strings must pass
 * checkTemplate before they reach Ansible.
 */
export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

/**
 * Checks the tokens of one Jinja expression with a small recursive-descent parser that
 * follows Jinja's grammar and precedence. It only accepts constructs it can classify.
 */
const MAX_DEPTH = 64;
const MAX_RANGE = 10_000;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
const CONSTANTS = new Set(['true', 'false', 'none', 'True', 'False', 'None']);

/** What a sub-expression is, as far as the rules below care. */
interface Info {
  kind: 'string' | 'number' | 'var' | 'expr';
  /** String or number literal value. */
  value?: string;
  /** Literal list items, for arguments such as extract's key list. */
  items?: Info[];
  /** Variable subscripts with non-literal keys used in this chain. */
  dynamic?: number;
}

interface Arg {
  name?: string;
  info: Info;
  token: Token;
}

export class ExpressionChecker {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  checkAll(offset: number): void {
    if (this.tokens.length === 0) this.fail(undefined, `empty expression at offset ${offset}`);
    this.tuple();
    const extra = this.tokens[this.i];
    if (extra) this.fail(extra, `unexpected ${show(extra.value)}`);
  }

  // ---- grammar (precedence as in Jinja's parser) ----

  private tuple(): Info {
    const first = this.conditional();
    let items = 1;
    while (this.isOp(',')) {
      this.i++;
      if (!this.peek() || this.isOp(')')) break;
      this.conditional();
      items++;
    }
    return items > 1 ? { kind: 'expr' } : first;
  }

  private conditional(): Info {
    this.enter();
    let info = this.or();
    while (this.isName('if')) {
      this.i++;
      this.or();
      if (this.isName('else')) {
        this.i++;
        this.conditional();
      }
      info = { kind: 'expr' };
    }
    this.depth--;
    return info;
  }

  /** One left-associative level: operand (operator operand)*. */
  private chain(operand: () => Info, isOperator: () => boolean): Info {
    let info = operand();
    while (isOperator()) {
      this.i++;
      operand();
      info = { kind: 'expr' };
    }
    return info;
  }

  private or(): Info {
    return this.chain(() => this.and(), () => this.isName('or'));
  }

  private and(): Info {
    return this.chain(() => this.not(), () => this.isName('and'));
  }

  private not(): Info {
    if (this.isName('not')) {
      this.i++;
      this.enter();
      this.not();
      this.depth--;
      return { kind: 'expr' };
    }
    return this.compare();
  }

  private compare(): Info {
    let info = this.math1();
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.value)) this.i++;
      else if (this.isName('in')) this.i++;
      else if (this.isName('not') && this.peek(1)?.kind === 'name' && this.peek(1)?.value === 'in') this.i += 2;
      else return info;
      this.math1();
      info = { kind: 'expr' };
    }
  }

  private math1(): Info {
    return this.chain(() => this.concat(), () => this.isOp('+') || this.isOp('-'));
  }

  private concat(): Info {
    return this.chain(() => this.math2(), () => this.isOp('~'));
  }

  private math2(): Info {
    let info = this.unary();
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'op' && t.value === '**') this.fail(t, '"**" (power) is not allowed: it builds numbers large enough to exhaust memory');
      if (!(t?.kind === 'op' && ['*', '/', '//', '%'].includes(t.value))) return info;
      this.i++;
      this.unary();
      info = { kind: 'expr' };
    }
  }

  private unary(): Info {
    if (this.isOp('-') || this.isOp('+')) {
      const sign = this.take().value;
      this.enter();
      const inner = this.unary();
      this.depth--;
      return inner.kind === 'number' ? { kind: 'number', value: sign + inner.value } : { kind: 'expr' };
    }
    let info = this.primary();
    info = this.postfix(info);
    return this.filters(info);
  }

  private primary(): Info {
    const t = this.peek();
    if (!t) this.fail(undefined, 'expression ends too early');
    this.i++;
    if (t.kind === 'number') return { kind: 'number', value: t.value };
    if (t.kind === 'string') {
      let value = t.value;
      while (this.peek()?.kind === 'string') value += this.take().value;
      if (hasTemplate(value)) this.fail(t, `string ${show(value)} spells template syntax; Slipway does not allow building templates inside templates`);
      // Strings become keys in ways a checker cannot follow (piped into extract, joined…).
      if (value.includes('__')) this.fail(t, `string ${show(value)} contains "__", which spells Python internals`);
      return { kind: 'string', value };
    }
    if (t.kind === 'name') {
      if (CONSTANTS.has(t.value)) return { kind: 'expr' };
      if (KEYWORDS.has(t.value)) this.fail(t, `unexpected ${show(t.value)}`);
      this.i--;
      return this.variable();
    }
    if (t.value === '(') {
      this.enter();
      if (this.isOp(')')) this.i++;
      else {
        this.tuple();
        this.expectOp(')');
      }
      this.depth--;
      return { kind: 'expr' };
    }
    if (t.value === '[') {
      this.enter();
      const items: Info[] = [];
      while (!this.isOp(']')) {
        items.push(this.conditional());
        if (!this.isOp(',')) break;
        this.i++;
      }
      this.expectOp(']');
      this.depth--;
      return { kind: 'expr', items };
    }
    if (t.value === '{') {
      this.enter();
      while (!this.isOp('}')) {
        this.conditional();
        this.expectOp(':');
        this.conditional();
        if (!this.isOp(',')) break;
        this.i++;
      }
      this.expectOp('}');
      this.depth--;
      return { kind: 'expr' };
    }
    return this.fail(t, `unexpected ${show(t.value)}`);
  }

  /** A variable reference, or a call of one of the few allowed global functions. */
  private variable(): Info {
    const t = this.take();
    const name = t.value;
    if (this.isOp('(')) {
      if (GLOBAL_FUNCTIONS.has(name)) {
        this.globalCall(name, t);
        return { kind: 'expr' };
      }
      const reason = FORBIDDEN_NAMES[name];
      this.fail(t, reason
        ? `${show(`${name}(…)`)} ${reason}`
        : `calling ${show(`${name}(…)`)} is not allowed: only filters (after "|"), tests (after "is") and a few string methods can be called`);
    }
    const reason = FORBIDDEN_NAMES[name];
    if (reason) this.fail(t, `${show(name)} ${reason}`);
    const bad = badAttributeName(name);
    if (bad) this.fail(t, `variable ${show(name)}: ${bad}`);
    return { kind: 'var', dynamic: 0 };
  }

  private postfix(base: Info): Info {
    let info = base;
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'op') return info;
      if (t.value === '.') {
        this.i++;
        const attr = this.take();
        if (attr.kind === 'number') continue;
        if (attr.kind !== 'name') this.fail(attr, `expected an attribute name after "."`);
        const bad = badAttributeName(attr.value);
        if (bad) this.fail(attr, `attribute ${show(attr.value)}: ${bad}`);
        if (this.isOp('(')) {
          if (!METHODS.has(attr.value)) {
            this.fail(attr, `method ${show(`.${attr.value}()`)} is not allowed; use a filter (e.g. "| replace(…)") or one of: ${[...METHODS].join(', ')}`);
          }
          this.args();
        }
        info = info.kind === 'var' ? info : { kind: 'expr' };
      } else if (t.value === '[') {
        info = this.subscript(info);
      } else if (t.value === '(') {
        this.fail(t, 'calling the result of an expression is not allowed');
      } else {
        return info;
      }
    }
  }

  private subscript(base: Info): Info {
    const open = this.take();
    this.enter();
    let index: Info | undefined;
    let slice = false;
    if (!this.isOp(':')) index = this.conditional();
    while (this.isOp(':')) {
      slice = true;
      this.i++;
      if (!this.isOp(':') && !this.isOp(']')) this.conditional();
    }
    this.expectOp(']');
    this.depth--;
    if (slice || !index) return base.kind === 'var' ? base : { kind: 'expr' };
    if (index.kind === 'string') {
      const bad = badAttributeName(index.value!);
      if (bad) this.fail(open, `key ${show(index.value!)}: ${bad}`);
      return base;
    }
    if (index.kind === 'number') return base;
    if (index.kind !== 'var') {
      this.fail(open, 'computed subscript: index with a literal key or a variable (e.g. hostvars[item][\'ip\'])');
    }
    if (base.kind !== 'var') {
      this.fail(open, 'a variable subscript on an expression result is not allowed; index a variable instead');
    }
    const dynamic = (base.dynamic ?? 0) + 1;
    if (dynamic > 1) {
      // Jinja falls back to getattr() when a key is missing, so a chain of keys chosen at run
      // time could walk Python internals; one such step cannot reach anything harmful.
      this.fail(open, 'only one subscript with a variable key is allowed per reference (e.g. hostvars[host][\'ip\'], not hostvars[host][key])');
    }
    return { kind: 'var', dynamic };
  }

  private filters(base: Info): Info {
    let info = base;
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        this.filter();
        info = { kind: 'expr' };
      } else if (this.isName('is')) {
        this.i++;
        this.test();
        info = { kind: 'expr' };
      } else if (this.isOp('(')) {
        this.fail(this.peek(), 'calling the result of an expression is not allowed');
      } else {
        return info;
      }
    }
  }

  private filter(): void {
    const [name, token] = this.dottedName('filter');
    const resolved = this.resolveFilter(name, token);
    const args = this.isOp('(') ? this.args() : [];
    this.checkFilterArgs(resolved, args, token);
  }

  private test(): void {
    if (this.isName('not')) this.i++;
    const [name, token] = this.dottedName('test');
    this.resolveTest(name, token);
    if (this.isOp('(')) {
      this.args();
      return;
    }
    const t = this.peek();
    const startsArg = t && (t.kind === 'string' || t.kind === 'number' || (t.kind === 'name' && !KEYWORDS.has(t.value)) || (t.kind === 'op' && (t.value === '[' || t.value === '{')));
    if (startsArg) this.postfix(this.primary());
  }

  private globalCall(name: string, token: Token): void {
    const args = this.args();
    if (name !== 'range') return;
    if (args.length > 3 || args.some((a) => a.name || a.info.kind !== 'number' || Math.abs(Number(a.info.value!.replace(/_/g, ''))) > MAX_RANGE)) {
      this.fail(token, `range() takes up to three literal integers of at most ${MAX_RANGE}`);
    }
  }

  private args(): Arg[] {
    this.expectOp('(');
    this.enter();
    const args: Arg[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (!t) this.fail(undefined, 'missing ")"');
      if (t.kind === 'op' && (t.value === '*' || t.value === '**')) this.fail(t, '*args and **kwargs are not allowed');
      let name: string | undefined;
      if (t.kind === 'name' && this.peek(1)?.kind === 'op' && this.peek(1)?.value === '=') {
        name = t.value;
        const bad = badAttributeName(name);
        if (bad) this.fail(t, `argument ${show(name)}: ${bad}`);
        this.i += 2;
      }
      const token = this.peek() ?? t;
      args.push({ name, info: this.conditional(), token });
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp(')');
    this.depth--;
    return args;
  }

  // ---- names ----

  private dottedName(what: string): [string, Token] {
    const first = this.take();
    if (first.kind !== 'name') this.fail(first, `expected a ${what} name`);
    let name = first.value;
    while (this.isOp('.') && this.peek(1)?.kind === 'name') {
      name += `.${this.tokens[this.i + 1]!.value}`;
      this.i += 2;
    }
    return [name, first];
  }

  private resolveFilter(name: string, token: Token): string {
    const short = this.stripNamespace(name, token, 'filter');
    const reason = FORBIDDEN_FILTERS[short];
    if (reason) this.fail(token, `filter ${show(name)} ${reason}`);
    if (!FILTERS.has(short)) this.fail(token, `filter ${show(name)} is not on Slipway's list of data-only filters`);
    return short;
  }

  private resolveTest(name: string, token: Token): string {
    const short = this.stripNamespace(name, token, 'test');
    const reason = FORBIDDEN_TESTS[short];
    if (reason) this.fail(token, `test ${show(name)} ${reason}`);
    if (!TESTS.has(short)) this.fail(token, `test ${show(name)} is not on Slipway's list of data-only tests`);
    return short;
  }

  private stripNamespace(name: string, token: Token, what: string): string {
    const dot = name.lastIndexOf('.');
    if (dot < 0) return name;
    const namespace = name.slice(0, dot);
    if (!FILTER_NAMESPACES.has(namespace)) this.fail(token, `${what} ${show(name)} comes from a collection Slipway does not allow (${namespace})`);
    return name.slice(dot + 1);
  }

  /** Filters that take the names of other filters, tests or attributes as strings. */
  private checkFilterArgs(filter: string, args: Arg[], token: Token): void {
    for (const a of args) if (a.name === 'attribute') this.attributeLiteral(a, filter);
    const positional = args.filter((a) => !a.name);
    for (const n of ATTRIBUTE_ARGS[filter] ?? []) {
      const a = positional[n];
      if (a) this.attributeLiteral(a, filter);
    }
    const first = positional[0];
    if (filter === 'extract' && first && !(first.info.kind === 'var' && first.info.dynamic === 0)) {
      // The piped values become keys into the container; nesting extracts would chain them.
      this.fail(first.token, 'extract() needs a plain variable as its container (e.g. hostvars)');
    }
    if (filter === 'map' && first) {
      const inner = this.literalName(first, 'map() needs the filter to apply as a literal string');
      this.checkFilterArgs(this.resolveFilter(inner, first.token), args.filter((a) => a !== first), token);
    } else if ((filter === 'select' || filter === 'reject') && first) {
      this.resolveTest(this.literalName(first, `${filter}() needs the test to apply as a literal string`), first.token);
    } else if ((filter === 'selectattr' || filter === 'rejectattr') && positional[1]) {
      this.resolveTest(this.literalName(positional[1], `${filter}() needs the test to apply as a literal string`), positional[1].token);
    }
  }

  private literalName(arg: Arg, message: string): string {
    if (arg.info.kind !== 'string') this.fail(arg.token, message);
    return arg.info.value!;
  }

  /** Attribute names are read with getattr(); they must be literal and harmless. */
  private attributeLiteral(arg: Arg, filter: string): void {
    const values = arg.info.items ?? [arg.info];
    for (const v of values) {
      if (v.kind === 'number') continue;
      if (v.kind !== 'string') this.fail(arg.token, `${filter}(): attribute names must be literal strings`);
      for (const part of v.value!.split('.')) {
        if (/^\d+$/.test(part)) continue;
        const bad = badAttributeName(part);
        if (bad) this.fail(arg.token, `${filter}(): attribute ${show(v.value!)}: ${bad}`);
      }
    }
  }

  // ---- token helpers ----

  private peek(ahead = 0): Token | undefined {
    return this.tokens[this.i + ahead];
  }

  private take(): Token {
    const t = this.tokens[this.i];
    if (!t) this.fail(undefined, 'expression ends too early');
    this.i++;
    return t;
  }

  private isOp(value: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && t.value === value;
  }

  private isName(value: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'name' && t.value === value;
  }

  private expectOp(value: string): void {
    const t = this.peek();
    if (!(t?.kind === 'op' && t.value === value)) this.fail(t, `expected "${value}"`);
    this.i++;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek(), `expression nests deeper than ${MAX_DEPTH} levels`);
  }

  private fail(token: Token | undefined, why: string): never {
    const at = token ? ` (at offset ${token.pos})` : '';
    throw new Refusal('template', `${why}${at} in ${show(this.text, 120)}`);
  }
}
