/**
 * The kept log (src/oplog/: ansible's human output framed by `==> step` lines) turned back into
 * the events `slipway run` prints, so `slipway watch` shows the same per-host view. Pure.
 */
import { STEP_STATUSES, type ClusterOperation, type OperationStep } from '../api/types.js';
import type { ExecutionEvent, HostTaskOutcome, OperationResult, StepResult } from '../executors/types.js';

const STEP_START = /^==> step (\d+)\/(\d+) (.+)$/;
const STEP_END = new RegExp(`^==> step (.+?) (${STEP_STATUSES.join('|')})(?: in (\\d+(?:\\.\\d+)?)s)?(?:: (.*))?$`);
const HEADER = /^(PLAY|TASK|RUNNING HANDLER) \[(.*)\] \**$/;
// Per-item lines (`ok: [h] => (item=...)`) are left out: the host's own line follows them.
const RESULT = /^(ok|changed|skipping|fatal|failed|ignoring): \[([^\]]+)\](?:: (FAILED!|UNREACHABLE!))?(?: => (?!\(item=)(.*))?$/;

export interface LogViewState {
  task: string;
  steps: readonly OperationStep[];
}

/** The events one line of the kept log stands for (none for ansible's other output). */
export function logLineEvents(line: string, state: LogViewState): ExecutionEvent[] {
  const start = STEP_START.exec(line);
  if (start) {
    const name = start[3]!;
    return [{ type: 'step-start', index: Number(start[1]) - 1, total: Number(start[2]), step: { name } as Extract<ExecutionEvent, { type: 'step-start' }>['step'] }];
  }
  const end = STEP_END.exec(line);
  if (end) {
    const name = end[1]!;
    const step = state.steps.find((s) => s.name === name);
    const index = Math.max(state.steps.findIndex((s) => s.name === name), 0);
    // The status may not list the step yet (it is written when the operation ends): the line says how long it took.
    const seconds = end[3] === undefined ? undefined : Number(end[3]);
    const endTime = step?.endTime ?? (seconds !== undefined ? new Date().toISOString() : '');
    const startTime = step?.startTime ?? (seconds !== undefined ? new Date(Date.parse(endTime) - seconds * 1000).toISOString() : '');
    const result: StepResult = {
      name, role: step?.role ?? 'action', status: end[2] as StepResult['status'], exitCode: null,
      startTime, endTime, hosts: {}, failures: [], ...(end[4] ? { message: end[4] } : {}),
    };
    return [{ type: 'step-end', index, result }];
  }
  const header = HEADER.exec(line);
  if (header) {
    if (header[1] === 'PLAY') return [{ type: 'play', name: header[2]! }];
    state.task = header[2]!;
    return [{ type: 'task', name: header[2]! }];
  }
  const result = RESULT.exec(line);
  if (result && state.task) {
    const outcomes: Record<string, HostTaskOutcome> = { ok: 'ok', changed: 'changed', skipping: 'skipped', fatal: 'failed', failed: 'failed', ignoring: 'ignored' };
    const outcome: HostTaskOutcome = result[3] === 'UNREACHABLE!' ? 'unreachable' : outcomes[result[1]!]!;
    const message = outcome === 'failed' || outcome === 'unreachable' ? messageOf(result[4]) : undefined;
    return [{ type: 'host-result', host: result[2]!, task: state.task, outcome, ...(message ? { message } : {}) }];
  }
  return [{ type: 'output', line }];
}

/** ansible's `=> {"msg": ...}` of a failure: its msg, else the text. */
function messageOf(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { msg?: unknown };
    if (typeof value.msg === 'string') return value.msg;
  } catch {
    // not JSON: the text as it is
  }
  return text;
}

/** The operation's end as `slipway run` sums one up, from its status. */
export function resultOfStatus(op: ClusterOperation): OperationResult {
  const s = op.status ?? {};
  const steps: StepResult[] = (s.steps ?? []).map((st) => ({
    name: st.name, role: st.role ?? 'action', status: st.status as StepResult['status'], exitCode: null, startTime: st.startTime ?? '', endTime: st.endTime ?? '', hosts: {}, failures: [], ...(st.message ? { message: st.message } : {}),
  }));
  return {
    status: s.status === 'Succeeded' ? 'Succeeded' : 'Failed',
    ...(s.status === 'Cancelled' ? { cancelled: s.message ?? 'cancelled' } : {}),
    startTime: s.startTime ?? '',
    endTime: s.endTime ?? '',
    steps,
    ...(s.status === 'Failed' ? { failed: { step: s.failedStep ?? '', ...(s.failedTask ? { task: s.failedTask } : {}), hosts: s.failedHosts ?? [], message: s.message ?? '' } } : {}),
  };
}
