/**
 * An Event on the operation when each step starts and ends (StepStarted, then StepSucceeded,
 * StepSkipped or StepFailed), from the events its executor emits: `kubectl describe` and
 * `kubectl get events` show how far it got without reading its status.
 */
import type { ClusterOperation } from '../../api/types.js';
import type { Plan } from '../../engine/plan-types.js';
import type { ExecutionEvent, StepResult } from '../../executors/types.js';
import { createRedactor } from '../../util/redact.js';
import { clipText } from '../../util/slipway-error.js';
import type { EventType, KubeEvents } from '../kube-events.js';
import { opTarget } from './operation-turn.js';

/** An Event's message is at most this long (the step's message is cut first). */
export const STEP_EVENT_MESSAGE_MAX = 512;

export interface StepEvent {
  type: EventType;
  reason: 'StepStarted' | 'StepSucceeded' | 'StepSkipped' | 'StepFailed';
  message: string;
}

/** Pure: the Event an execution event calls for, if any; messages redacted and bounded. */
export function stepEventOf(event: ExecutionEvent, plan: Plan, redact: (text: string) => string): StepEvent | undefined {
  if (event.type === 'step-start') {
    const { step } = event;
    const message = `${step.name} (step ${event.index + 1}/${event.total}, ${step.kind} ${step.action}, ${hostCount(plan.targetHosts.length)})`;
    return { type: 'Normal', reason: 'StepStarted', message: bounded(redact(message)) };
  }
  if (event.type === 'step-end') {
    const r = event.result;
    const step = plan.steps[event.index];
    const what = step ? `, ${step.kind} ${step.action}` : '';
    const hosts = Object.keys(r.hosts).length;
    const head = `${r.name} ${r.status} after ${duration(r)} (step ${event.index + 1}/${plan.steps.length}${what}${hosts > 0 ? `, ${hostCount(hosts)}` : ''})`;
    const message = bounded(redact(r.message ? `${head}: ${r.message}` : head));
    if (r.status === 'Succeeded') return { type: 'Normal', reason: 'StepSucceeded', message };
    if (r.status === 'Skipped') return { type: 'Normal', reason: 'StepSkipped', message };
    return { type: 'Warning', reason: 'StepFailed', message };
  }
  return undefined;
}

const hostCount = (n: number): string => `${n} host${n === 1 ? '' : 's'}`;
const bounded = (text: string): string => clipText(text, STEP_EVENT_MESSAGE_MAX);

function duration(r: StepResult): string {
  const ms = Date.parse(r.endTime) - Date.parse(r.startTime);
  return Number.isFinite(ms) ? `${Math.max(0, Math.round(ms / 1000))}s` : 'an unknown time';
}

/** Records the step Events of one run; `settled` resolves once every Event asked for is written (or given up). */
export class StepEvents {
  /** Written one after another, so they are created in the order the steps ran. */
  private written: Promise<void> = Promise.resolve();
  private readonly redact: (text: string) => string;

  constructor(
    private readonly events: KubeEvents,
    private readonly op: ClusterOperation,
    private readonly plan: Plan,
  ) {
    this.redact = createRedactor(plan.secrets);
  }

  readonly sink = (event: ExecutionEvent): void => {
    const e = stepEventOf(event, this.plan, this.redact);
    if (!e) return;
    // KubeEvents.record logs a failure and never rejects.
    this.written = this.written.then(() => this.events.record(opTarget(this.op), e.type, e.reason, e.message));
  };

  settled(): Promise<void> {
    return this.written;
  }
}
