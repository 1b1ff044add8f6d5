/**
 * Passes a Job's pod log to an observer's sink as the executor events it makes (job-log-outcome.ts),
 * while the pod runs (pod-log-follower.ts) and, at the end, from the whole log read then: the
 * lines the stream had not passed on (it broke, started late or never could). Every line is
 * redacted first, as the end-of-run read is. The relay never holds up the observation: stop()
 * ends the stream at once, and finish() only folds text already read.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { JobPlanJson } from '../engine/job-plan.js';
import { createLineRedactor, createRedactor, type LineRedactor } from '../util/redact.js';
import { createJobLogFold, type JobLogFold } from './job-log-outcome.js';
import { PodLogFollower } from './pod-log-follower.js';
import type { EventSink } from './types.js';

export interface JobLogRelayOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  container: string;
  sink: EventSink;
  logger?: Logger;
  /** Pauses between the stream's requests (pod-log-follower.ts). */
  retryMs?: { first: number; max: number };
}

type StepNames = Pick<JobPlanJson, 'steps'>;

export class JobLogRelay {
  private follower: PodLogFollower | undefined;
  private fold: JobLogFold | undefined;
  // The plan objects hold no key (the key is only in /auth); steps' own output is redacted by the callback plugin.
  private readonly redact: LineRedactor = createLineRedactor(createRedactor([]));
  private stopped = false;
  private finished = false;

  constructor(private readonly opts: JobLogRelayOptions) {}

  /** Whether follow() was called (it is called once per pod). */
  get following(): boolean {
    return this.follower !== undefined;
  }

  /** Follows `pod`'s log from its start; the step names are `plan`'s. Nothing after stop(). */
  follow(pod: string, plan: StepNames): void {
    if (this.stopped || this.follower) return;
    this.start(pod, plan).start();
  }

  /** Ends the stream now; finish() may still pass on what the stream missed. */
  stop(): void {
    this.stopped = true;
    this.follower?.stop();
  }

  /**
   * The run has ended: passes on the lines of `timedLog` (the whole log, read with timestamps)
   * that the stream had not, then what the redactor held back. `endTime` ends a step whose
   * line carries no time.
   */
  finish(pod: string, plan: StepNames, timedLog: string | undefined, endTime: string): void {
    this.stop();
    if (this.finished) return;
    this.finished = true;
    const follower = this.follower ?? this.start(pod, plan);
    if (timedLog !== undefined) follower.catchUp(timedLog);
    for (const line of this.redact.end()) this.emit(line, endTime);
  }

  private start(pod: string, plan: StepNames): PodLogFollower {
    this.fold = createJobLogFold(plan);
    this.follower = new PodLogFollower({
      kubeConfig: this.opts.kubeConfig,
      target: { namespace: this.opts.namespace, pod, container: this.opts.container },
      onLine: (line) => {
        for (const redacted of this.redact.push(line)) this.emit(redacted);
      },
      onRetry: (err) => this.opts.logger?.debug({ pod, err: err instanceof Error ? err.message : String(err) }, 'pod log stream ended; following it again'),
      ...(this.opts.retryMs ? { retryMs: this.opts.retryMs } : {}),
    });
    return this.follower;
  }

  private emit(line: string, endTime?: string): void {
    for (const event of this.fold!.push(line, endTime)) {
      try {
        this.opts.sink(event);
      } catch (err) {
        this.opts.logger?.error({ err: err instanceof Error ? err.message : String(err), event: event.type }, 'event sink threw; the log goes on');
      }
    }
  }
}
