import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogCursor, splitTimedLine } from '../../src/executors/log-cursor.js';

/** The lines `reads` pass through one cursor, each read restarting it as a new request does. */
function passed(reads: string[][]): string[] {
  const cursor = new LogCursor();
  const out: string[] = [];
  for (const read of reads) {
    cursor.restart();
    for (const line of read) {
      const timed = splitTimedLine(line);
      if (cursor.accept(timed)) out.push(timed.text);
    }
  }
  return out;
}

describe('LogCursor', () => {
  it('splits a kubelet timestamp from the text, and leaves a line without one whole', () => {
    assert.deepEqual(splitTimedLine('2026-12-07T19:21:28.879000000Z hello world'), { time: '2026-12-07T19:21:28.879000000Z', text: 'hello world' });
    assert.deepEqual(splitTimedLine('2026-12-07T19:21:28Z '), { time: '2026-12-07T19:21:28Z', text: '' });
    assert.deepEqual(splitTimedLine('no time here'), { time: '', text: 'no time here' });
  });

  it('reads again from the last line\'s second', () => {
    const cursor = new LogCursor();
    assert.equal(cursor.since, undefined);
    cursor.accept(splitTimedLine('2026-12-07T19:21:28.879123456Z x'));
    assert.equal(cursor.since, '2026-12-07T19:21:28Z');
  });

  const table: [string, string[][], string[]][] = [
    ['a second read from the same second drops what came before', [
      ['2026-01-01T00:00:01.100000000Z a', '2026-01-01T00:00:01.200000000Z b'],
      ['2026-01-01T00:00:01.100000000Z a', '2026-01-01T00:00:01.200000000Z b', '2026-01-01T00:00:01.300000000Z c'],
    ], ['a', 'b', 'c']],
    ['lines of the same time are told apart by their count', [
      ['2026-01-01T00:00:01.5Z a', '2026-01-01T00:00:01.5Z b'],
      ['2026-01-01T00:00:01.5Z a', '2026-01-01T00:00:01.5Z b', '2026-01-01T00:00:01.5Z c', '2026-01-01T00:00:02Z d'],
    ], ['a', 'b', 'c', 'd']],
    ['fractions of different lengths compare as times', [
      ['2026-01-01T00:00:01.5Z a'],
      ['2026-01-01T00:00:01.500000000Z a', '2026-01-01T00:00:01.50000001Z b'],
    ], ['a', 'b']],
    ['a read that breaks mid-way is made good by the next', [
      ['2026-01-01T00:00:01Z a'],
      ['2026-01-01T00:00:01Z a', '2026-01-01T00:00:03Z b'],
      ['2026-01-01T00:00:03Z b', '2026-01-01T00:00:04Z c'],
    ], ['a', 'b', 'c']],
    ['lines without a time always pass', [['x'], ['x']], ['x', 'x']],
  ];
  for (const [name, reads, expected] of table) it(name, () => assert.deepEqual(passed(reads), expected));
});
