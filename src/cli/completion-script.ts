/**
 * Shell completion generated from the command tree: subcommand names and flags at every level.
 * Pure: the tree in, the script out.
 */
import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionNode {
  /** Space-separated path below the root ('' for the root). */
  path: string;
  name: string;
  summary: string;
  commands: string[];
  /** --long and -s forms. */
  flags: { long?: string; short?: string; description: string }[];
}

/** Every command of the tree, root first, hidden ones and `help`'s own flags left out. */
export function completionTree(root: Command): CompletionNode[] {
  const out: CompletionNode[] = [];
  const walk = (cmd: Command, path: string): void => {
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    out.push({
      path,
      name: cmd.name(),
      summary: cmd.summary() || cmd.description().split('\n')[0] || '',
      commands: [...subs.map((c) => c.name()), ...(subs.length > 0 ? ['help'] : [])],
      flags: [...cmd.options.filter((o) => !o.hidden), ...(cmd.parent ? [] : [])].map((o) => ({
        ...(o.long ? { long: o.long } : {}),
        ...(o.short ? { short: o.short } : {}),
        description: o.description,
      })).concat([{ long: '--help', short: '-h', description: 'help for this command' }]),
    });
    for (const sub of subs) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(root, '');
  return out;
}

export function completionScript(shell: Shell, tree: CompletionNode[], program = 'slipway'): string {
  switch (shell) {
    case 'bash':
      return bashScript(tree, program);
    case 'zsh':
      return `#compdef ${program}\n# zsh runs the bash completion through bashcompinit.\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(tree, program)}`;
    case 'fish':
      return fishScript(tree, program);
  }
}

const fn = (program: string): string => `_${program.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
const words = (n: CompletionNode): string => [...n.commands, ...n.flags.flatMap((f) => [f.long, f.short].filter((x): x is string => !!x))].join(' ');

function bashScript(tree: CompletionNode[], program: string): string {
  const paths = tree.filter((n) => n.path).map((n) => n.path.replace(/ /g, '/'));
  const cases = tree.map((n) => `    ${JSON.stringify(n.path.replace(/ /g, '/'))}) words=${shQuote(words(n))} ;;`).join('\n');
  return `# ${program} completion for bash: source <(${program} completion bash)
${fn(program)}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w next
  local paths=" ${paths.join(' ')} "
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    next="\${path:+$path/}$w"
    [[ "$paths" == *" $next "* ]] && path="$next"
  done
  local words
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn(program)} ${program}
`;
}

function fishScript(tree: CompletionNode[], program: string): string {
  const lines = [`# ${program} completion for fish: ${program} completion fish | source`, `complete -c ${program} -f`];
  for (const n of tree) {
    const parts = n.path ? n.path.split(' ') : [];
    // The command line holds exactly this path (and nothing of a child's name yet).
    const children = n.commands.filter((c) => c !== 'help');
    const on = parts.length === 0
      ? `__fish_use_subcommand`
      : `__fish_seen_subcommand_from ${parts[parts.length - 1]}${children.length > 0 ? `; and not __fish_seen_subcommand_from ${children.join(' ')}` : ''}`;
    for (const c of n.commands) {
      const child = tree.find((t) => t.path === (n.path ? `${n.path} ${c}` : c));
      lines.push(`complete -c ${program} -n ${shQuote(on)} -a ${c} -d ${shQuote(child?.summary ?? 'help for a command')}`);
    }
    for (const f of n.flags) {
      const flag = [f.long ? `-l ${f.long.slice(2)}` : '', f.short ? `-s ${f.short.slice(1)}` : ''].filter(Boolean).join(' ');
      lines.push(`complete -c ${program} -n ${shQuote(on)} ${flag} -d ${shQuote(f.description.slice(0, 80))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
