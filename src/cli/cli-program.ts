/**
 * The command tree and the conventions every command keeps: unknown commands and flags answered
 * with the nearest match and exit 2, help on stdout (exit 0) when asked for, errors mapped to the
 * documented exit codes (exit-codes.ts). Commands register themselves (main.ts lists them).
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../api/input-error.js';
import { EXIT, EXIT_CODES_HELP, EXIT_CODES_LINE, CommandError, Interrupted, UsageError } from './exit-codes.js';
import { renderRejection } from './print-rejection.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Standard output is a terminal that takes colour (never with NO_COLOR). */
  colour: boolean;
}

/** What a command's action returns: its exit code. */
export type Action<A extends unknown[]> = (...args: A) => Promise<number>;

export interface Registrar {
  program: Command;
  io: CliIO;
  /** Wraps an action so its exit code becomes the process's. */
  action: <A extends unknown[]>(fn: Action<A>) => (...args: A) => Promise<void>;
}

export type Register = (r: Registrar) => void;

/** Appends a repeatable flag's values (commander keeps only the last one otherwise). */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const ROOT_HELP = `
Examples:
  slipway lab up && slipway run -f ~/.local/state/slipway/lab/lab/inputs
  slipway plan -f examples/local
  slipway get clusters
  slipway describe cluster my-cluster
  slipway watch my-cluster-install
  slipway apply -f kubean-manifests/ --dry-run

${EXIT_CODES_HELP}`;

export function buildProgram(io: CliIO, registers: readonly Register[]): { program: Command; code: () => number } {
  let code: number = EXIT.done;
  const program = new Command('slipway')
    .description('Lifecycle of Kubernetes clusters on hosts you bring: kubean-compatible Cluster and ClusterOperation, run with ansible here or by the controller')
    .exitOverride()
    .showSuggestionAfterError(true)
    .helpCommand('help [command]', 'help for a command')
    .addHelpText('after', ROOT_HELP);
  const registrar: Registrar = {
    program,
    io,
    action: (fn) => async (...args) => {
      code = await fn(...args);
    },
  };
  for (const register of registers) register(registrar);
  forEachCommand(program, (cmd, path) => {
    cmd.exitOverride().showSuggestionAfterError(true);
    const prefix = path ? `slipway ${path}: ` : 'slipway: ';
    cmd.configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(text.replace(/^error: /, prefix)) });
    cmd.showHelpAfterError(`See 'slipway ${path ? `${path} ` : ''}--help'.`);
    if (cmd !== program && cmd.commands.length === 0) cmd.addHelpText('after', `\n${EXIT_CODES_LINE}`);
  });
  return { program, code: () => code };
}

export function forEachCommand(cmd: Command, visit: (cmd: Command, path: string) => void, path = ''): void {
  visit(cmd, path);
  for (const sub of cmd.commands) forEachCommand(sub, visit, path ? `${path} ${sub.name()}` : sub.name());
}

/** Parses and runs; every outcome, thrown or returned, becomes an exit code here. */
export async function runCli(argv: string[], io: CliIO, registers: readonly Register[]): Promise<number> {
  const { program, code } = buildProgram(io, registers);
  let path = '';
  program.hook('preAction', (_root, cmd) => {
    const names: string[] = [];
    for (let c: Command | null = cmd; c && c !== program; c = c.parent) names.unshift(c.name());
    path = names.join(' ');
  });
  try {
    await program.parseAsync(rewriteArgv(program, argv), { from: 'user' });
    return code();
  } catch (err) {
    return exitCodeOf(err, path ? `slipway ${path}` : 'slipway', io);
  }
}

/**
 * `slipway --version` is `slipway version`; `slipway help NAME` is `slipway NAME --help` (for a
 * NAME that is no command: the unknown-command error, with its suggestion).
 */
function rewriteArgv(program: Command, argv: string[]): string[] {
  if (argv[0] === '--version' || argv[0] === '-V') return ['version', ...argv.slice(1)];
  // `help A B` is `A B --help`: the commands that parse their own flags print their own help.
  if (argv[0] !== 'help' || argv.length < 2) return argv;
  const known = program.commands.some((c) => c.name() === argv[1] || c.aliases().includes(argv[1]!));
  return known ? [...argv.slice(1), '--help'] : [argv[1]!];
}

function exitCodeOf(err: unknown, prefix: string, io: CliIO): number {
  if (err instanceof CommanderError) {
    // Already printed by commander. Help asked for is done; help because a command is missing is a usage error.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.done;
    if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.done : EXIT.usage;
    return EXIT.usage;
  }
  if (err instanceof Interrupted) {
    io.err(`${prefix}: ${err.message}; nothing more was started\n`);
    return err.exitCode;
  }
  if (err instanceof InputError) {
    io.err(renderRejection('invalid input, nothing was run', err));
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    io.err(`${prefix}: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CommandError) {
    io.err(`${prefix}: ${err.message}\n`);
    return EXIT.failed;
  }
  const parseError = (err as { code?: unknown }).code;
  if (typeof parseError === 'string' && parseError.startsWith('ERR_PARSE_ARGS')) {
    io.err(`${prefix}: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  io.err(`${prefix}: ${describeError(err)}\n`);
  return EXIT.failed;
}

/** An apiserver's answer says what it refused; anything else its message. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not a Status: the message below
    }
  }
  return err.message;
}
