import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { ProblemSink } from '../api/input-error.js';
import { badUserName } from './host-address.js';
import { checkConditional, checkExpression, checkTemplatable, hasTemplate } from './jinja.js';
import { CONTROLLER_MODULES, INSPECTED_MODULES, resolveModule } from './modules.js';
import {
  BLOCK_KEYWORDS, CONDITIONAL_KEYWORDS, DATA_LOOKUPS, FORBIDDEN_KEYWORDS, LOOP_CONTROL_KEYS,
  PLAY_KEYWORDS, STRATEGIES,
} from './playbook-keywords.js';
import { Refusal, countingSink, joinPath, show, within, type PolicyCode } from './policy-error.js';
import { taskAction } from './task-action.js';
import { guardTemplate } from './template-guard.js';
import { checkVarName, checkVars, isPlainObject } from './vars.js';
import { ansibleYaml } from './yaml-options.js';

/**
 * Polices a user playbook (from a ConfigMap) so that it can only act on the inventory's
 * hosts: no localhost plays, no delegation or connection changes, no modules that read or
 * write Slipway's files or add hosts, no files loaded from Slipway's machine, and every
 * template checked. Variables it sets (vars:, set_fact, register, loop_var) follow the
 * 'extra' scope rules, because play and task variables outrank the inventory just like -e:
 * `vars: {ansible_host: …}` would send the play to another machine.
 * Problems go to `sink` (path: play/task label, line), one per refused play or task.
 * Returns the text to hand to Ansible, the same playbook with every template guarded
 * (template-guard.ts), or undefined when anything was refused.
 */
export function checkPlaybook(yamlText: string, sink: ProblemSink): string | undefined {
  return new PlaybookChecker(yamlText, sink).run();
}

type Path = (string | number)[];

interface Loc {
  path: Path;
  label: string;
}

const MAX_TEXT = 1024 * 1024;
const TASK_LISTS = ['pre_tasks', 'tasks', 'post_tasks', 'handlers'];
const MAX_DEPTH = 100;
// Characters PyYAML (which Ansible uses) treats as line breaks or rejects, but the yaml
// package might read as ordinary text: refusing them keeps both parsers seeing one document.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SUSPICIOUS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]/;

class PlaybookChecker {
  private readonly lines = new LineCounter();
  private readonly sink: ProblemSink & { readonly errors: number };
  private doc?: Document.Parsed;

  constructor(
    private readonly text: string,
    sink: ProblemSink,
  ) {
    this.sink = countingSink(sink);
  }

