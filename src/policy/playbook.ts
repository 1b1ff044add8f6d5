import { LineCounter, parseDocument, type Document } from 'yaml';
import { parseKeyValues } from './extra-vars-text.js';
import { badUserName } from './host-address.js';
import { checkConditional, checkExpression, checkTemplate, hasTemplate } from './jinja.js';
import { INSPECTED_MODULES, remoteSourceRefusal, resolveModule } from './modules.js';
import {
  BLOCK_KEYWORDS, CONDITIONAL_KEYWORDS, DATA_LOOKUPS, FORBIDDEN_KEYWORDS, LOOP_CONTROL_KEYS,
  PLAY_KEYWORDS, STRATEGIES, TASK_KEYWORDS,
} from './playbook-keywords.js';
import { PolicyViolation, show } from './policy-error.js';
import { checkVarName, checkVars, isPlainObject } from './vars.js';
import { ansibleYaml } from './yaml-options.js';

/**
 * Polices a user playbook (from a ConfigMap) so that it can only act on the inventory's
 * hosts: no localhost plays, no delegation or connection changes, no modules that read or
 * write Slipway's files or add hosts, no files loaded from Slipway's machine, and every
 * template checked. Variables it sets (vars:, set_fact, register, loop_var) follow the
 * 'extra' scope rules, because play and task variables outrank the inventory just like -e:
 * `vars: {ansible_host: …}` would send the play to another machine.
 * Returns warnings; throws PolicyViolation whose message names the play/task and line.
 */
export function checkPlaybook(yamlText: string, where: string): string[] {
  return new PlaybookChecker(yamlText, where).run();
}

type Path = (string | number)[];

interface Loc {
  path: Path;
  label: string;
}

const MAX_TEXT = 1024 * 1024;
const MAX_DEPTH = 100;
// Characters PyYAML (which Ansible uses) treats as line breaks or rejects, but the yaml
// package might read as ordinary text: refusing them keeps both parsers seeing one document.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SUSPICIOUS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]/;

