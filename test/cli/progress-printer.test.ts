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
