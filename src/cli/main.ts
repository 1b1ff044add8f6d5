#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { InputError } from '../api/input-error.js';
import { renderRejection } from './print-rejection.js';
import { defaultBuiltinDir } from '../engine/builtin-dir.js';
import { createLogger } from '../util/logger.js';
import { planCommand } from './plan-command.js';
import { runCommand, type CliIO } from './run-command.js';

const USAGE = `Usage: slipway <command> [options]

Commands:
  run  -f <file|dir>...   run the ClusterOperation(s) in the manifests with ansible, here
  plan -f <file|dir>...   print the plan (inventory, steps, argv) without running anything

Options:
  -f, --filename <path>   manifest file or directory (repeatable; multi-document YAML)
  --operation <name>      only this ClusterOperation
  --local-hosts           start the inventory's loopback hosts (127.x.y.z) as local sshd
                          instances with a generated key, then run against them
  --allow-loopback-hosts  accept inventory hosts on 127.x.y.z / localhost (refused by
                          default: they reach this machine, not a cluster's host)
  --builtin-dir <dir>     builtin playbooks (default: this checkout's playbooks/)
  --log-dir <dir>         per-operation logs (default: ~/.local/state/slipway/logs)
  --status-out <file>     write the resulting ClusterOperation status as JSON
  -v, --verbose           echo ansible's output
  -h, --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      filename: { type: 'string', short: 'f', multiple: true },
      operation: { type: 'string' },
      'local-hosts': { type: 'boolean', default: false },
      'allow-loopback-hosts': { type: 'boolean', default: false },
      'builtin-dir': { type: 'string' },
      'log-dir': { type: 'string' },
      'status-out': { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 3;
  }
  const files = values.filename ?? [];
  if (files.length === 0) {
    process.stderr.write(`slipway: ${command} needs -f <file|dir>\n\n${USAGE}`);
    return 3;
  }
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort(new Error(`received ${sig}`)));
  const io: CliIO = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    logger: createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' }),
    signal: abort.signal,
  };
  const builtinDir = values['builtin-dir'] ?? defaultBuiltinDir();
  const common = {
    files,
    builtinDir,
    localHosts: values['local-hosts'] ?? false,
    allowLoopbackHosts: values['allow-loopback-hosts'] ?? false,
    ...(values.operation ? { operation: values.operation } : {}),
  };
  switch (command) {
    case 'run':
      return runCommand(
        {
          ...common,
          verbose: values.verbose ?? false,
          ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
          ...(values['status-out'] ? { statusOut: values['status-out'] } : {}),
        },
        io,
      );
    case 'plan':
      return planCommand(common, io);
    default:
      process.stderr.write(`slipway: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 3;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof InputError) {
      process.stderr.write(renderRejection('invalid input, nothing was run', err));
      process.exit(2);
    }
    process.stderr.write(`slipway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
