import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_MARKER, parseLine, toExecutionEvent } from '../../src/executors/ansible-event-parser.js';

const marker = (obj: unknown) => `${EVENT_MARKER}${JSON.stringify(obj)}`;

test('plain lines are output', () => {
  assert.deepEqual(parseLine('TASK [x] ****'), { output: 'TASK [x] ****' });
  assert.deepEqual(parseLine(''), { output: '' });
});

test('marker lines become events', () => {
  const cases: [unknown, unknown][] = [
    [{ e: 'playbook', file: 'cluster.yml' }, { kind: 'playbook', file: 'cluster.yml' }],
    [{ e: 'play', name: 'Install' }, { kind: 'play', name: 'Install' }],
    [{ e: 'task', name: 'Ping', play: 'Install', handler: true }, { kind: 'task', name: 'Ping', play: 'Install', handler: true }],
    [
      { e: 'runner', outcome: 'failed', host: 'node2', task: 'Ping', play: 'Install', msg: 'boom' },
      { kind: 'runner', outcome: 'failed', host: 'node2', task: 'Ping', play: 'Install', message: 'boom' },
    ],
    [
      { e: 'runner', outcome: 'failed', host: 'node1', task: 'Refuse a downgrade', play: 'Check', msg: 'refused', check: true },
      { kind: 'runner', outcome: 'failed', host: 'node1', task: 'Refuse a downgrade', play: 'Check', message: 'refused', check: true },
    ],
    [
      { e: 'runner', outcome: 'ignored', host: 'node1', task: 'T', play: 'P' },
      { kind: 'runner', outcome: 'ignored', host: 'node1', task: 'T', play: 'P' },
    ],
    [
      { e: 'stats', hosts: { node1: { ok: 3, changed: 1, failed: 0, unreachable: 0, skipped: 2, rescued: 0, ignored: 1 } } },
      { kind: 'stats', hosts: { node1: { ok: 3, changed: 1, failed: 0, unreachable: 0, skipped: 2, rescued: 0, ignored: 1 } } },
    ],
  ];
  for (const [input, event] of cases) assert.deepEqual(parseLine(marker(input)), { event });
});

test('stats with missing or odd counts default to zero', () => {
  const parsed = parseLine(marker({ e: 'stats', hosts: { n: { ok: 'x', changed: 2 } } }));
  assert.deepEqual(parsed.event, {
    kind: 'stats',
    hosts: { n: { ok: 0, changed: 2, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 } },
  });
});

test('text before the marker on the same line is kept as output', () => {
  assert.deepEqual(parseLine(`Press enter:${marker({ e: 'play', name: 'P' })}`), {
    output: 'Press enter:',
    event: { kind: 'play', name: 'P' },
  });
});

test('broken or unknown marker lines are passed on as output, not dropped', () => {
  for (const line of [`${EVENT_MARKER}{not json`, marker({ e: 'mystery' }), marker([1]), marker({ e: 'runner', outcome: 'weird', host: 'h' })]) {
    assert.deepEqual(parseLine(line), { output: line });
  }
});

test('only play, task and runner events reach the sink', () => {
  assert.deepEqual(toExecutionEvent({ kind: 'play', name: 'P' }), { type: 'play', name: 'P' });
  assert.deepEqual(toExecutionEvent({ kind: 'task', name: 'T', play: 'P', handler: false }), { type: 'task', name: 'T' });
  assert.deepEqual(toExecutionEvent({ kind: 'runner', outcome: 'changed', host: 'h', task: 'T', play: 'P' }), {
    type: 'host-result',
    host: 'h',
    task: 'T',
    outcome: 'changed',
  });
  assert.equal(toExecutionEvent({ kind: 'stats', hosts: {} }), undefined);
  assert.equal(toExecutionEvent({ kind: 'playbook', file: 'x' }), undefined);
});

test('a debug message travels with the host result', () => {
  const parsed = parseLine(marker({ e: 'runner', outcome: 'ok', host: 'node1', task: 'Show', play: 'P', msg: 'Debian 12' }));
  assert.deepEqual(toExecutionEvent(parsed.event!), { type: 'host-result', host: 'node1', task: 'Show', outcome: 'ok', message: 'Debian 12' });
});
