import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readlink } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ClusterOperation } from '../api/types.js';
import type { Plan, Step } from '../engine/plan-types.js';
import { sweepLeftovers, sweepStepCgroups } from '../sandbox/leftovers.js';
import { STEP_CGROUP_PARENT } from '../sandbox/limit-cgroups.js';
import { launchSandboxedStep, execFailure, type SandboxedStepUsage } from '../sandbox/sandboxed-step.js';
import {
  describeUnavailable,
  detectSandboxSupport,
  type SandboxOptions,
  type SandboxRuntime,
  type SandboxSupport,
  type SandboxUnavailable,
} from '../sandbox/sandbox-runtime.js';
import { createLineRedactor, createRedactor, redactDeep, type Redactor } from '../util/redact.js';
import { parseLine, toExecutionEvent } from './ansible-event-parser.js';
import { stepEnv } from '../engine/step-env.js';
import { KubeconfigArtifactError, kubeconfigSecrets, readKubeconfigArtifact } from './kubeconfig-artifact.js';
import { openWorkspace, type Workspace } from './operation-workspace.js';
import { killGroup, spawnStep, type ProcessEnd, type StepProcess } from '../sandbox/step-process.js';
import { createTally, operationOutcome, refusedStep, skippedStep, stepOutcome, tallyEvent, type StopReason } from './step-outcome.js';
import { ExecutionLostError, type DispatchContext, type EventSink, type ExecutionEvent, type ExecutionRef, type Executor, type OperationResult, type StepResult } from './types.js';

export interface LocalExecutorOptions {
  /** The directory `<workdir>/builtin` links to: the repo's playbooks/. */
  builtinDir: string;
  /** Parent of the per-operation work directories; defaults to os.tmpdir(). */
  workRoot?: string;
  /** Every operation's redacted output is appended here. */
  logFile?: string;
  logger?: Logger;
  /** Leave the work directory in place for debugging. */
  keepWorkDir?: boolean;
  /** Between SIGTERM and SIGKILL when a step is stopped; 5000 by default. */
  killGraceMs?: number;
  /** The sandbox every step runs in; see src/sandbox/. */
  sandbox?: SandboxOptions;
}

const STDERR_KEEP = 20;
const DEFAULT_GRACE_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs a plan's steps as child processes of this one, each in its own process group. */
export class LocalExecutor implements Executor {
  /** Runs dispatched and not yet observed to their end, by ref name (`<cluster>/<operation>`). */
  private readonly runs = new Map<string, LocalRun>();

  constructor(private readonly opts: LocalExecutorOptions) {}

  /** Starts `plan` in this process; a second dispatch of the same operation while it runs returns the same ref. */
  dispatch(plan: Plan, _ctx?: DispatchContext, signal?: AbortSignal): Promise<ExecutionRef> {
    const name = `${plan.cluster}/${plan.operation}`;
    if (!this.runs.has(name)) {
      const relay = new EventRelay();
      const result = this.run(plan, relay.sink, signal);
      // Observed (and its failure reported) by observe(); never an unhandled rejection meanwhile.
      result.catch(() => undefined);
      this.runs.set(name, { relay, result });
    }
    return Promise.resolve({ executor: 'local', name });
  }

  /** Its runs live in this process: one an earlier turn dispatched (the operation shows Running) went with the process that ran it. */
  lostRun(operation: ClusterOperation): Promise<string | undefined> {
    return Promise.resolve(operation.status?.status === 'Running' ? 'the controller restarted while it ran locally; it is not run again' : undefined);
  }

  /** Follows a run dispatched by this executor: replays its events so far, then the rest, and returns its result. */
  async observe(ref: ExecutionRef, sink: EventSink): Promise<OperationResult> {
    const run = ref.executor === 'local' ? this.runs.get(ref.name) : undefined;
    if (!run) throw new ExecutionLostError(ref);
    const detach = run.relay.attach(sink);
    try {
      return await run.result;
    } finally {
      detach();
      if (this.runs.get(ref.name) === run) this.runs.delete(ref.name);
    }
  }

