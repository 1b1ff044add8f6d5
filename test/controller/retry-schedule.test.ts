import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECONCILE_BACKOFF, RetrySchedule } from '../../src/controller/retry-schedule.js';

describe('reconcile retry schedule', () => {
  // random() = 1 gives each cap, 0 half of it: the delay always lies in [cap/2, cap].
  const table: [string, () => number, number[]][] = [
    ['upper bound', () => 1, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]],
    ['lower bound', () => 0, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]],
  ];
  for (const [what, random, delays] of table) {
    it(`doubles from 1 s to a 60 s cap for failures in a row (${what})`, () => {
      const s = new RetrySchedule(RECONCILE_BACKOFF, random);
      assert.deepEqual(delays.map(() => s.failed('op')), delays);
      assert.equal(s.failuresOf('op'), delays.length);
    });
  }

  it('starts again from the first delay after a success', () => {
    const s = new RetrySchedule(RECONCILE_BACKOFF, () => 1);
    s.failed('op');
    s.failed('op');
    s.succeeded('op');
    assert.equal(s.failuresOf('op'), 0);
    assert.equal(s.failed('op'), 1_000);
  });

  it('keeps each key\'s count apart', () => {
    const s = new RetrySchedule(RECONCILE_BACKOFF, () => 1);
    for (let i = 0; i < 4; i++) s.failed('a');
    assert.equal(s.failed('b'), 1_000);
    assert.equal(s.failed('a'), 16_000);
  });

  it('never retries at once: with the default jitter every delay is at least half its cap', () => {
    const s = new RetrySchedule();
    for (let i = 0; i < 20; i++) assert.ok(s.failed('op') >= 500);
  });
});