class PlaybookChecker {
  private readonly warnings: string[] = [];
  private readonly lines = new LineCounter();
  private doc?: Document.Parsed;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  run(): string[] {
    if (this.text.length > MAX_TEXT) {
      throw new PolicyViolation('too-large', `playbook is ${this.text.length} characters; the limit is ${MAX_TEXT}`, this.where);
    }
    const bad = SUSPICIOUS.exec(this.text.startsWith('\ufeff') ? ` ${this.text.slice(1)}` : this.text);
    if (bad) {
      const line = this.text.slice(0, bad.index).split('\n').length;
      throw new PolicyViolation('yaml-syntax', `line ${line}: character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in a playbook`, this.where);
    }
    const doc = parseDocument(this.text, { ...ansibleYaml({ ansibleTags: true }), lineCounter: this.lines });
    this.doc = doc;
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      const line = this.lines.linePos(problem.pos[0]).line;
      throw new PolicyViolation('yaml-syntax', `line ${line}: ${problem.message.split('\n')[0]}`, this.where);
    }
    const plays: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!Array.isArray(plays) || plays.length === 0) {
      throw new PolicyViolation('playbook-structure', 'a playbook must be a non-empty list of plays', this.where);
    }
    plays.forEach((p, i) => {
      const name = isPlainObject(p) && typeof p.name === 'string' ? ` ${show(p.name, 40)}` : '';
      this.play(p, { path: [i], label: `play ${i + 1}${name}` });
    });
    return this.warnings;
  }

  // ---- plays, blocks, tasks ----

  private play(play: unknown, loc: Loc): void {
    if (!isPlainObject(play)) this.fail('playbook-structure', 'each play must be a mapping', loc);
    this.forbiddenKeywords(play, loc);
    for (const key of Object.keys(play)) {
      if (!PLAY_KEYWORDS.has(key)) {
        this.fail('playbook-structure', `${show(key)} is not a play keyword (a playbook is a list of plays, each with hosts: and tasks:)`, this.at(loc, key));
      }
    }
    if (!('hosts' in play)) this.fail('playbook-structure', 'play has no hosts:', loc);
    this.hosts(play.hosts, this.at(loc, 'hosts'));
    if (play.strategy !== undefined && !(typeof play.strategy === 'string' && STRATEGIES.has(play.strategy))) {
      this.fail('keyword-forbidden', `strategy must be one of ${[...STRATEGIES].join(', ')} (the debug strategy opens an interactive debugger)`, this.at(loc, 'strategy'));
    }
    this.commonKeywords(play, loc);
    for (const key of ['pre_tasks', 'tasks', 'post_tasks', 'handlers']) {
      if (key in play) this.taskList(play[key], this.at(loc, key));
    }
    this.strings(play, loc, 0);
  }

  private taskList(list: unknown, loc: Loc): void {
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) this.fail('playbook-structure', 'must be a list of tasks', loc);
    list.forEach((t, i) => {
      const name = isPlainObject(t) && typeof t.name === 'string' ? ` ${show(t.name, 40)}` : '';
      this.task(t, { path: [...loc.path, i], label: `${loc.label}[${i}]${name}` });
    });
  }

  private task(task: unknown, loc: Loc): void {
    if (!isPlainObject(task)) this.fail('playbook-structure', 'each task must be a mapping', loc);
    this.forbiddenKeywords(task, loc);
    this.commonKeywords(task, loc);
    if ('block' in task) {
      for (const key of Object.keys(task)) {
        if (!BLOCK_KEYWORDS.has(key)) this.fail('playbook-structure', `${show(key)} is not a block keyword`, this.at(loc, key));
      }
      for (const key of ['block', 'rescue', 'always']) {
        if (key in task) this.taskList(task[key], this.at(loc, key));
      }
      return;
    }

    const loops = Object.keys(task).filter((k) => k.startsWith('with_'));
    for (const key of loops) {
      const lookup = key.slice('with_'.length);
      if (!DATA_LOOKUPS.has(lookup)) {
        this.fail('keyword-forbidden', `${key} runs the ${show(lookup)} lookup on Slipway's machine; loop over data with loop: or with_items:`, this.at(loc, key));
      }
    }
    if (loops.length > 1 || (loops.length === 1 && 'loop' in task)) {
      this.fail('playbook-structure', 'a task can have only one loop', loc);
    }
    if (task.register !== undefined) {
      if (typeof task.register !== 'string') this.fail('playbook-structure', 'register must be a variable name', this.at(loc, 'register'));
      checkVarName(task.register, this.whereOf(this.at(loc, 'register')), 'extra');
    }
    if (task.loop_control !== undefined) this.loopControl(task.loop_control, this.at(loc, 'loop_control'));

    const [moduleName, moduleValue, moduleLoc] = this.findModule(task, loc);
    const module = resolveModule(moduleName);
    if (module.refusal) this.fail(module.code!, `module ${show(moduleName)} ${module.refusal}`, moduleLoc);
    const args = this.moduleArgs(module.key, moduleValue, task.args, moduleLoc);
    if (args) this.inspectArgs(module.key, args, moduleLoc);
    this.strings(task, loc, 0);
  }

  /** The task's module: the one key that is not a keyword, or `action:`. */
  private findModule(task: Record<string, unknown>, loc: Loc): [string, unknown, Loc] {
    const keys = Object.keys(task).filter((k) => !TASK_KEYWORDS.has(k) && !k.startsWith('with_'));
    if ('action' in task) {
      if (keys.length) this.fail('playbook-structure', `task has both action: and ${show(keys[0]!)}`, loc);
      const action = task.action;
      const aloc = this.at(loc, 'action');
      if (isPlainObject(action)) {
        if (typeof action.module !== 'string') this.fail('playbook-structure', 'action: needs module:', aloc);
        const { module, ...rest } = action;
        return [module as string, rest, aloc];
      }
      if (typeof action !== 'string' || hasTemplate(action)) {
        this.fail('playbook-structure', 'action: must name the module literally', aloc);
      }
      const [name, ...rest] = action.trim().split(/\s+/);
      return [name ?? '', rest.join(' '), aloc];
    }
    if (keys.length === 0) this.fail('playbook-structure', 'task names no module', loc);
    if (keys.length > 1) {
      this.fail('playbook-structure', `task names several modules or unknown keywords: ${keys.map((k) => show(k)).join(', ')}`, loc);
    }
    return [keys[0]!, task[keys[0]!], this.at(loc, keys[0]!)];
  }

  /** Arguments of modules Slipway inspects, merged from `args:` and the module's own value. */
  private moduleArgs(module: string, value: unknown, argsKeyword: unknown, loc: Loc): Record<string, unknown> | undefined {
    if (!INSPECTED_MODULES.has(module)) return undefined;
    const args: Record<string, unknown> = {};
    if (isPlainObject(argsKeyword)) Object.assign(args, argsKeyword);
    else if (argsKeyword !== undefined && argsKeyword !== null) {
      this.fail('playbook-structure', `args: of ${module} must be a literal mapping so Slipway can check it`, loc);
    }
    if (isPlainObject(value)) Object.assign(args, value);
    else if (typeof value === 'string') Object.assign(args, parseKeyValues(value, this.whereOf(loc), 'playbook-structure'));
    else if (value !== null && value !== undefined) this.fail('playbook-structure', `arguments of ${module} must be a mapping`, loc);
    return args;
  }

  private inspectArgs(module: string, args: Record<string, unknown>, loc: Loc): void {
    const refusal = remoteSourceRefusal(module, args);
    if (refusal) this.fail('module-forbidden', refusal, loc);
    const where = this.whereOf(loc);
    if (module === 'set_fact') {
      const facts = { ...args };
      delete facts.cacheable;
      this.warnings.push(...checkVars(facts, where, { scope: 'extra' }));
    } else if (module === 'debug' && typeof args.var === 'string') {
      if (hasTemplate(args.var)) checkTemplate(args.var, where);
      else checkExpression(args.var, where);
    } else if (module === 'assert') {
      const that = Array.isArray(args.that) ? args.that : [args.that];
      for (const c of that) checkConditional(c, where);
    }
  }

  private loopControl(value: unknown, loc: Loc): void {
    if (!isPlainObject(value)) this.fail('playbook-structure', 'loop_control must be a mapping', loc);
    for (const [key, v] of Object.entries(value)) {
      if (!LOOP_CONTROL_KEYS.has(key)) this.fail('playbook-structure', `${show(key)} is not a loop_control key`, this.at(loc, key));
      if (key === 'loop_var' || key === 'index_var') {
        if (typeof v !== 'string') this.fail('playbook-structure', `${key} must be a variable name`, this.at(loc, key));
        checkVarName(v, this.whereOf(this.at(loc, key)), 'extra');
      }
      if (key === 'break_when') for (const c of Array.isArray(v) ? v : [v]) checkConditional(c, this.whereOf(this.at(loc, key)));
    }
  }

  // ---- keywords shared by plays, blocks and tasks ----

  private forbiddenKeywords(obj: Record<string, unknown>, loc: Loc): void {
    for (const key of Object.keys(obj)) {
      const reason = FORBIDDEN_KEYWORDS[key];
      if (reason) this.fail('keyword-forbidden', `${key}: ${reason}`, this.at(loc, key));
    }
  }

  private commonKeywords(obj: Record<string, unknown>, loc: Loc): void {
    if (obj.become_method !== undefined && obj.become_method !== 'sudo' && obj.become_method !== 'su') {
      this.fail('keyword-forbidden', `become_method must be sudo or su (got ${show(String(obj.become_method))})`, this.at(loc, 'become_method'));
    }
    if (obj.remote_user !== undefined) {
      const bad = badUserName(obj.remote_user);
      if (bad) this.fail('keyword-forbidden', `remote_user ${bad}; it goes into the ssh command line`, this.at(loc, 'remote_user'));
    }
    if (obj.port !== undefined && !(Number.isInteger(obj.port) && (obj.port as number) > 0 && (obj.port as number) < 65536)) {
      this.fail('keyword-forbidden', 'port must be a literal port number', this.at(loc, 'port'));
    }
    if (obj.vars !== undefined && obj.vars !== null) {
      const vloc = this.at(loc, 'vars');
      if (!isPlainObject(obj.vars)) this.fail('playbook-structure', 'vars must be a mapping', vloc);
      this.warnings.push(...checkVars(obj.vars, this.whereOf(vloc), { scope: 'extra' }));
    }
    for (const key of CONDITIONAL_KEYWORDS) {
      const value = obj[key];
      if (value === undefined) continue;
      const cloc = this.at(loc, key);
      for (const c of Array.isArray(value) ? value : [value]) checkConditional(c, this.whereOf(cloc));
    }
  }

  private hosts(value: unknown, loc: Loc): void {
    const patterns = Array.isArray(value) ? value : [value];
    if (value === null || value === undefined || patterns.length === 0) this.fail('playbook-structure', 'hosts: is empty', loc);
    for (const p of patterns) {
      if (typeof p !== 'string' || p.trim() === '') this.fail('playbook-structure', 'hosts: must be host patterns', loc);
      if (hasTemplate(p)) {
        this.fail('hosts-forbidden', `hosts: ${show(p)} must be a literal pattern; a template could name localhost`, loc);
      }
      const bad = badHostPattern(p);
      if (bad) this.fail('hosts-forbidden', `hosts: ${show(p)} ${bad}`, loc);
    }
  }

  /** Every string (and key) that Ansible would template must pass checkTemplate. */
  private strings(value: unknown, loc: Loc, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('too-large', `nested deeper than ${MAX_DEPTH} levels`, loc);
    if (typeof value === 'string') {
      if (hasTemplate(value)) checkTemplate(value, this.whereOf(loc));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => this.strings(v, this.at(loc, i), depth + 1));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (hasTemplate(k)) checkTemplate(k, this.whereOf(loc));
        this.strings(v, this.at(loc, k), depth + 1);
      }
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      this.fail('playbook-structure', 'unsupported YAML value (sets, ordered maps and binary data are not allowed)', loc);
    }
  }

  // ---- locations ----

  private at(loc: Loc, key: string | number): Loc {
    return { path: [...loc.path, key], label: typeof key === 'number' ? `${loc.label}[${key}]` : `${loc.label} › ${key}` };
  }

  private whereOf(loc: Loc): string {
    const line = this.lineOf(loc.path);
    return `${this.where}${line ? ` line ${line}` : ''}: ${loc.label}`;
  }

  private lineOf(path: Path): number | undefined {
    for (let n = path.length; n > 0 && this.doc; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  private fail(code: string, message: string, loc: Loc): never {
    throw new PolicyViolation(code, message, this.whereOf(loc));
  }
}

/**
 * Why a play's hosts pattern is refused, or undefined. Ansible adds an implicit localhost
 * (with connection: local) when a pattern names localhost, 127.0.0.1 or ::1, so those
 * (and anything resembling them) are refused.
 */
export function badHostPattern(pattern: string): string | undefined {
  const lower = pattern.toLowerCase();
  if (lower.includes('localhost')) return "names localhost, which Ansible runs on Slipway's machine";
  if (/(^|[^0-9.])127\.\d/.test(lower) || /(^|[,&!:~\s[])0\.0\.0\.0/.test(lower)) {
    return "names a loopback address, which Ansible runs on Slipway's machine";
  }
  if (/(^|[,&!~\s[])(?:0{0,4}:){0,6}:0{0,3}1\]?($|[,&!\s])/.test(lower) || /(^|[,&!~\s[])(?:0{1,4}:){7}0{0,3}1\]?($|[,&!\s])/.test(lower)) {
    return "names the IPv6 loopback address, which Ansible runs on Slipway's machine";
  }
  if (lower.includes('@')) return 'must not contain "@"';
  return undefined;
}