  async run(plan: Plan, sink: EventSink, signal?: AbortSignal): Promise<OperationResult> {
    const startTime = new Date().toISOString();
    const deadlineAt = plan.activeDeadlineSeconds ? Date.now() + plan.activeDeadlineSeconds * 1000 : undefined;
    const redact = createRedactor(plan.secrets);
    const logger = this.opts.logger?.child({ cluster: plan.cluster, operation: plan.operation });
    const log = this.opts.logFile ? await openLog(this.opts.logFile) : undefined;
    const emit = safeSink(sink, logger);
    log?.write(`# ${startTime} operation ${plan.cluster}/${plan.operation}: ${plan.action}\n`);

    const support = await this.sandboxSupport();
    await this.sweepOnce(support.runtime);
    const unavailable = support.unavailable[this.network()];
    if (unavailable) {
      const refused = refuseWithoutSandbox(plan, unavailable, emit, log, logger);
      if (refused) {
        const result = operationOutcome(refused, startTime, new Date().toISOString());
        log?.write(`# ${result.endTime} operation ${result.status}: ${result.failed?.message ?? ''}\n`);
        await closeLog(log);
        return this.opts.logFile ? { ...result, logFile: this.opts.logFile } : result;
      }
    }
    const runtime = unavailable ? undefined : support.runtime;
    const workspace = await openWorkspace({
      plan,
      builtinDir: this.opts.builtinDir,
      workRoot: this.opts.workRoot ?? tmpdir(),
      ...(runtime ? { runtime } : {}),
    }).catch(async (error: unknown) => {
      await closeLog(log);
      throw error;
    });
    const workDir = workspace.workDir;
    const steps: StepResult[] = [];
    let kubeconfig: string | undefined;
    let artifactError: string | undefined;
    try {
      for (const [index, step] of plan.steps.entries()) {
        if (steps.some((s) => s.status !== 'Succeeded')) {
          const skipped = skippedStep(step, new Date().toISOString());
          steps.push(skipped);
          emit({ type: 'step-end', index, result: skipped });
          continue;
        }
        emit({ type: 'step-start', index, total: plan.steps.length, step: redactDeep(step, redact) });
        const stepLogger = logger?.child({ step: step.name });
        stepLogger?.info({ argv: step.argv.map(redact) }, 'step started');
        log?.write(`## ${new Date().toISOString()} step ${index + 1}/${plan.steps.length} "${step.name}": ${redact(step.argv.join(' '))}\n`);
        const attempt = () =>
          this.runStep(step, {
            workspace,
            runtime,
            // Ends in -<pid>-<ms>: after a kill, sweepStepCgroups finds the owner by it.
            label: `${plan.operation}-${index}-${process.pid}-${Date.now()}`.slice(-100),
            redact,
            emit,
            log,
            logger: stepLogger,
            signal,
            deadline: deadlineAt === undefined ? undefined : { at: deadlineAt, seconds: plan.activeDeadlineSeconds ?? 0 },
          });
        let result = await attempt();
        if (sandboxSetupFailed(result) && !signal?.aborted) {
          // bwrap failed before the step's program started (seen under heavy load: netlink
          // errors setting up the sandbox's loopback); nothing ran, so once more is safe.
          stepLogger?.warn({ message: result.message }, 'sandbox setup failed, starting the step again');
          log?.write(`## ${new Date().toISOString()} sandbox setup failed (${result.message ?? ''}); starting the step again\n`);
          result = await attempt();
        }
        steps.push(result);
        const level = result.status === 'Succeeded' ? 'info' : 'warn';
        stepLogger?.[level]({ status: result.status, exitCode: result.exitCode, message: result.message }, 'step ended');
        log?.write(`## ${result.endTime} step "${step.name}" ${result.status}${result.message ? `: ${result.message}` : ''}\n`);
        emit({ type: 'step-end', index, result });
      }
      if (steps.every((s) => s.status === 'Succeeded')) {
        kubeconfig = await readKubeconfigArtifact(plan, workDir.path).catch((err: unknown) => {
          if (!(err instanceof KubeconfigArtifactError)) throw err;
          artifactError = `the admin kubeconfig the steps left was not taken: ${err.message}`;
          logger?.error(artifactError);
          emit({ type: 'output', line: artifactError });
          return undefined;
        });
        // From here on every sink redacts it: the summary, the status, the Events.
        if (kubeconfig !== undefined) plan.secrets.push(...kubeconfigSecrets(kubeconfig));
      }
    } finally {
      // ssh ControlPersist masters detach into their own session, out of reach of the
      // process-group kill; they keep the work directory as their cwd.
      const leftovers = await killProcessesIn(workDir.path, this.opts.killGraceMs ?? DEFAULT_GRACE_MS);
      if (leftovers.length > 0) logger?.debug({ pids: leftovers }, 'stopped processes left in the work dir');
      await workspace.dispose();
      if (!this.opts.keepWorkDir) await workDir.remove();
    }
    const stepsOutcome = operationOutcome(steps, startTime, new Date().toISOString());
    const outcome: OperationResult =
      artifactError === undefined
        ? stepsOutcome
        : { ...stepsOutcome, status: 'Failed', failed: { step: steps.at(-1)?.name ?? plan.operation, hosts: [], message: artifactError } };
    const result = kubeconfig !== undefined ? { ...outcome, kubeconfig } : outcome;
    log?.write(`# ${result.endTime} operation ${result.status}${result.failed ? `: ${result.failed.message}` : ''}\n`);
    await closeLog(log);
    return this.opts.logFile ? { ...result, logFile: this.opts.logFile } : result;
  }

