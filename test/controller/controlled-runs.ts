import { randomUUID } from 'node:crypto';
import type { OperationHandlers } from '../../src/controller/cluster-queue-worker.js';
import type { OperationRef } from '../../src/controller/operation-ref.js';
import { EventRecorder } from './event-recorder.js';

export interface Outcome {
  status: 'Succeeded' | 'Failed';
}

export interface Began {
  uid: string;
  name: string;
  how: 'run' | 'resume';
}

/** Handlers whose operations last until the test finishes them; they count overlapping turns per cluster. */
export class ControlledRuns {
  readonly began = new EventRecorder<Began>();
  /** Times an operation began while another of its cluster was still under way. */
  overlaps = 0;
  private readonly active = new Map<string, { cluster: string; finish: (o: Outcome) => void }>();

  readonly handlers: OperationHandlers<Outcome> = {
    run: (ref) => this.begin(ref, 'run'),
    onResume: (ref) => this.begin(ref, 'resume'),
  };

  finish(ref: OperationRef, outcome: Outcome = { status: 'Succeeded' }): void {
    const entry = this.active.get(ref.uid);
    if (!entry) throw new Error(`${ref.name} is not under way`);
    this.active.delete(ref.uid);
    entry.finish(outcome);
  }

  waitForBegin(ref: OperationRef, how: Began['how'] = 'run'): Promise<void> {
    return this.began.waitFor(`${ref.name} to ${how}`, (e) => e.some((b) => b.uid === ref.uid && b.how === how));
  }

  order(): string[] {
    return this.began.events.map((b) => `${b.how} ${b.name}`);
  }

  private begin(ref: OperationRef, how: Began['how']): Promise<Outcome> {
    if ([...this.active.values()].some((a) => a.cluster === ref.cluster)) this.overlaps++;
    return new Promise((resolve) => {
      this.active.set(ref.uid, { cluster: ref.cluster, finish: resolve });
      this.began.push({ uid: ref.uid, name: ref.name, how });
    });
  }
}

export function operationRef(cluster: string, name: string, creationTimestamp: string): OperationRef {
  return { uid: randomUUID(), name, cluster, creationTimestamp };
}
