import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/controller/leader-election.js';
import { loadTestEnv } from '../env/index.js';
import { EventRecorder } from './event-recorder.js';
import { kubeConfigFor } from './kubeconfig-for.js';
import { startTcpProxy } from './tcp-proxy.js';

const env = loadTestEnv();
const TIMING = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
const electors: LeaderElector[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const e of electors) await e.stop();
  for (const c of cleanups) await c();
});

interface Change {
  who: string;
  leading: boolean;
  at: number;
}

/** Candidates for one Lease, recording every change of leadership and checking no two ever lead at once. */
function candidates(namespace: string, lease: string, names: string[], kubeConfigs: Record<string, KubeConfig> = {}) {
  const errors = new EventRecorder<{ who: string; message: string }>();
  const changes = new EventRecorder<Change>();
  const leaders = new Set<string>();
  let overlaps = 0;
  const signals = new Map<string, AbortSignal>();
  const made = names.map((who) => {
    const elector = new LeaderElector({
      kubeConfig: kubeConfigs[who] ?? env.kubeConfig,
      namespace,
      name: lease,
      identity: who,
      ...TIMING,
      onStartedLeading: (signal) => {
        leaders.add(who);
        if (leaders.size > 1) overlaps++;
        signals.set(who, signal);
        changes.push({ who, leading: true, at: Date.now() });
      },
      onStoppedLeading: () => {
        leaders.delete(who);
        changes.push({ who, leading: false, at: Date.now() });
      },
      onError: (err) => errors.push({ who, message: err.message }),
    });
    electors.push(elector);
    return [who, elector] as const;
  });
  return { electors: new Map(made), changes, errors, leaders, signals, overlaps: () => overlaps };
}

const leaderOf = (leaders: Set<string>): string => {
  assert.equal(leaders.size, 1, `leaders: ${[...leaders].join(', ')}`);
  return [...leaders][0]!;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('leader election over a Lease', () => {
  it('lets exactly one of several candidates lead', async () => {
    const namespace = await env.namespace('lease');
    const c = candidates(namespace, env.randomName('lease'), ['a', 'b', 'c']);
    for (const e of c.electors.values()) e.start();
    await c.changes.waitFor('a leader', (e) => e.some((x) => x.leading));
    await pause(4 * TIMING.retryPeriodMs);
    const leader = leaderOf(c.leaders);
    assert.deepEqual([...c.electors].filter(([, e]) => e.isLeader).map(([w]) => w), [leader]);
    assert.equal(c.overlaps(), 0);
  });

  it('hands over after the leader stops renewing, only once its Lease has expired', async () => {
    const namespace = await env.namespace('lease');
    const c = candidates(namespace, env.randomName('lease'), ['a', 'b']);
    for (const e of c.electors.values()) e.start();
    await c.changes.waitFor('a leader', (e) => e.some((x) => x.leading));
    await pause(2 * TIMING.retryPeriodMs);
    const first = leaderOf(c.leaders);
    const second = first === 'a' ? 'b' : 'a';

    const diedAt = Date.now();
    await c.electors.get(first)!.stop({ release: false });
    assert.equal(c.signals.get(first)!.aborted, true);
    await c.changes.waitFor(`${second} to lead`, (e) => e.some((x) => x.who === second && x.leading), 2 * TIMING.leaseDurationMs);
    const tookOverAfter = c.changes.events.find((x) => x.who === second && x.leading)!.at - diedAt;
    // The standby last saw the Lease change at most one retry period before the leader died.
    assert.ok(tookOverAfter >= TIMING.leaseDurationMs - 2 * TIMING.retryPeriodMs, `took over after ${tookOverAfter} ms, before the Lease expired`);
    assert.ok(tookOverAfter <= TIMING.leaseDurationMs + 3 * TIMING.retryPeriodMs, `took over after ${tookOverAfter} ms`);
    assert.equal(c.overlaps(), 0);
  });

  it('hands over at once when the leader releases the Lease', async () => {
    const namespace = await env.namespace('lease');
    const c = candidates(namespace, env.randomName('lease'), ['a', 'b']);
    for (const e of c.electors.values()) e.start();
    await c.changes.waitFor('a leader', (e) => e.some((x) => x.leading));
    const first = leaderOf(c.leaders);
    const second = first === 'a' ? 'b' : 'a';

    const releasedAt = Date.now();
    await c.electors.get(first)!.stop();
    await c.changes.waitFor(`${second} to lead`, (e) => e.some((x) => x.who === second && x.leading));
    const tookOverAfter = c.changes.events.find((x) => x.who === second && x.leading)!.at - releasedAt;
    assert.ok(tookOverAfter < TIMING.leaseDurationMs / 2, `took over after ${tookOverAfter} ms`);
    assert.equal(c.overlaps(), 0);
  });

  it('steps down when it cannot reach the apiserver for the renew deadline, before the standby takes over', async () => {
    const namespace = await env.namespace('lease');
    const apiUrl = new URL(env.apiServerUrl);
    const proxy = await startTcpProxy({ host: apiUrl.hostname, port: Number(apiUrl.port) });
    cleanups.push(() => proxy.close());
    const c = candidates(namespace, env.randomName('lease'), ['cut-off', 'standby'], { 'cut-off': kubeConfigFor(env.kubeConfig, `https://127.0.0.1:${proxy.port}`) });
    c.electors.get('cut-off')!.start();
    await c.changes.waitFor('cut-off to lead', (e) => e.some((x) => x.who === 'cut-off' && x.leading));
    c.electors.get('standby')!.start();
    await pause(2 * TIMING.retryPeriodMs);

    await proxy.cut();
    await c.changes.waitFor('standby to lead', (e) => e.some((x) => x.who === 'standby' && x.leading), 2 * TIMING.leaseDurationMs);
    const steppedDown = c.changes.events.find((x) => x.who === 'cut-off' && !x.leading);
    const tookOver = c.changes.events.find((x) => x.who === 'standby' && x.leading)!;
    assert.ok(steppedDown && steppedDown.at < tookOver.at, JSON.stringify(c.changes.events));
    assert.ok(c.errors.events.some((e) => e.who === 'cut-off'));
    assert.equal(c.overlaps(), 0);
  });
});
