import type { Cluster, ClusterOperation, StepStatus as StatusOfStep, StepRole } from '../api/types.js';
import type { Plan, Step } from '../engine/plan-types.js';

/** How a step ended; the status API adds Pending and Running for steps not ended yet. */
export type StepStatus = Exclude<StatusOfStep, 'Pending' | 'Running'>;
export type HostTaskOutcome = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'ignored';

/** Counts per host, as ansible's PLAY RECAP reports them. */
export interface HostSummary {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface TaskFailure {
  play: string;
  task: string;
  host: string;
  unreachable: boolean;
  /** The task was an assert, which changes nothing on the host. */
  check?: boolean;
  /** ansible's msg, redacted. */
  message: string;
}

export interface StepResult {
  name: string;
  role: StepRole;
  status: StepStatus;
  exitCode: number | null;
  startTime: string;
  endTime: string;
  hosts: Record<string, HostSummary>;
  failures: TaskFailure[];
  message?: string;
}

export interface OperationResult {
  status: 'Succeeded' | 'Failed';
  /** Set by the driver when a cancel request stopped the run: why, and when. */
  cancelled?: string;
  startTime: string;
  endTime: string;
  steps: StepResult[];
  /** Present when status is Failed: the first step that failed and why. */
  failed?: { step: string; task?: string; hosts: string[]; message: string };
  /** Where the full (redacted) output was kept, when the executor keeps one. */
  logFile?: string;
  /**
   * The admin kubeconfig a successful install fetched (Plan.kubeconfigArtifact). A secret: its
   * content is in the plan's secrets, and it goes only into the Cluster's kubeconfig Secret.
   */
  kubeconfig?: string;
}

export type ExecutionEvent =
  | { type: 'step-start'; index: number; total: number; step: Step }
  | { type: 'play'; name: string }
  | { type: 'task'; name: string }
  /** `message`: ansible's msg for failures, and what a debug task printed. Redacted. */
  | { type: 'host-result'; host: string; task: string; outcome: HostTaskOutcome; message?: string }
  | { type: 'output'; line: string }
  | { type: 'step-end'; index: number; result: StepResult };

export type EventSink = (event: ExecutionEvent) => void;

/**
 * Names one dispatched run, so that whoever observes it need not be whoever started it: a Job
 * (namespace + name, what the operation's status.jobRef records) or a run kept in this process.
 */
export type ExecutionRef = { executor: 'job'; namespace: string; name: string } | { executor: 'local'; name: string };

/** What an executor may need besides the plan: the objects the run belongs to. */
export interface DispatchContext {
  operation: ClusterOperation;
  cluster: Cluster;
}

/** The run of a ref is not known here (the process that kept it in memory is gone). */
export class ExecutionLostError extends Error {
  constructor(readonly ref: ExecutionRef) {
    super(ref.executor === 'local' ? `the local run ${ref.name} is not in this process (it restarted while the operation ran)` : `Job ${ref.namespace}/${ref.name} is gone`);
    this.name = 'ExecutionLostError';
  }
}

/**
 * dispatch starts the plan and returns at once with a ref; observe follows that ref until the
 * run ends. Dispatching the same operation again finds its run instead of starting a second.
 */
export interface Executor {
  dispatch(plan: Plan, ctx: DispatchContext, signal?: AbortSignal): Promise<ExecutionRef>;
  observe(ref: ExecutionRef, sink: EventSink, signal?: AbortSignal): Promise<OperationResult>;
  /**
   * For a turn that resumes: why the run an earlier turn dispatched for `operation` can no longer
   * be followed (undefined: it can, or none was dispatched), so the operation fails instead of
   * running again. Without it, a run is always looked for again.
   */
  lostRun?(operation: ClusterOperation): Promise<string | undefined>;
  /** The operation has ended and its status is written: what its run kept beside it may go. */
  release?(operation: ClusterOperation): Promise<void>;
}