  private supportOnce: Promise<SandboxSupport> | undefined;
  private swept: Promise<void> | undefined;

  /** Before the first operation: what a Slipway killed earlier left (its ssh-agents, dirs, step cgroups). */
  private sweepOnce(runtime: SandboxRuntime): Promise<void> {
    const { memory, limits } = runtime;
    const cgroups = [
      ...(memory.mode === 'cgroup' ? [join(memory.cgroupRoot, STEP_CGROUP_PARENT)] : []),
      ...(limits.mode === 'cgroup' ? [join(limits.cgroupMount, 'pids', STEP_CGROUP_PARENT), join(limits.cgroupMount, 'cpu', STEP_CGROUP_PARENT)] : []),
    ];
    this.swept ??= Promise.all([sweepLeftovers(), sweepStepCgroups(cgroups)]).then(
      ([swept, groups]) => {
        for (const s of swept) this.opts.logger?.warn({ dir: s.dir, pids: s.pids }, 'removed what a stopped Slipway left behind');
        if (groups.length > 0) this.opts.logger?.warn({ cgroups: groups }, 'removed the step cgroups of a stopped Slipway');
      },
      (err: unknown) => this.opts.logger?.warn({ err }, 'could not sweep the leftovers of a stopped Slipway'),
    );
    return this.swept;
  }

  /** Worked out on first use and kept: a trial sandbox per network mode. */
  private sandboxSupport(): Promise<SandboxSupport> {
    this.supportOnce ??= detectSandboxSupport(this.opts.sandbox ?? {}, this.opts.builtinDir, this.opts.workRoot ?? tmpdir());
    return this.supportOnce;
  }

  private network(): 'host' | 'isolated' {
    return this.opts.sandbox?.allowLoopbackHosts ? 'host' : 'isolated';
  }

