import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeComputedStatus, type GuardedWrite } from '../../src/status/guarded-status-write.js';

interface Obj {
  metadata: { uid?: string; resourceVersion?: string };
  status?: { n: number };
}
const obj = (rv: string, n: number, uid = 'u1'): Obj => ({ metadata: { uid, resourceVersion: rv }, status: { n } });

/** Writes answer in turn from `answers`; reads return `reads` in turn. */
function run(start: Obj | undefined, answers: GuardedWrite[], reads: (Obj | undefined)[], attempts = 3) {
  const writes: { rv: string | undefined; n: number }[] = [];
  const result = writeComputedStatus<Obj, { n: number }>({
    object: start,
    compute: (o) => (o.status?.n === 99 ? undefined : { n: (o.status?.n ?? 0) + 1 }),
    write: (o, s) => {
      writes.push({ rv: o.metadata.resourceVersion, n: s.n });
      return Promise.resolve(answers.shift() ?? 'written');
    },
    read: () => Promise.resolve(reads.shift()),
    attempts,
  });
  return { result, writes };
}

describe('a status computed from the object it was read with', () => {
  it('is written once when the object has not changed', async () => {
    const { result, writes } = run(obj('1', 1), ['written'], []);
    assert.deepEqual(await result, { result: 'written', object: obj('1', 1), status: { n: 2 } });
    assert.deepEqual(writes, [{ rv: '1', n: 2 }]);
  });

  it('is computed again from the object read again when it changed meanwhile', async () => {
    const { result, writes } = run(obj('1', 1), ['changed', 'written'], [obj('2', 5)]);
    assert.deepEqual((await result).result, 'written');
    assert.deepEqual(writes, [{ rv: '1', n: 2 }, { rv: '2', n: 6 }]);
  });

  it('gives up after its attempts, each finding it changed', async () => {
    const { result, writes } = run(obj('1', 1), ['changed', 'changed'], [obj('2', 1)], 2);
    assert.deepEqual(await result, { result: 'changed' });
    assert.equal(writes.length, 2);
  });

  it('is not written when nothing is to be written, when there is no object, or to another object of that name', async () => {
    assert.deepEqual(await run(obj('1', 99), [], []).result, { result: 'unchanged' });
    assert.deepEqual(await run(undefined, [], []).result, { result: 'gone' });
    assert.deepEqual(await run(obj('1', 1), ['gone'], []).result, { result: 'gone' });
    const other = run(obj('1', 1), ['changed'], [obj('2', 1, 'u2')]);
    assert.deepEqual(await other.result, { result: 'gone' });
    assert.equal(other.writes.length, 1);
  });
});
