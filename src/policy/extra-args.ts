import type { ProblemSink } from '../api/input-error.js';
import { badUserName } from './host-address.js';
import { parseExtraVarsText } from './extra-vars-text.js';
import { Refusal, countingSink, reportRefusals, show, within } from './policy-error.js';
import { splitShellWords } from './shell-words.js';
import { guardValue, jsonUnsafe } from './template-guard.js';
import { checkVars } from './vars.js';

export interface ParsedExtraArgs {
  /** Normalized, safe arguments to append to the ansible-playbook command. */
  argv: string[];
  limit?: string;
  /** One mapping per -e, in order (later ones win in Ansible). */
  extraVars: Record<string, unknown>[];
  tags?: string;
  skipTags?: string;
}

export interface ExtraArgsOptions {
  /** When given, -e may only set these variables. */
  allowedVarNames?: Iterable<string>;
}

type ValueCheck = (value: string) => string | undefined;

interface Allowed {
  takesValue: boolean;
  check?: ValueCheck;
}

const noControl: ValueCheck = (v) =>
  v === '' ? 'must not be empty' : [...v].some((c) => c < ' ' || c === '\u007f') ? 'contains a control character' : undefined;

const intBetween = (min: number, max: number): ValueCheck => (v) =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be an integer from ${min} to ${max}`;

const limitPattern: ValueCheck = (v) =>
  noControl(v) ?? (v.includes('@') ? 'must not contain "@" (a @file pattern reads a file on Slipway\'s machine)' : undefined);

/** The ansible-playbook options extraArgs may use; all of them act only on the inventory's hosts. */
const ALLOWED: Readonly<Record<string, Allowed>> = {
  '--limit': { takesValue: true, check: limitPattern },
  '--extra-vars': { takesValue: true },
  '--tags': { takesValue: true, check: noControl },
  '--skip-tags': { takesValue: true, check: noControl },
  '--check': { takesValue: false },
  '--diff': { takesValue: false },
  '--verbose': { takesValue: false },
  '--forks': { takesValue: true, check: intBetween(1, 500) },
  '--start-at-task': { takesValue: true, check: noControl },
  '--flush-cache': { takesValue: false },
  '--force-handlers': { takesValue: false },
  '--list-hosts': { takesValue: false },
  '--list-tasks': { takesValue: false },
  '--list-tags': { takesValue: false },
  '--syntax-check': { takesValue: false },
  '--become': { takesValue: false },
  '--become-user': { takesValue: true, check: badUserName },
  '--user': { takesValue: true, check: badUserName },
  '--timeout': { takesValue: true, check: intBetween(1, 3600) },
};

const FILE = "reads a file on Slipway's machine";
const PROMPT = 'asks for input on a terminal, which an operation does not have';
const SSH_ARGS = "adds arguments to the ssh command run on Slipway's machine (-o ProxyCommand=… runs any command there)";
const FORBIDDEN: Readonly<Record<string, string>> = {
  '--inventory': "adds inventory sources: hosts outside this cluster, or inventory scripts run on Slipway's machine",
  '--inventory-file': "adds inventory sources: hosts outside this cluster, or inventory scripts run on Slipway's machine",
  '--private-key': `${FILE}; the key comes from the cluster's SSH Secret`,
  '--key-file': `${FILE}; the key comes from the cluster's SSH Secret`,
  '--connection': "changes the connection plugin (\"local\" runs every task on Slipway's machine)",
  '--module-path': "loads modules from Slipway's filesystem",
  '--vault-id': `${FILE} (or runs it, if it is an executable vault script)`,
  '--vault-password-file': `${FILE} (or runs it, if it is executable)`,
  '--vault-pass-file': `${FILE} (or runs it, if it is executable)`,
  '--connection-password-file': FILE,
  '--conn-pass-file': FILE,
  '--become-password-file': FILE,
  '--become-pass-file': FILE,
  '--ask-vault-password': PROMPT,
  '--ask-vault-pass': PROMPT,
  '--ask-pass': PROMPT,
  '--ask-become-pass': PROMPT,
  '--step': PROMPT,
  '--ssh-common-args': SSH_ARGS,
  '--ssh-extra-args': SSH_ARGS,
  '--scp-extra-args': SSH_ARGS,
  '--sftp-extra-args': SSH_ARGS,
  '--become-method': 'selects a privilege-escalation plugin; set ansible_become_method (sudo or su) in the cluster\'s hosts.yml instead',
  '--help': 'prints help instead of running the playbook',
  '--version': 'prints the version instead of running the playbook',
  '--': 'ends the options; every word after it would be read as another playbook',
};

const SHORT: Readonly<Record<string, string>> = {
  l: '--limit', e: '--extra-vars', t: '--tags', C: '--check', D: '--diff', v: '--verbose',
  f: '--forks', b: '--become', u: '--user', T: '--timeout',
  i: '--inventory', c: '--connection', M: '--module-path', k: '--ask-pass', K: '--ask-become-pass', h: '--help',
};

/** `--opt value`, or `--opt=value` when the value could be taken for an option. */
function optionArgs(option: string, value: string): string[] {
  return value.startsWith('-') ? [`${option}=${value}`] : [option, value];
}

const PLAIN_VALUE = /^[A-Za-z0-9_.,:/@%+-]*$/;

/**
 * The -e value handed to Ansible: `k=v k2=v2` when every value is a plain string that
 * Ansible's key=value parser reads back unchanged (readable in plans and logs), otherwise
 * JSON, with templates and "{"/"#" strings guarded (template-guard.ts). Either way Ansible
 * receives the data that was checked.
 */
