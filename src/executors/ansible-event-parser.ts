/**
 * Turns ansible-playbook's stdout lines into progress events. The events come from
 * playbooks/callback_plugins/slipway_events.py, which prefixes each JSON object with
 * EVENT_MARKER; every other line is plain output for humans. Pure.
 */
import type { ExecutionEvent, HostSummary, HostTaskOutcome } from './types.js';

export const EVENT_MARKER = '@@slipway-event ';

export type AnsibleEvent =
  | { kind: 'playbook'; file: string }
  | { kind: 'play'; name: string }
  | { kind: 'task'; name: string; play: string; handler: boolean }
  /** `check`: the failed task was an assert, which changes nothing. */
  | { kind: 'runner'; outcome: HostTaskOutcome; host: string; task: string; play: string; message?: string; check?: boolean }
  | { kind: 'stats'; hosts: Record<string, HostSummary> };

/** What one line holds: text for humans, an event, or (when they share a line) both. */
export interface ParsedLine {
  output?: string;
  event?: AnsibleEvent;
}

const OUTCOMES: readonly HostTaskOutcome[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'ignored'];
const SUMMARY_KEYS: readonly (keyof HostSummary)[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'rescued', 'ignored'];

export function parseLine(line: string): ParsedLine {
  const at = line.indexOf(EVENT_MARKER);
  if (at < 0) return { output: line };
  // The default callback may have left a line unterminated (e.g. a prompt) before the marker.
  const before = line.slice(0, at);
  const event = decodeEvent(line.slice(at + EVENT_MARKER.length));
  if (!event) return { output: line };
  return before.trim() ? { output: before, event } : { event };
}

export function decodeEvent(json: string): AnsibleEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  switch (raw.e) {
    case 'playbook':
      return { kind: 'playbook', file: str(raw.file) };
    case 'play':
      return { kind: 'play', name: str(raw.name) };
    case 'task':
      return { kind: 'task', name: str(raw.name), play: str(raw.play), handler: raw.handler === true };
    case 'runner': {
      const outcome = OUTCOMES.find((o) => o === raw.outcome);
      if (!outcome || typeof raw.host !== 'string') return undefined;
      const event: AnsibleEvent = { kind: 'runner', outcome, host: raw.host, task: str(raw.task), play: str(raw.play) };
      if (typeof raw.msg === 'string') event.message = raw.msg;
      if (raw.check === true) event.check = true;
      return event;
    }
    case 'stats': {
      if (!isRecord(raw.hosts)) return undefined;
      const hosts: Record<string, HostSummary> = {};
      for (const [host, counts] of Object.entries(raw.hosts)) hosts[host] = summary(counts);
      return { kind: 'stats', hosts };
    }
    default:
      return undefined;
  }
}

/** The part of an ansible event the executor's sink sees; playbook and stats stay internal. */
export function toExecutionEvent(event: AnsibleEvent): ExecutionEvent | undefined {
  switch (event.kind) {
    case 'play':
      return { type: 'play', name: event.name };
    case 'task':
      return { type: 'task', name: event.name };
    case 'runner':
      return {
        type: 'host-result',
        host: event.host,
        task: event.task,
        outcome: event.outcome,
        ...(event.message !== undefined ? { message: event.message } : {}),
      };
    default:
      return undefined;
  }
}

export function emptySummary(): HostSummary {
  return { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
}

function summary(value: unknown): HostSummary {
  const out = emptySummary();
  if (!isRecord(value)) return out;
  for (const key of SUMMARY_KEYS) {
    const n = value[key];
    if (typeof n === 'number' && Number.isFinite(n)) out[key] = n;
  }
  return out;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