  private async runStep(step: Step, ctx: StepContext): Promise<StepResult> {
    const tally = createTally();
    const stderrTail: string[] = [];
    const startTime = new Date().toISOString();
    const finish = (fields: { exitCode: number | null; signal?: string; stop?: StopReason; spawnError?: string }) =>
      stepOutcome({ step, tally, startTime, endTime: new Date().toISOString(), stderrTail, ...fields });

    if (ctx.signal?.aborted) return finish({ exitCode: null, stop: { reason: 'cancelled' } });
    if (ctx.deadline && Date.now() >= ctx.deadline.at) {
      return finish({ exitCode: null, stop: { reason: 'deadline', seconds: ctx.deadline.seconds } });
    }
    const [program] = step.argv;
    if (!program) return finish({ exitCode: null, spawnError: 'the step has an empty argv' });

    const view = ctx.workspace.view;
    const env = stepEnv(step, {
      workDir: view.workDir,
      socketDir: view.controlDir,
      path: view.path,
      lang: process.env.LANG || 'C.UTF-8',
      ...(view.agentSocket ? { agentSocket: view.agentSocket } : {}),
    });
    const launched: LaunchedStep =
      ctx.runtime && ctx.workspace.sandbox
        ? launchSandboxedStep({ runtime: ctx.runtime, operation: ctx.workspace.sandbox, network: this.network(), command: step.argv, env, label: ctx.label })
        : direct(spawnStep(step.argv, { cwd: ctx.workspace.workDir.path, env }));

    let stop: StopReason | undefined;
    let exited = false;
    let forceKill: NodeJS.Timeout | undefined;
    const stopWith = (reason: StopReason) => {
      if (stop || exited || launched.pid === undefined) return;
      stop = reason;
      ctx.logger?.warn({ reason: reason.reason }, 'stopping step');
      launched.signal('SIGTERM');
      forceKill = setTimeout(() => launched.signal('SIGKILL'), this.opts.killGraceMs ?? DEFAULT_GRACE_MS);
    };
    const onAbort = () => stopWith({ reason: 'cancelled' });
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = ctx.deadline;
    const cancelDeadline = deadline ? timerAt(deadline.at, () => stopWith({ reason: 'deadline', seconds: deadline.seconds })) : () => undefined;
    // Whatever the step left behind in its group dies with it; otherwise an orphan holding
    // stdout open would keep the step from ever ending.
    launched.child.once('exit', () => {
      exited = true;
      if (launched.pid !== undefined) killGroup(launched.pid, 'SIGKILL');
    });

    const lineRedact = { stdout: createLineRedactor(ctx.redact), stderr: createLineRedactor(ctx.redact) };
    const onOutput = (stream: 'stdout' | 'stderr', line: string) => {
      if (stream === 'stderr') {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_KEEP) stderrTail.shift();
      }
      ctx.log?.write(`${line}\n`);
      ctx.logger?.debug({ stream }, line);
      ctx.emit({ type: 'output', line });
    };
    let sawMemoryError = false;
    const seen = { forkRefused: false, cpuLimit: false };
    const onLine = (stream: 'stdout' | 'stderr', raw: string) => {
      const parsed = stream === 'stdout' ? parseLine(raw) : { output: raw };
      if (parsed.event) {
        const event = redactDeep(parsed.event, ctx.redact);
        tallyEvent(tally, event);
        const forSink = toExecutionEvent(event);
        if (forSink) ctx.emit(forSink);
        if (event.kind === 'runner' && event.message !== undefined) {
          ctx.logger?.debug({ host: event.host, task: event.task, outcome: event.outcome }, event.message);
        }
      }
      if (parsed.output === undefined) return;
      if (/\bMemoryError\b/.test(parsed.output)) sawMemoryError = true;
      if (FORK_REFUSED.test(parsed.output)) seen.forkRefused = true;
      if (/CPU time limit exceeded/.test(parsed.output)) seen.cpuLimit = true;
      for (const line of lineRedact[stream].push(parsed.output)) onOutput(stream, line);
    };
    const reading = [readLines(launched.stdout, (l) => onLine('stdout', l)), readLines(launched.stderr, (l) => onLine('stderr', l))];