function extraVarsArg(vars: Record<string, unknown>): string {
  const entries = Object.entries(vars);
  if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string' && PLAIN_VALUE.test(v))) {
    return entries.map(([k, v]) => `${k}=${v as string}`).join(' ');
  }
  return JSON.stringify(guardValue(vars, jsonUnsafe));
}

/**
 * Parses a ClusterOperation's extraArgs into ansible-playbook arguments, allowing only
 * options that act on the inventory's hosts and refusing everything else by name.
 * Returned argv is rebuilt from what was checked (`--limit x`, `-e k=v` or `-e <json>`…),
 * never the user's words, so no value can be read as another option. Problems go to `sink`
 * (the first one about the words; every refused -e variable); undefined when there were any.
 */
export function parseExtraArgs(input: string | undefined, sink: ProblemSink, opts: ExtraArgsOptions = {}): ParsedExtraArgs | undefined {
  const counted = countingSink(sink);
  let result: ParsedExtraArgs | undefined;
  reportRefusals(counted, {}, () => {
    result = parseWords(input, counted, opts);
  });
  return counted.errors > 0 ? undefined : result;
}

function parseWords(input: string | undefined, sink: ProblemSink, opts: ExtraArgsOptions): ParsedExtraArgs {
  const result: ParsedExtraArgs = { argv: [], extraVars: [] };
  if (input === undefined) return result;
  const words = splitShellWords(input);
  const allowedVars = opts.allowedVarNames ? new Set(opts.allowedVarNames) : undefined;
  const tags: string[] = [];
  const skipTags: string[] = [];
  let verbosity = 0;

  const apply = (option: string, value: string | undefined, written: string): void => {
    const spec = ALLOWED[option]!;
    if (spec.takesValue && value !== undefined) {
      const problem = spec.check?.(value);
      if (problem) throw new Refusal('option-value', `${written}: ${show(value)} ${problem}`);
    }
    switch (option) {
      case '--limit':
        if (result.limit !== undefined) {
          throw new Refusal('option-repeated', `${written} given twice; Ansible would silently use only the last one — combine the patterns with ","`);
        }
        result.limit = value!;
        result.argv.push(...optionArgs('--limit', value!));
        return;
      case '--extra-vars': {
        const vars = parseExtraVarsText(value!);
        if (allowedVars) {
          const stray = Object.keys(vars).find((n) => !allowedVars.has(n));
          if (stray !== undefined) {
            throw new Refusal('var-forbidden', `may not be set for this operation (allowed: ${[...allowedVars].join(', ') || 'none'})`, { path: `-e ${stray}` });
          }
        }
        checkVars(vars, within(sink, { path: '-e ' }), { scope: 'extra' });
        result.extraVars.push(vars);
        result.argv.push('-e', extraVarsArg(vars));
        return;
      }
      case '--tags':
        tags.push(value!);
        result.argv.push(...optionArgs('--tags', value!));
        return;
      case '--skip-tags':
        skipTags.push(value!);
        result.argv.push(...optionArgs('--skip-tags', value!));
        return;
      case '--verbose':
        verbosity++;
        return;
      default:
        result.argv.push(...(spec.takesValue ? optionArgs(option, value!) : [option]));
    }
  };

  const refuse = (option: string, written: string): never => {
    const why = FORBIDDEN[option];
    if (why) throw new Refusal('option-forbidden', `${written} is not allowed: it ${why}`);
    const near = option.length < 4 ? [] : [...Object.keys(ALLOWED), ...Object.keys(FORBIDDEN)].filter((o) => o.startsWith(option));
    const hint = near.length ? ` (abbreviations are not accepted; did you mean ${near.join(' or ')}?)` : '';
    throw new Refusal('option-unknown', `${show(written)} is not an ansible-playbook option Slipway allows${hint}`);
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const nextValue = (written: string): string => {
      const next = words[i + 1];
      if (next === undefined || (next.startsWith('-') && next.length > 1)) {
        throw new Refusal('option-value', `${written} needs a value${next ? ` (got ${show(next)})` : ''}`);
      }
      i++;
      return next;
    };

    if (word === '--') refuse('--', word);
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const option = eq < 0 ? word : word.slice(0, eq);
      if (!ALLOWED[option]) refuse(option, option);
      const spec = ALLOWED[option]!;
      if (!spec.takesValue && eq >= 0) throw new Refusal('option-value', `${option} takes no value`);
      const value = spec.takesValue ? (eq >= 0 ? word.slice(eq + 1) : nextValue(option)) : undefined;
      apply(option, value, option);
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      // A cluster of short options, e.g. -vvv, -bC, -lnode1, -e x=1.
      for (let j = 1; j < word.length; j++) {
        const letter = word[j]!;
        const option = SHORT[letter];
        const written = `-${letter}`;
        if (!option) refuse(written, written);
        if (!ALLOWED[option!]) refuse(option!, written);
        if (!ALLOWED[option!]!.takesValue) {
          apply(option!, undefined, written);
          continue;
        }
        const rest = word.slice(j + 1);
        apply(option!, rest !== '' ? rest : nextValue(written), written);
        break;
      }
      continue;
    }
    const hint = /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) ? ` (did you mean -e ${word}?)` : '';
    throw new Refusal('positional-argument', `${show(word)} is not an option; ansible-playbook would run it as another playbook${hint}`);
  }
  if (verbosity) result.argv.push(`-${'v'.repeat(Math.min(verbosity, 6))}`);
  if (tags.length) result.tags = tags.join(',');
  if (skipTags.length) result.skipTags = skipTags.join(',');
  return result;
}
