/**
 * What a finished step amounts to, from the ansible events it produced and how its process
 * ended; and what the operation amounts to, from its steps. Pure: no I/O, no clock.
 */
import type { Step } from '../engine/plan-types.js';
import { emptySummary, type AnsibleEvent } from './ansible-event-parser.js';
import type { HostSummary, OperationResult, StepResult, TaskFailure } from './types.js';

/** Events of one step folded as they arrive, so a long run keeps only counts and failures. */
export interface StepTally {
  /** From the stats event at the end of the playbook, when it came. */
  stats?: Record<string, HostSummary>;
  /** Built from runner events; used when the playbook never reached its recap. */
  counted: Record<string, HostSummary>;
  failures: TaskFailure[];
  /** The task running when the step ended, for timeouts and cancellations. */
  lastTask?: string;
}

export type StopReason =
  | { reason: 'deadline'; seconds: number }
  | { reason: 'cancelled' }
  /** The kernel killed the step's processes at the sandbox's memory limit (or, under RLIMIT_AS, python ran out). */
  | { reason: 'memory'; limitBytes: number }
  /** Forks were refused at the sandbox's process limit (pids cgroup or RLIMIT_NPROC). */
  | { reason: 'pids'; limit: number }
  /** A process was killed at its CPU-time limit (RLIMIT_CPU, where there is no cpu cgroup). */
  | { reason: 'cpu-time'; seconds: number };

export interface StepEnd {
  step: Step;
  tally: StepTally;
  startTime: string;
  endTime: string;
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal?: string;
  /** Set when the executor killed the step. */
  stop?: StopReason;
  /** Set when the program could not be started at all. */
  spawnError?: string;
  /** Last lines of stderr (already redacted), for steps that fail without ansible events. */
  stderrTail: string[];
}

/** Lines of stderr quoted in a message. */
export const STDERR_TAIL_LINES = 5;

export function createTally(): StepTally {
  return { counted: {}, failures: [] };
}

export function tallyEvent(tally: StepTally, event: AnsibleEvent): void {
  switch (event.kind) {
    case 'task':
      tally.lastTask = event.name;
      return;
    case 'stats':
      tally.stats = event.hosts;
      return;
    case 'runner': {
      const counts = (tally.counted[event.host] ??= emptySummary());
      // Mirrors ansible's own bookkeeping: a changed result is also ok, an ignored failure too.
      switch (event.outcome) {
        case 'ok':
          counts.ok++;
          break;
        case 'changed':
          counts.ok++;
          counts.changed++;
          break;
        case 'ignored':
          counts.ok++;
          counts.ignored++;
          break;
        case 'skipped':
          counts.skipped++;
          break;
        case 'failed':
          counts.failed++;
          break;
        case 'unreachable':
          counts.unreachable++;
          break;
      }
      if (event.outcome === 'failed' || event.outcome === 'unreachable') {
        tally.failures.push({
          play: event.play,
          task: event.task,
          host: event.host,
          unreachable: event.outcome === 'unreachable',
          ...(event.check ? { check: true } : {}),
          message: event.message ?? '',
        });
      }
      return;
    }
    default:
      return;
  }
}