    try {
      const setupError = await launched.started.then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      const end: ProcessEnd = await launched.ended;
      await Promise.all(reading);
      for (const stream of ['stdout', 'stderr'] as const) for (const line of lineRedact[stream].end()) onOutput(stream, line);
      const usage = await launched.finish();
      if (setupError !== undefined && !stop) {
        // bwrap's own complaint, when it gave one, says more than the pipe that broke.
        const why = stderrTail.filter((l) => l.startsWith('bwrap: ')).at(-1) ?? setupError;
        return finish({ exitCode: null, spawnError: ctx.redact(`the sandbox could not be set up: ${why}`) });
      }
      if (end.spawnError !== undefined) return finish({ exitCode: null, spawnError: ctx.redact(end.spawnError) });
      const notFound = ctx.runtime && end.exitCode === 1 ? execFailure(stderrTail, program) : undefined;
      if (notFound !== undefined) return finish({ exitCode: null, spawnError: notFound });
      const limit = ctx.runtime?.memory.limitBytes;
      if (!stop && limit !== undefined && end.exitCode !== 0 && (usage.oomKills > 0 || (ctx.runtime?.memory.mode === 'rlimit' && sawMemoryError))) {
        stop = { reason: 'memory', limitBytes: limit };
      }
      stop ??= ctx.runtime ? limitStop(ctx.runtime, end, usage, seen) : undefined;
      const throttled = ctx.runtime?.limits.mode === 'cgroup' ? throttleNote(ctx.runtime.limits.cpus, usage.cpuThrottledMs) : undefined;
      if (throttled) onOutput('stderr', throttled);
      const fields: Parameters<typeof finish>[0] = { exitCode: end.exitCode };
      if (end.signal) fields.signal = end.signal;
      if (stop) fields.stop = stop;
      return finish(fields);
    } finally {
      cancelDeadline();
      clearTimeout(forceKill);
      ctx.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** A step's process as runStep drives it, sandboxed or not. */
interface LocalRun {
  relay: EventRelay;
  result: Promise<OperationResult>;
}

/** Keeps a run's events until an observer attaches, then passes them on as they come. */
class EventRelay {
  private readonly seen: ExecutionEvent[] = [];
  private readonly sinks = new Set<EventSink>();

  readonly sink: EventSink = (event) => {
    this.seen.push(event);
    for (const s of this.sinks) s(event);
  };

  attach(sink: EventSink): () => void {
    for (const event of this.seen) sink(event);
    this.sinks.add(sink);
    return () => void this.sinks.delete(sink);
  }
}

interface LaunchedStep extends StepProcess {
  started: Promise<void>;
  signal(signal: NodeJS.Signals): void;
  finish(): Promise<SandboxedStepUsage>;
}

function direct(proc: StepProcess): LaunchedStep {
  return {
    ...proc,
    started: Promise.resolve(),
    signal: (sig) => {
      if (proc.pid !== undefined) killGroup(proc.pid, sig);
    },
    finish: async () => ({ oomKills: 0, pidsLimitHits: 0, cpuThrottledMs: 0 }),
  };
}

/**
 * Without a sandbox, ConfigMap playbooks and scripts are refused (the whole operation, before
 * anything runs); builtin steps run with a warning. Returns the refused operation's steps.
 */
function refuseWithoutSandbox(
  plan: Plan,
  unavailable: SandboxUnavailable,
  emit: EventSink,
  log: WriteStream | undefined,
  logger: Logger | undefined,
): StepResult[] | undefined {
  const why = describeUnavailable(unavailable);
  const firstUser = plan.steps.findIndex((s) => s.source === 'configmap');
  if (firstUser < 0) {
    const warning = `WARNING: ${why}. Builtin playbooks run WITHOUT the sandbox: they see this machine's files and network as the account running Slipway.`;
    logger?.warn({ sandbox: unavailable }, warning);
    log?.write(`${warning}\n`);
    emit({ type: 'output', line: warning });
    return undefined;
  }
  const now = new Date().toISOString();
  const message =
    `refused: step "${plan.steps[firstUser]!.name}" runs a ConfigMap playbook or script, which Slipway runs only in a sandbox, and there is none here: ${why}`;
  logger?.error({ sandbox: unavailable }, message);
  return plan.steps.map((step, index) => (index === firstUser ? refusedStep(step, now, message) : skippedStep(step, now)));
}

interface StepContext {
  workspace: Workspace;
  /** Set when steps run sandboxed. */
  runtime: SandboxRuntime | undefined;
  /** Unique per step run: names its memory cgroup. */
  label: string;
  redact: Redactor;
  emit: EventSink;
  log: WriteStream | undefined;
  logger: Logger | undefined;
  signal: AbortSignal | undefined;
  deadline: { at: number; seconds: number } | undefined;
}

async function readLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
  await once(lines, 'close');
}

/** setTimeout for an absolute time, also beyond the ~24.8 days a single timer can wait. */
function timerAt(at: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = at - Date.now();
    timer = wait > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fire, Math.max(0, wait));
  };
  arm();
  return () => clearTimeout(timer);
}

