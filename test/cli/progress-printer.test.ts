import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressPrinter } from '../../src/cli/progress-printer.js';
import type { ExecutionEvent } from '../../src/executors/types.js';

function printed(events: ExecutionEvent[]): string[] {
  const out: string[] = [];
  const sink = progressPrinter({ write: (t) => out.push(...t.split('\n').filter((l) => l !== '')), verbose: false });
  for (const e of events) sink(e);
  return out;
}

const task = (name: string): ExecutionEvent => ({ type: 'task', name });
const ok = (host: string, taskName: string): ExecutionEvent => ({ type: 'host-result', host, task: taskName, outcome: 'ok' });

describe('progressPrinter', () => {
  it('prints each host under the task in the linear order', () => {
    assert.deepEqual(printed([{ type: 'play', name: 'P' }, task('A'), ok('n1', 'A'), ok('n2', 'A'), task('B'), ok('n1', 'B'), ok('n2', 'B')]), [
      '  PLAY P', '    TASK A', '      ok          n1', '      ok          n2', '    TASK B', '      ok          n1', '      ok          n2',
    ]);
  });

  it('keeps every host under its own task when hosts run ahead (strategy free: a task start per host, results interleaved)', () => {
    const events = [
      { type: 'play', name: 'P' } as ExecutionEvent,
      task('A'), task('A'),
      ok('n1', 'A'),
      task('B'),
      ok('n2', 'A'),
      ok('n1', 'B'),
      task('B'),
      ok('n2', 'B'),
    ];
    assert.deepEqual(printed(events), [
      '  PLAY P',
      '    TASK A', '      ok          n1',
      '    TASK B',
      '    TASK A', '      ok          n2',
      '    TASK B', '      ok          n1', '      ok          n2',
    ]);
  });

  it('names the task again in a new play or step, and leaves skipped hosts out', () => {
    const events: ExecutionEvent[] = [
      { type: 'play', name: 'P1' }, task('A'), ok('n1', 'A'),
      { type: 'play', name: 'P2' }, ok('n1', 'A'), { type: 'host-result', host: 'n2', task: 'A', outcome: 'skipped' },
    ];
    assert.deepEqual(printed(events), ['  PLAY P1', '    TASK A', '      ok          n1', '  PLAY P2', '    TASK A', '      ok          n1']);
  });
});

describe('progressPrinter durations', () => {
  it('ends each step with its duration and its slowest task, and the summary with each step\'s', async () => {
    const { renderSummary } = await import('../../src/cli/progress-printer.js');
    let t = 0;
    const out: string[] = [];
    const sink = progressPrinter({ write: (s) => out.push(...s.split('\n').filter((l) => l !== '')), verbose: false, now: () => t });
    const step = { name: 'action: ping.yml', kind: 'playbook', source: 'builtin', argv: [] } as unknown as Extract<ExecutionEvent, { type: 'step-start' }>['step'];
    const result = { name: 'action: ping.yml', role: 'action' as const, status: 'Succeeded' as const, exitCode: 0, startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:01:05.000Z', hosts: {}, failures: [] };
    sink({ type: 'step-start', index: 0, total: 1, step });
    sink(task('Gather'));
    t = 2_500;
    sink(task('Ping'));
    t = 3_000;
    sink(task('Ping'));
    t = 64_000;
    sink({ type: 'step-end', index: 0, result });
    assert.deepEqual(out, ['[1/1] action: ping.yml', '    TASK Gather', '    TASK Ping', '  => Succeeded (in 1m05s; slowest task Ping 1m02s)']);
    assert.equal(
      renderSummary({ status: 'Succeeded', startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:01:06.000Z', steps: [result] }),
      '\nResult: Succeeded in 1m06s\n  Succeeded    1m05s  action: ping.yml\n',
    );
  });
});

describe('progressPrinter colour', () => {
  it('colours outcomes only when told to (a terminal without NO_COLOR), keeping the columns', () => {
    const lines = (colour: boolean): string[] => {
      const out: string[] = [];
      const sink = progressPrinter({ write: (t) => out.push(...t.split('\n').filter((l) => l !== '')), verbose: false, colour });
      sink(task('A'));
      sink({ type: 'host-result', host: 'n1', task: 'A', outcome: 'failed', message: 'boom' });
      return out;
    };
    assert.deepEqual(lines(false), ['    TASK A', '      failed      n1: boom']);
    assert.deepEqual(lines(true), ['    TASK A', '      \x1b[31mfailed     \x1b[0m n1: boom']);
  });
});
