import type { EventSink, ExecutionEvent, OperationResult } from '../executors/types.js';

export interface ProgressOptions {
  write: (text: string) => void;
  /** Also echo ansible's own output lines. */
  verbose: boolean;
  /** Milliseconds now (tests pass a fake clock). */
  now?: () => number;
  /** Colour outcomes and step results (only on a terminal, never with NO_COLOR: the caller decides). */
  colour?: boolean;
}

const COLOURS: Record<string, number> = { ok: 32, Succeeded: 32, changed: 33, skipped: 36, ignored: 36, failed: 31, unreachable: 31, Failed: 31, TimedOut: 31, Cancelled: 33 };

/** `word` in its colour (ANSI SGR) when colour is on; `width` pads it before the codes go round it. */
export function paint(word: string, on: boolean | undefined, width = 0): string {
  const padded = word.padEnd(width);
  const code = COLOURS[word];
  return on && code ? `\x1b[${code}m${padded}\x1b[0m` : padded;
}

/** 0.4s, 12.3s, 4m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(ms, 0) / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** From two ISO times; '' when either is missing. */
export function durationBetween(start: string | undefined, end: string | undefined): string {
  if (!start || !end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? formatDuration(ms) : '';
}

/**
 * Prints step i/n, the current play and task, and each host's outcome as they happen. A host's
 * result always stands under its own task: when hosts run ahead of each other (strategy free),
 * a result for another task than the last one printed repeats that task's line first. A task
 * announced again right after itself (free announces it per host) is printed once.
 */
export function progressPrinter(opts: ProgressOptions): EventSink {
  const now = opts.now ?? Date.now;
  let shownTask: string | undefined;
  // Each task's time runs from its first announcement to the next new task's (or the step's end).
  let current: { name: string; since: number } | undefined;
  let slowest: { name: string; ms: number } | undefined;
  const taskEnds = (at: number) => {
    if (current && (!slowest || at - current.since > slowest.ms)) slowest = { name: current.name, ms: at - current.since };
    current = undefined;
  };
  const taskStarts = (name: string) => {
    if (current?.name === name) return;
    const at = now();
    taskEnds(at);
    current = { name, since: at };
  };
  const showTask = (name: string) => {
    opts.write(`    TASK ${name}\n`);
    shownTask = name;
  };
  return (e: ExecutionEvent) => {
    switch (e.type) {
      case 'step-start':
        shownTask = undefined;
        current = undefined;
        slowest = undefined;
        opts.write(`\n[${e.index + 1}/${e.total}] ${e.step.name}\n`);
        break;
      case 'play':
        shownTask = undefined;
        opts.write(`  PLAY ${e.name}\n`);
        break;
      case 'task':
        taskStarts(e.name);
        // The free strategy announces a task once per host.
        if (e.name !== shownTask) showTask(e.name);
        break;
      case 'host-result':
        if (e.outcome !== 'skipped') {
          if (e.task.trim() !== shownTask) showTask(e.task.trim());
          const message = e.message ? `: ${e.message.split('\n')[0]}` : '';
          opts.write(`      ${paint(e.outcome, opts.colour, 11)} ${e.host}${message}\n`);
        }
        break;
      case 'output':
        if (opts.verbose) opts.write(`  | ${e.line}\n`);
        break;
      case 'step-end': {
        taskEnds(now());
        const took = durationBetween(e.result.startTime, e.result.endTime);
        const slow = slowest ? `; slowest task ${slowest.name} ${formatDuration(slowest.ms)}` : '';
        opts.write(`  => ${paint(e.result.status, opts.colour)}${took || slow ? ` (${took ? `in ${took}` : ''}${took ? slow : slow.slice(2)})` : ''}${e.result.message ? `: ${e.result.message}` : ''}\n`);
        break;
      }
    }
  };
}

/** The final summary: per-step status, per-host counts, and what failed. */
export function renderSummary(result: OperationResult): string {
  const out: string[] = ['', `Result: ${result.cancelled ? 'Cancelled' : result.status}${durationBetween(result.startTime, result.endTime) ? ` in ${durationBetween(result.startTime, result.endTime)}` : ''}`];
  for (const s of result.steps) out.push(`  ${s.status.padEnd(10)} ${(durationBetween(s.startTime, s.endTime) || '-').padStart(7)}  ${s.name}`);
  const hosts = new Map<string, Record<string, number>>();
  for (const s of result.steps) {
    for (const [h, c] of Object.entries(s.hosts)) {
      const acc = hosts.get(h) ?? {};
      for (const [k, v] of Object.entries(c)) acc[k] = (acc[k] ?? 0) + v;
      hosts.set(h, acc);
    }
  }
  if (hosts.size > 0) {
    out.push('', 'Hosts:');
    for (const [h, c] of hosts) {
      out.push(`  ${h.padEnd(16)} ok=${c.ok ?? 0} changed=${c.changed ?? 0} failed=${c.failed ?? 0} unreachable=${c.unreachable ?? 0} skipped=${c.skipped ?? 0}`);
    }
  }
  if (result.failed) {
    out.push('', `Failed step: ${result.failed.step}`);
    if (result.failed.task) out.push(`Failed task: ${result.failed.task}`);
    if (result.failed.hosts.length > 0) out.push(`Failed hosts: ${result.failed.hosts.join(', ')}`);
    out.push(`Message: ${result.failed.message}`);
  }
  if (result.logFile) out.push('', `Log: ${result.logFile}`);
  return `${out.join('\n')}\n`;
}