  run(): string | undefined {
    if (this.text.length > MAX_TEXT) {
      this.sink.error('too-large', `playbook is ${this.text.length} characters; the limit is ${MAX_TEXT}`);
      return undefined;
    }
    const bad = SUSPICIOUS.exec(this.text.startsWith('\ufeff') ? ` ${this.text.slice(1)}` : this.text);
    if (bad) {
      const line = this.text.slice(0, bad.index).split('\n').length;
      this.sink.error('yaml-syntax', `character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in a playbook`, { line });
      return undefined;
    }
    const doc = parseDocument(this.text, { ...ansibleYaml({ ansibleTags: true }), lineCounter: this.lines });
    this.doc = doc;
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      this.sink.error('yaml-syntax', problem.message.split('\n')[0]!, { line: this.lines.linePos(problem.pos[0]).line });
      return undefined;
    }
    let plays: unknown;
    try {
      plays = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      this.sink.error('too-large', `cannot expand the playbook's aliases: ${(err as Error).message}`);
      return undefined;
    }
    if (!Array.isArray(plays) || plays.length === 0) {
      this.sink.error('playbook-structure', 'a playbook must be a non-empty list of plays');
      return undefined;
    }
    plays.forEach((p, i) => {
      const name = isPlainObject(p) && typeof p.name === 'string' ? ` ${show(p.name, 40)}` : '';
      this.guarded(() => this.play(p, { path: [i], label: `play ${i + 1}${name}` }));
    });
    return this.sink.errors > 0 ? undefined : this.guardedText(doc);
  }

  /** The playbook as written, with every template rewritten by guardTemplate. */
  private guardedText(doc: Document.Parsed): string {
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && hasTemplate(node.value)) node.value = guardTemplate(node.value);
      },
    });
    return doc.toString({ lineWidth: 0 });
  }

  /** Runs one check and files its Refusal; the Refusal already carries its full location. */
  private guarded(check: () => void): void {
    try {
      check();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.sink.error(err.code, err.message, err.at);
    }
  }

  /** Runs a helper whose Refusal is relative to `loc`, rethrowing it located. */
  private at_(loc: Loc, check: () => void): void {
    try {
      check();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const label = joinPath(loc.label, err.at.path?.startsWith('[') ? err.at.path : err.at.path && ` › ${err.at.path}`);
      throw new Refusal(err.code, err.message, { path: label, line: this.lineOf(loc.path) });
    }
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
    this.strings(play, loc, 0, TASK_LISTS);
    for (const key of TASK_LISTS) {
      if (key in play) this.taskList(play[key], this.at(loc, key));
    }
  }

  private taskList(list: unknown, loc: Loc): void {
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) this.fail('playbook-structure', 'must be a list of tasks', loc);
    list.forEach((t, i) => {
      const name = isPlainObject(t) && typeof t.name === 'string' ? ` ${show(t.name, 40)}` : '';
      this.guarded(() => this.task(t, { path: [...loc.path, i], label: `${loc.label}[${i}]${name}` }));
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
      this.strings(task, loc, 0, ['block', 'rescue', 'always']);
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
      const rloc = this.at(loc, 'register');
      if (typeof task.register !== 'string') this.fail('playbook-structure', 'register must be a variable name', rloc);
      this.at_(this.at(rloc, task.register), () => checkVarName(task.register as string, 'extra'));
    }
    if (task.loop_control !== undefined) this.loopControl(task.loop_control, this.at(loc, 'loop_control'));

    let action: ReturnType<typeof taskAction> | undefined;
    this.at_(loc, () => {
      action = taskAction(task, (m) => INSPECTED_MODULES.has(resolveModule(m).key));
    });
    const moduleLoc = this.at(loc, action!.key);
    const module = resolveModule(action!.module);
    if (module.refusal) this.fail(module.code!, `module ${show(action!.module)} ${module.refusal}`, moduleLoc);
    if (action!.args) this.inspectArgs(module.key, action!.args, moduleLoc);
    this.strings(task, loc, 0);
  }

  private inspectArgs(module: string, args: Record<string, unknown>, loc: Loc): void {
    const controller = CONTROLLER_MODULES[module];
    if (controller) {
      const unknown = Object.keys(args).find((a) => !controller.args.has(a));
      if (unknown !== undefined) {
        this.fail('module-argument', `${module} argument ${show(unknown)} is not one Slipway knows to act only on the host (known: ${[...controller.args].join(', ')})`, loc);
      }
      const local = controller.localRead(args);
      if (local) this.fail('module-argument', `${module}: ${local}`, loc);
    } else if (module === 'set_fact') {
      const facts = { ...args };
      delete facts.cacheable;
      checkVars(facts, this.sinkAt(loc), { scope: 'extra' });
    } else if (module === 'debug' && typeof args.var === 'string') {
      const v = args.var;
      this.at_(loc, () => (hasTemplate(v) ? checkTemplatable(v) : checkExpression(v)));
    } else if (module === 'assert') {
      const that = Array.isArray(args.that) ? args.that : [args.that];
      for (const c of that) this.at_(loc, () => checkConditional(c));
    }
  }

  private loopControl(value: unknown, loc: Loc): void {
    if (!isPlainObject(value)) this.fail('playbook-structure', 'loop_control must be a mapping', loc);
    for (const [key, v] of Object.entries(value)) {
      const kloc = this.at(loc, key);
      if (!LOOP_CONTROL_KEYS.has(key)) this.fail('playbook-structure', `${show(key)} is not a loop_control key`, kloc);
      if (key === 'loop_var' || key === 'index_var') {
        if (typeof v !== 'string') this.fail('playbook-structure', `${key} must be a variable name`, kloc);
        this.at_(this.at(kloc, v as string), () => checkVarName(v as string, 'extra'));
      }
      if (key === 'break_when') for (const c of Array.isArray(v) ? v : [v]) this.at_(kloc, () => checkConditional(c));
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
      checkVars(obj.vars, this.sinkAt(vloc), { scope: 'extra' });
    }
    for (const key of CONDITIONAL_KEYWORDS) {
      const value = obj[key];
      if (value === undefined) continue;
      const cloc = this.at(loc, key);
      for (const c of Array.isArray(value) ? value : [value]) this.at_(cloc, () => checkConditional(c));
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

  /** Every string (and key) that Ansible may template must pass checkTemplatable. */
  private strings(value: unknown, loc: Loc, depth: number, skip: string[] = []): void {
    if (depth > MAX_DEPTH) this.fail('too-large', `nested deeper than ${MAX_DEPTH} levels`, loc);
    if (typeof value === 'string') {
      this.at_(loc, () => checkTemplatable(value));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => this.strings(v, this.at(loc, i), depth + 1));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (skip.includes(k)) continue;
        this.at_(loc, () => checkTemplatable(k));
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

  /** A sink for checks that report themselves (variables), placed at `loc`. */
  private sinkAt(loc: Loc): ProblemSink {
    return within(this.sink, { path: `${loc.label} › `, line: this.lineOf(loc.path) });
  }

  private lineOf(path: Path): number | undefined {
    for (let n = path.length; n > 0 && this.doc; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  private fail(code: PolicyCode, message: string, loc: Loc): never {
    throw new Refusal(code, message, { path: loc.label, line: this.lineOf(loc.path) });
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
