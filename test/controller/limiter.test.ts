import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from '../../src/controller/limiter.js';

describe('Limiter', () => {
  it('runs at most `limit` tasks at once, the others in the order they came, also when tasks fail', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 1 + (i % 4)));
      running--;
      if (i % 5 === 0) throw new Error(`task ${i}`);
      return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 3000 }, (_, i) => limiter.run(task(i))));
    assert.equal(most, 3);
    assert.deepEqual(order, Array.from({ length: 3000 }, (_, i) => i));
    assert.equal(results.filter((r) => r.status === 'rejected').length, 600);
    assert.equal(limiter.queued, 0);
    assert.equal(await limiter.run(async () => 'free again'), 'free again');
  });
});
