/**
 * Live progress of a running operation, folded from the executor's event stream: the current
 * step, play and task, tasks started per step, and each host's state. What reaches the status is
 * bounded whatever the inventory's size: counts per state, and only the first hosts that failed.
 * Pure: the driver decides when to write (at most every few seconds).
 */
import type { OperationProgress, ProgressHosts } from '../api/types.js';
import type { ExecutionEvent, HostTaskOutcome } from '../executors/types.js';

export type { OperationProgress };

/** A host's state so far in the running step: the worst outcome it has had. */
export type HostState = keyof ProgressHosts;

export const HOST_STATES: readonly HostState[] = ['pending', 'ok', 'changed', 'failed', 'unreachable'];

/** Hosts named in `failedHosts`; the rest are only counted. */
export const MAX_LISTED_FAILED_HOSTS = 20;
const MAX_NAME = 200;
const MAX_MESSAGE = 300;

/** What the fold keeps between events; `progress` turns it into status. */
export interface ProgressState {
  step: number;
  totalSteps: number;
  stepName: string;
  play?: string;
  task?: string;
  tasksStarted: number;
  results: Record<HostTaskOutcome, number>;
  hostStates: Map<string, HostState>;
  failed: { name: string; task: string; message?: string }[];
  /** Hosts the inventory has, when known: those not reported yet count as pending. */
  inventoryHosts: number;
}

const RANK: Record<HostState, number> = { pending: 0, ok: 1, changed: 2, failed: 3, unreachable: 4 };

const noResults = (): Record<HostTaskOutcome, number> => ({ ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, ignored: 0 });

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function initialProgress(inventoryHosts: number): ProgressState {
  return { step: 0, totalSteps: 0, stepName: '', tasksStarted: 0, results: noResults(), hostStates: new Map(), failed: [], inventoryHosts };
}

/** A skipped or ignored result still says the host answered. */
function stateOf(outcome: HostTaskOutcome): Exclude<HostState, 'pending'> {
  return outcome === 'skipped' || outcome === 'ignored' ? 'ok' : outcome;
}

/** Folds one event into the state (mutating it: the fold runs once per ansible event). Returns whether anything shown changed. */
export function foldProgress(state: ProgressState, event: ExecutionEvent): boolean {
  switch (event.type) {
    case 'step-start':
      state.step = event.index + 1;
      state.totalSteps = event.total;
      state.stepName = event.step.name;
      delete state.play;
      delete state.task;
      state.tasksStarted = 0;
      state.results = noResults();
      state.hostStates.clear();
      state.failed = [];
      return true;
    case 'play':
      state.play = event.name;
      return true;
    case 'task':
      if (state.task === event.name) return false;
      state.task = event.name;
      state.tasksStarted += 1;
      return true;
    case 'host-result': {
      state.results[event.outcome] += 1;
      const next = stateOf(event.outcome);
      const before = state.hostStates.get(event.host);
      if (before === undefined || RANK[next] > RANK[before]) state.hostStates.set(event.host, next);
      if ((event.outcome === 'failed' || event.outcome === 'unreachable') && state.failed.length < MAX_LISTED_FAILED_HOSTS && !state.failed.some((f) => f.name === event.host)) {
        state.failed.push({ name: clip(event.host, MAX_NAME), task: clip(event.task.trim(), MAX_NAME), ...(event.message ? { message: clip(event.message.split('\n')[0]!, MAX_MESSAGE) } : {}) });
      }
      return true;
    }
    default:
      return false;
  }
}

/** The bounded status view of the state. */
export function progressOf(state: ProgressState): OperationProgress & Required<Pick<OperationProgress, 'stepName' | 'tasksStarted' | 'results' | 'hosts' | 'failedHosts'>> {
  const hosts: ProgressHosts = { pending: 0, ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const s of state.hostStates.values()) hosts[s] += 1;
  hosts.pending += Math.max(0, state.inventoryHosts - state.hostStates.size);
  return {
    summary: `${state.step}/${state.totalSteps}${state.task ? ` ${clip(state.task, 60)}` : ''}`,
    step: state.step,
    totalSteps: state.totalSteps,
    stepName: clip(state.stepName, MAX_NAME),
    ...(state.play !== undefined ? { play: clip(state.play, MAX_NAME) } : {}),
    ...(state.task !== undefined ? { task: clip(state.task, MAX_NAME) } : {}),
    tasksStarted: state.tasksStarted,
    results: { ...state.results },
    hosts,
    failedHosts: state.failed.map((f) => ({ ...f })),
  };
}