export function stepOutcome(end: StepEnd): StepResult {
  const { step, tally } = end;
  const hosts = tally.stats ?? tally.counted;
  // A failure a block's rescue recovered from leaves the host with no failure in the recap.
  const failures = tally.stats
    ? tally.failures.filter((f) => (hosts[f.host]?.failed ?? 0) > 0 || (hosts[f.host]?.unreachable ?? 0) > 0)
    : tally.failures;
  const base = {
    name: step.name,
    role: step.role,
    exitCode: end.exitCode,
    startTime: end.startTime,
    endTime: end.endTime,
    hosts,
    failures,
  };
  if (end.stop?.reason === 'deadline') {
    const during = tally.lastTask ? ` during task "${tally.lastTask}"` : '';
    return {
      ...base,
      status: 'TimedOut',
      message: `the operation's deadline of ${end.stop.seconds}s (activeDeadlineSeconds) was exceeded${during}; step "${step.name}" was killed`,
    };
  }
  if (end.stop?.reason === 'cancelled') {
    const during = tally.lastTask ? ` during task "${tally.lastTask}"` : '';
    return { ...base, status: 'Cancelled', message: `step "${step.name}" was cancelled${during}` };
  }
  if (end.stop?.reason === 'memory') {
    const during = tally.lastTask ? ` during task "${tally.lastTask}"` : '';
    return {
      ...base,
      status: 'Failed',
      message: `step "${step.name}" was killed at its memory limit of ${formatBytes(end.stop.limitBytes)}${during}`,
    };
  }
  if (end.stop?.reason === 'pids') {
    const during = tally.lastTask ? ` during task "${tally.lastTask}"` : '';
    return { ...base, status: 'Failed', message: `step "${step.name}" failed at its limit of ${end.stop.limit} processes${during}` };
  }
  if (end.stop?.reason === 'cpu-time') {
    const during = tally.lastTask ? ` during task "${tally.lastTask}"` : '';
    return { ...base, status: 'Failed', message: `step "${step.name}" was killed at its CPU-time limit of ${end.stop.seconds} s per process${during}` };
  }
  if (end.spawnError !== undefined) {
    return { ...base, status: 'Failed', message: `cannot run ${step.argv[0] ?? '(empty argv)'}: ${end.spawnError}` };
  }
  if (end.exitCode === 0 && failures.length === 0) return { ...base, status: 'Succeeded' };
  return { ...base, status: 'Failed', message: failureMessage(end, failures) };
}

/** A step the executor would not start: e.g. a ConfigMap playbook where no sandbox can be had. */
export function refusedStep(step: Step, time: string, message: string): StepResult {
  return { name: step.name, role: step.role, status: 'Failed', exitCode: null, startTime: time, endTime: time, hosts: {}, failures: [], message };
}

export function skippedStep(step: Step, time: string): StepResult {
  return {
    name: step.name,
    role: step.role,
    status: 'Skipped',
    exitCode: null,
    startTime: time,
    endTime: time,
    hosts: {},
    failures: [],
    message: 'not run because an earlier step did not succeed',
  };
}

/** The operation's result: failed at the first step that did not succeed. */
export function operationOutcome(steps: StepResult[], startTime: string, endTime: string): OperationResult {
  const bad = steps.find((s) => s.status !== 'Succeeded' && s.status !== 'Skipped');
  if (!bad) return { status: 'Succeeded', startTime, endTime, steps };
  const first = bad.failures[0];
  const failed: NonNullable<OperationResult['failed']> = {
    step: bad.name,
    hosts: first ? hostsOf(bad.failures.filter((f) => f.task === first.task)) : [],
    message: bad.message ?? `step "${bad.name}" ${bad.status}`,
  };
  if (first) failed.task = first.task;
  return { status: 'Failed', startTime, endTime, steps, failed };
}

function failureMessage(end: StepEnd, failures: TaskFailure[]): string {
  const first = failures[0];
  if (first) {
    const sameTask = failures.filter((f) => f.task === first.task && f.play === first.play);
    const hosts = hostsOf(sameTask).join(', ');
    const verb = sameTask.every((f) => f.unreachable) ? 'could not reach' : 'failed on';
    let message = `task "${first.task}" ${verb} ${hosts}: ${first.message || 'no message'}`;
    const others = hostsOf(failures.filter((f) => !sameTask.includes(f)));
    if (others.length > 0) message += ` (later failures on ${others.join(', ')})`;
    return message;
  }
  const program = end.step.kind === 'playbook' ? 'ansible-playbook' : (end.step.argv[0] ?? 'step');
  const how = end.exitCode !== null ? `exited with code ${end.exitCode}` : `was killed by ${end.signal ?? 'a signal'}`;
  const tail = end.stderrTail.slice(-STDERR_TAIL_LINES).join('\n').trim();
  return tail ? `${program} ${how}: ${tail}` : `${program} ${how}`;
}

function hostsOf(failures: TaskFailure[]): string[] {
  return [...new Set(failures.map((f) => f.host))];
}

function formatBytes(n: number): string {
  const mib = n / 1024 ** 2;
  return Number.isInteger(mib) ? `${mib} MiB` : `${n} bytes`;
}
