import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readlink } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { Logger } from 'pino';
import { BUILTIN_LINK, type Plan, type Step } from '../engine/plan-types.js';
import { createLineRedactor, createRedactor, redactDeep, type Redactor } from '../util/redact.js';
import { parseLine, toExecutionEvent } from './ansible-event-parser.js';
import { createTally, operationOutcome, skippedStep, stepOutcome, tallyEvent, type StopReason } from './step-outcome.js';
import type { EventSink, ExecutionEvent, Executor, OperationResult, StepResult } from './types.js';
import { createWorkDir } from './work-dir.js';

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
}

const CALLBACK_NAME = 'slipway_events';
const STDERR_KEEP = 20;
const DEFAULT_GRACE_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs a plan's steps as child processes of this one, each in its own process group. */
export class LocalExecutor implements Executor {
  constructor(private readonly opts: LocalExecutorOptions) {}

  async run(plan: Plan, sink: EventSink, signal?: AbortSignal): Promise<OperationResult> {
    const startTime = new Date().toISOString();
    const deadlineAt = plan.activeDeadlineSeconds ? Date.now() + plan.activeDeadlineSeconds * 1000 : undefined;
    const redact = createRedactor(plan.secrets);
    const logger = this.opts.logger?.child({ cluster: plan.cluster, operation: plan.operation });
    const log = this.opts.logFile ? await openLog(this.opts.logFile) : undefined;
    const emit = safeSink(sink, logger);
    log?.write(`# ${startTime} operation ${plan.cluster}/${plan.operation}: ${plan.action}\n`);

    const workDir = await createWorkDir({
      root: this.opts.workRoot ?? tmpdir(),
      label: plan.operation,
      files: plan.files,
      builtinDir: this.opts.builtinDir,
    }).catch(async (error: unknown) => {
      await closeLog(log);
      throw error;
    });
    const steps: StepResult[] = [];
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
        const result = await this.runStep(step, {
          cwd: workDir.path,
          socketDir: workDir.socketDir,
          redact,
          emit,
          log,
          logger: stepLogger,
          signal,
          deadline: deadlineAt === undefined ? undefined : { at: deadlineAt, seconds: plan.activeDeadlineSeconds ?? 0 },
        });
        steps.push(result);
        const level = result.status === 'Succeeded' ? 'info' : 'warn';
        stepLogger?.[level]({ status: result.status, exitCode: result.exitCode, message: result.message }, 'step ended');
        log?.write(`## ${result.endTime} step "${step.name}" ${result.status}${result.message ? `: ${result.message}` : ''}\n`);
        emit({ type: 'step-end', index, result });
      }
    } finally {
      // ssh ControlPersist masters detach into their own session, out of reach of the
      // process-group kill; they keep the work directory as their cwd.
      const leftovers = await killProcessesIn(workDir.path, this.opts.killGraceMs ?? DEFAULT_GRACE_MS);
      if (leftovers.length > 0) logger?.debug({ pids: leftovers }, 'stopped processes left in the work dir');
      if (!this.opts.keepWorkDir) await workDir.remove();
    }
    const result = operationOutcome(steps, startTime, new Date().toISOString());
    log?.write(`# ${result.endTime} operation ${result.status}${result.failed ? `: ${result.failed.message}` : ''}\n`);
    await closeLog(log);
    return this.opts.logFile ? { ...result, logFile: this.opts.logFile } : result;
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
    const [program, ...args] = step.argv;
    if (!program) return finish({ exitCode: null, spawnError: 'the step has an empty argv' });

    const child = execa(program, args, {
      cwd: ctx.cwd,
      env: stepEnv(step, ctx.cwd, ctx.socketDir),
      extendEnv: false,
      shell: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
    });

    let stop: StopReason | undefined;
    let exited = false;
    let forceKill: NodeJS.Timeout | undefined;
    const stopWith = (reason: StopReason) => {
      if (stop || exited || child.pid === undefined) return;
      stop = reason;
      ctx.logger?.warn({ reason: reason.reason }, 'stopping step');
      killGroup(child.pid, 'SIGTERM');
      forceKill = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), this.opts.killGraceMs ?? DEFAULT_GRACE_MS);
    };
    const onAbort = () => stopWith({ reason: 'cancelled' });
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = ctx.deadline;
    const cancelDeadline = deadline ? timerAt(deadline.at, () => stopWith({ reason: 'deadline', seconds: deadline.seconds })) : () => undefined;
    // Whatever the step left behind in its group dies with it; otherwise an orphan holding
    // stdout open would keep the step from ever ending.
    child.once('exit', () => {
      exited = true;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
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
      for (const line of lineRedact[stream].push(parsed.output)) onOutput(stream, line);
    };
    const reading = [readLines(child.stdout, (l) => onLine('stdout', l)), readLines(child.stderr, (l) => onLine('stderr', l))];

    try {
      const result = await child;
      await Promise.all(reading);
      for (const stream of ['stdout', 'stderr'] as const) for (const line of lineRedact[stream].end()) onOutput(stream, line);
      if (result.exitCode === undefined && !result.signal && !stop) {
        return finish({ exitCode: null, spawnError: ctx.redact(result.originalMessage || result.shortMessage || 'spawn failed') });
      }
      const fields: Parameters<typeof finish>[0] = { exitCode: result.exitCode ?? null };
      if (result.signal) fields.signal = result.signal;
      if (stop) fields.stop = stop;
      return finish(fields);
    } finally {
      cancelDeadline();
      clearTimeout(forceKill);
      ctx.signal?.removeEventListener('abort', onAbort);
    }
  }
}

interface StepContext {
  cwd: string;
  socketDir: string;
  redact: Redactor;
  emit: EventSink;
  log: WriteStream | undefined;
  logger: Logger | undefined;
  signal: AbortSignal | undefined;
  deadline: { at: number; seconds: number } | undefined;
}

/**
 * A minimal base, the step's own settings, and our progress callback added to whatever
 * callbacks the step enables; the default stdout callback stays for the human log.
 */
export function stepEnv(step: Step, workDir: string, socketDir: string): Record<string, string> {
  const ours = join(workDir, BUILTIN_LINK, 'callback_plugins');
  const theirPlugins = step.env.ANSIBLE_CALLBACK_PLUGINS;
  const theirCallbacks = step.env.ANSIBLE_CALLBACKS_ENABLED;
  return {
    PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
    // ansible keeps its local temp files under HOME: they go away with the work dir.
    HOME: workDir,
    LANG: process.env.LANG || 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    // Keeps ansible from writing __pycache__ next to our callback plugin in the builtin dir.
    PYTHONDONTWRITEBYTECODE: '1',
    ANSIBLE_NOCOLOR: '1',
    // Per-operation ssh masters: they are cleaned up with the operation, never shared.
    ANSIBLE_SSH_CONTROL_PATH_DIR: socketDir,
    ...step.env,
    ANSIBLE_CALLBACK_PLUGINS: theirPlugins ? `${ours}:${theirPlugins}` : ours,
    ANSIBLE_CALLBACKS_ENABLED: theirCallbacks ? `${CALLBACK_NAME},${theirCallbacks}` : CALLBACK_NAME,
  };
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

/** Signals the process group led by `pid` (detached children lead their own group). */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
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
