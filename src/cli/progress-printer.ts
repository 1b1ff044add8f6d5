import type { EventSink, ExecutionEvent, OperationResult } from '../executors/types.js';

export interface ProgressOptions {
  write: (text: string) => void;
  /** Also echo ansible's own output lines. */
  verbose: boolean;
}

/**
 * Prints step i/n, the current play and task, and each host's outcome as they happen. A host's
 * result always stands under its own task: when hosts run ahead of each other (strategy free),
 * a result for another task than the last one printed repeats that task's line first. A task
 * announced again right after itself (free announces it per host) is printed once.
 */
export function progressPrinter(opts: ProgressOptions): EventSink {
  let shownTask: string | undefined;
  const showTask = (name: string) => {
    opts.write(`    TASK ${name}\n`);
    shownTask = name;
  };
  return (e: ExecutionEvent) => {
    switch (e.type) {
      case 'step-start':
        shownTask = undefined;
        opts.write(`\n[${e.index + 1}/${e.total}] ${e.step.name}\n`);
        break;
      case 'play':
        shownTask = undefined;
        opts.write(`  PLAY ${e.name}\n`);
        break;
      case 'task':
        // The free strategy announces a task once per host.
        if (e.name !== shownTask) showTask(e.name);
        break;
      case 'host-result':
        if (e.outcome !== 'skipped') {
          if (e.task.trim() !== shownTask) showTask(e.task.trim());
          const message = e.message ? `: ${e.message.split('\n')[0]}` : '';
          opts.write(`      ${e.outcome.padEnd(11)} ${e.host}${message}\n`);
        }
        break;
      case 'output':
        if (opts.verbose) opts.write(`  | ${e.line}\n`);
        break;
      case 'step-end':
        opts.write(`  => ${e.result.status}${e.result.message ? `: ${e.result.message}` : ''}\n`);
        break;
    }
  };
}

/** The final summary: per-step status, per-host counts, and what failed. */
export function renderSummary(result: OperationResult): string {
  const out: string[] = ['', `Result: ${result.status}`];
  for (const s of result.steps) out.push(`  ${s.status.padEnd(10)} ${s.name}`);
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
