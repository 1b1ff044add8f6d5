#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { InputError } from '../api/input-error.js';
import { renderRejection } from './print-rejection.js';
import { defaultBuiltinDir } from '../engine/builtin-dir.js';
import { createLogger } from './logger.js';
import type { SessionOptions } from './operation-session.js';
import { controllerCommand } from './controller-command.js';
import { kubeconfigCommand } from './kubeconfig-command.js';
import { webhookCommand } from './webhook-command.js';
import { consoleCommand } from './console-command.js';
import { planCommand } from './plan-command.js';
import { jobImagePolicyFromFlags } from './job-image-flags.js';
import type { JobImagePolicy } from '../policy/job-image.js';
import { runCommand, type CliIO } from './run-command.js';
import { logsCommand } from './logs-command.js';
import { retryCommand } from './retry-command.js';
import { cancelCommand } from './cancel-command.js';
import { labCommand } from '../lab/lab-command.js';
import { bundleCommand } from '../bundle/bundle-command.js';
import { imagesCommand } from './images-command.js';

const USAGE = `Usage: slipway <command> [options]

Commands:
  run  -f <file|dir>...   run the ClusterOperation(s) in the manifests with ansible, here
  plan -f <file|dir>...   print the plan (inventory, steps, argv) without running anything
  lab <up|ls|down>        machines on this host to try Slipway on (slipway lab --help)
  controller              reconcile ClusterOperations in a Kubernetes cluster (see controller --help)
  webhook                 serve only the controller's admission webhook (see webhook --help)
  console                 the web console: sign in with a Kubernetes token (console --help)
  kubeconfig <cluster>    print the admin kubeconfig stored after its install (kubeconfig --help)
  logs <operation>        print (-f: follow) an operation's log the controller keeps
  retry <operation>       a new operation from a failed one, on the hosts that failed
  cancel <operation>      stop a running or queued operation (it ends Cancelled)
  bundle <build|serve>    the offline bundle: binaries and images for air-gapped sites
  images push             push Slipway's images from the bundle to your registry (images --help)

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
  --kubeconfig-out <file> write the admin kubeconfig an install fetched (mode 0600)
  --max-input-bytes <n>   largest hosts.yml, group_vars.yml, ConfigMap action, SSH key or
                          extraArgs accepted (default 1048576)
  --max-hosts <n>         most hosts an inventory may list (default 5000)
  --default-deadline <s>  seconds an operation may run when its spec sets no
                          activeDeadlineSeconds (default 21600; 0: none)
  --job-image, --allow-job-image, --map-job-image, --no-kubean-image-map
                          (plan) the controller's image policy (see controller --help):
                          plan says which image its Job would run, and why
  -v, --verbose           echo ansible's output
  -h, --help
`;

const stdio = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t) };

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'lab') return labCommand(argv.slice(1), { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) });
  if (argv[0] === 'controller') return controllerCommand(argv.slice(1));
  if (argv[0] === 'webhook') return webhookCommand(argv.slice(1));
  if (argv[0] === 'console') return consoleCommand(argv.slice(1));
  if (argv[0] === 'kubeconfig') return kubeconfigCommand(argv.slice(1), { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) });
  if (argv[0] === 'logs') return logsCommand(argv.slice(1), stdio);
  if (argv[0] === 'retry') return retryCommand(argv.slice(1), stdio);
  if (argv[0] === 'cancel') return cancelCommand(argv.slice(1), stdio);
  if (argv[0] === 'images') return imagesCommand(argv.slice(1));
  if (argv[0] === 'bundle') return bundleCommand(argv.slice(1), { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) });
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
      'kubeconfig-out': { type: 'string' },
      'max-input-bytes': { type: 'string' },
      'max-hosts': { type: 'string' },
      'default-deadline': { type: 'string' },
      'job-image': { type: 'string' },
      'allow-job-image': { type: 'string', multiple: true },
      'map-job-image': { type: 'string', multiple: true },
      'no-kubean-image-map': { type: 'boolean', default: false },
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
  let operator: SessionOptions['operator'];
  let jobImages: JobImagePolicy;
  try {
    operator = operatorFlags(values);
    jobImages = jobImagePolicyFromFlags(values);
  } catch (err) {
    process.stderr.write(`slipway: ${(err as Error).message}\n`);
    return 3;
  }
  const abort = new AbortController();
  // Only when there is something to clean up (ansible, local sshd hosts) does Slipway take
  // SIGINT/SIGTERM itself; otherwise (plan) the default action ends it at once, even in the
  // middle of synchronous parsing, which no handler could interrupt.
  if (command === 'run' || values['local-hosts']) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        if (abort.signal.aborted) process.exit(SIGNAL_EXIT[sig]);
        abort.abort(new Interrupted(sig));
      });
    }
  }
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
    ...(operator ? { operator } : {}),
  };
  switch (command) {
    case 'run':
      return runCommand(
        {
          ...common,
          verbose: values.verbose ?? false,
          ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
          ...(values['status-out'] ? { statusOut: values['status-out'] } : {}),
          ...(values['kubeconfig-out'] ? { kubeconfigOut: values['kubeconfig-out'] } : {}),
        },
        io,
      );
    case 'plan':
      return planCommand({ ...common, jobImages }, io);
    default:
      process.stderr.write(`slipway: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 3;
  }
}

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

class Interrupted extends Error {
  constructor(readonly signal: keyof typeof SIGNAL_EXIT) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

function positiveInt(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new Error(`--${flag} needs a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

/** The operator's bounds from the command line; unset flags keep the defaults. */
function operatorFlags(values: Record<string, unknown>): SessionOptions['operator'] {
  const bytes = positiveInt('max-input-bytes', values['max-input-bytes'] as string | undefined, 1);
  const hosts = positiveInt('max-hosts', values['max-hosts'] as string | undefined, 1);
  const deadline = positiveInt('default-deadline', values['default-deadline'] as string | undefined, 0);
  const limits = {
    ...(bytes !== undefined ? { maxTextBytes: bytes, maxExtraArgsBytes: bytes } : {}),
    ...(hosts !== undefined ? { maxHosts: hosts } : {}),
  };
  return { limits, ...(deadline !== undefined ? { defaultDeadlineSeconds: deadline } : {}) };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof Interrupted) {
      process.stderr.write(`slipway: ${err.message}; nothing more was started\n`);
      process.exit(SIGNAL_EXIT[err.signal]);
    }
    if (err instanceof InputError) {
      process.stderr.write(renderRejection('invalid input, nothing was run', err));
      process.exit(2);
    }
    process.stderr.write(`slipway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