/** Processes whose working directory is inside `dir` (Linux /proc); elsewhere none are found. */
async function processesIn(dir: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        const cwd = await readlink(`/proc/${e}/cwd`).catch(() => '');
        if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(e));
      }),
  );
  return found;
}

async function killProcessesIn(dir: string, graceMs: number): Promise<number[]> {
  const pids = await processesIn(dir);
  if (pids.length === 0) return pids;
  for (const pid of pids) killPid(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && (await processesIn(dir)).length > 0) await new Promise((r) => setTimeout(r, 50));
  for (const pid of await processesIn(dir)) killPid(pid, 'SIGKILL');
  return pids;
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function safeSink(sink: EventSink, logger: Logger | undefined): EventSink {
  return (event: ExecutionEvent) => {
    try {
      sink(event);
    } catch (error) {
      logger?.error({ err: error, event: event.type }, 'event sink threw; the run continues');
    }
  };
}

async function openLog(file: string): Promise<WriteStream> {
  await mkdir(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  await once(stream, 'open');
  return stream;
}

async function closeLog(stream: WriteStream | undefined): Promise<void> {
  if (!stream) return;
  stream.end();
  await once(stream, 'finish');
}

/** How a failed fork reads in sh, bash and python when RLIMIT_NPROC (or pids.max) refuses it. */
const FORK_REFUSED = /\b(?:fork|Cannot fork)\b.*Resource temporarily unavailable|Resource temporarily unavailable.*\bfork|can't fork|BlockingIOError: \[Errno 11\]/i;
/** bwrap exits 128 + the signal that ended the step's program; SIGXCPU is 24. */
const SIGXCPU_EXIT = 128 + 24;

/** A failed step that hit the sandbox's process or CPU-time limit on the way. */
function limitStop(runtime: SandboxRuntime, end: ProcessEnd, usage: SandboxedStepUsage, seen: { forkRefused: boolean; cpuLimit: boolean }): StopReason | undefined {
  if (end.exitCode === 0) return undefined;
  const { limits } = runtime;
  if (limits.mode === 'cgroup' ? usage.pidsLimitHits > 0 : seen.forkRefused) return { reason: 'pids', limit: limits.pids };
  if (limits.mode === 'rlimit' && (end.signal === 'SIGXCPU' || end.exitCode === SIGXCPU_EXIT || seen.cpuLimit)) {
    return { reason: 'cpu-time', seconds: limits.cpuSeconds };
  }
  return undefined;
}

/** A line for the step's output when its CPU quota held it back for a noticeable time. */
function throttleNote(cpus: number, throttledMs: number): string | undefined {
  if (throttledMs < 1_000) return undefined;
  return `slipway: the step was held at its CPU limit of ${cpus} CPUs for ${(throttledMs / 1000).toFixed(1)} s in all`;
}

/** A step that bwrap itself failed to start: no host saw it, and the failure is bwrap's own. */
export function sandboxSetupFailed(result: StepResult): boolean {
  return result.status === 'Failed' && Object.keys(result.hosts).length === 0 && /: bwrap: /.test(result.message ?? '');
}
