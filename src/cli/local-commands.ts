/** `slipway run` and `slipway plan`: operations from manifest files, run or planned on this machine. */
import { Command } from 'commander';
import { defaultBuiltinDir } from '../engine/builtin-dir.js';
import { JobImagePolicyError, type JobImagePolicy } from '../policy/job-image.js';
import { createLogger } from './logger.js';
import { collect, type Registrar } from './cli-program.js';
import { Interrupted, UsageError } from './exit-codes.js';
import { jobImageFlags, jobImagePolicyFromFlags } from './job-image-flags.js';
import type { SessionOptions } from './operation-session.js';
import { planCommand } from './plan-command.js';
import { requireFiles } from './required-files.js';
import { runCommand } from './run-command.js';

interface SessionFlags {
  filename: string[];
  operation?: string;
  localHosts?: boolean;
  allowLoopbackHosts?: boolean;
  builtinDir?: string;
  maxInputBytes?: string;
  maxHosts?: string;
  defaultDeadline?: string;
}

interface RunFlags extends SessionFlags {
  logDir?: string;
  statusOut?: string;
  kubeconfigOut?: string;
  verbose?: boolean;
}

interface PlanFlags extends SessionFlags {
  jobImage?: string;
  allowJobImage?: string[];
  mapJobImage?: string[];
  kubeanImageMap?: boolean;
}

function sessionFlags(cmd: Command): Command {
  return cmd
    .requiredOption('-f, --filename <path>', 'manifest file or directory (repeatable; multi-document YAML)', collect)
    .option('--operation <name>', 'only this ClusterOperation')
    .option('--local-hosts', "start the inventory's loopback hosts (127.x.y.z) as local sshd instances with a generated key, then run against them")
    .option('--allow-loopback-hosts', "accept inventory hosts on 127.x.y.z / localhost (refused by default: they reach this machine, not a cluster's host)")
    .option('--builtin-dir <dir>', "builtin playbooks (default: this checkout's playbooks/)")
    .option('--max-input-bytes <n>', 'largest hosts.yml, group_vars.yml, ConfigMap action, SSH key or extraArgs accepted (default 1048576)')
    .option('--max-hosts <n>', 'most hosts an inventory may list (default 5000)')
    .option('--default-deadline <s>', 'seconds an operation may run when its spec sets no activeDeadlineSeconds (default 21600; 0: none)');
}

export function registerLocalCommands({ program, io, action }: Registrar): void {
  sessionFlags(
    program
      .command('run')
      .summary('run the ClusterOperation(s) in the manifests with ansible, here')
      .description('Runs the ClusterOperations of the manifests, in file order, with ansible in a sandbox on this machine; stops at the first that fails. Ctrl-C stops the running step: the operation ends Cancelled, exit 130.'),
  )
    .option('--log-dir <dir>', 'per-operation logs (default: ~/.local/state/slipway/logs)')
    .option('--status-out <file>', 'write the resulting statuses as JSON: {"ClusterOperation/<name>": status, "Cluster/<name>": status}')
    .option('--kubeconfig-out <file>', 'write the admin kubeconfig an install fetched (mode 0600)')
    .option('-v, --verbose', "echo ansible's output")
    .action(action(async (flags: RunFlags) => {
      const common = session(flags);
      const abort = takeStopSignals();
      const code = await runCommand(
        {
          ...common,
          verbose: flags.verbose ?? false,
          ...(flags.logDir ? { logDir: flags.logDir } : {}),
          ...(flags.statusOut ? { statusOut: flags.statusOut } : {}),
          ...(flags.kubeconfigOut ? { kubeconfigOut: flags.kubeconfigOut } : {}),
        },
        { out: io.out, err: io.err, logger: cliLogger(flags.verbose), signal: abort.signal, colour: io.colour },
      );
      const reason: unknown = abort.signal.reason;
      return reason instanceof Interrupted ? reason.exitCode : code;
    }));

  sessionFlags(
    program
      .command('plan')
      .summary('print the plan (inventory, steps, argv) without running anything')
      .description('Prints what `run` (or the controller) would do for each ClusterOperation of the manifests: the inventory, files, steps and argv, secrets redacted, or why it is refused. Runs nothing.'),
  )
    .option('--job-image <image>', "the controller's job image (see controller --help): plan says which image its Job would run, and why")
    .option('--allow-job-image <ref>', 'an image spec.image may name besides the job image (repeatable)', collect)
    .option('--map-job-image <from=to>', 'run <to> when spec.image is <from> (repeatable)', collect)
    .option('--no-kubean-image-map', "do not map kubean's spray-job to the job image")
    .action(action(async (flags: PlanFlags) => {
      let jobImages: JobImagePolicy;
      try {
        jobImages = jobImagePolicyFromFlags(jobImageFlags(flags));
      } catch (err) {
        if (err instanceof JobImagePolicyError) throw new UsageError(err.message);
        throw err;
      }
      // Without local hosts to stop, the default action ends plan at once, even mid-parse.
      const signal = flags.localHosts ? takeStopSignals().signal : new AbortController().signal;
      return planCommand({ ...session(flags), jobImages }, { out: io.out, err: io.err, logger: cliLogger(false), signal, colour: io.colour });
    }));
}

/**
 * Structured logs on stderr only with -v (or SLIPWAY_LOG_LEVEL): what they say of steps the human
 * view prints already, and JSON lines amid it would only get in the way. Errors always.
 */
function cliLogger(verbose: boolean | undefined): ReturnType<typeof createLogger> {
  return createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? (verbose ? 'info' : 'error') });
}

/**
 * SIGINT/SIGTERM abort the returned controller (with Interrupted) so the running step and local
 * hosts are stopped; a second signal ends the process at once.
 */
function takeStopSignals(): AbortController {
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (abort.signal.aborted) process.exit(new Interrupted(sig).exitCode);
      abort.abort(new Interrupted(sig));
    });
  }
  return abort;
}

function session(flags: SessionFlags): Omit<SessionOptions, 'stopOnFailure'> & { builtinDir: string } {
  requireFiles('-f', flags.filename);
  if (flags.builtinDir) requireFiles('--builtin-dir', [flags.builtinDir]);
  const bytes = wholeNumber('max-input-bytes', flags.maxInputBytes, 1);
  const hosts = wholeNumber('max-hosts', flags.maxHosts, 1);
  const deadline = wholeNumber('default-deadline', flags.defaultDeadline, 0);
  const limits = {
    ...(bytes !== undefined ? { maxTextBytes: bytes, maxExtraArgsBytes: bytes } : {}),
    ...(hosts !== undefined ? { maxHosts: hosts } : {}),
  };
  return {
    files: flags.filename,
    builtinDir: flags.builtinDir ?? defaultBuiltinDir(),
    localHosts: flags.localHosts ?? false,
    allowLoopbackHosts: flags.allowLoopbackHosts ?? false,
    ...(flags.operation ? { operation: flags.operation } : {}),
    operator: { limits, ...(deadline !== undefined ? { defaultDeadlineSeconds: deadline } : {}) },
  };
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} needs a whole number >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}
