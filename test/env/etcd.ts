import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Daemon } from '../../src/util/daemon.js';
import { startReadyDaemon } from './component.js';
import { freePort } from '../../src/util/free-port.js';
import { httpGet } from './http-probe.js';

export interface EtcdOptions {
  bin: string;
  /** The member's data directory is created below it. */
  dir: string;
  logFile: string;
  signal?: AbortSignal;
}

export interface Etcd {
  url: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

export function etcdArgs(o: { dataDir: string; clientPort: number; peerPort: number }): string[] {
  const client = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    '--name=slipway-test',
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=slipway-test=${peer}`,
    '--initial-cluster-state=new',
    // Throwaway data: durability buys nothing and fsync is the slowest part on small disks.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export async function startEtcd(o: EtcdOptions): Promise<Etcd> {
  const dataDir = join(o.dir, 'etcd');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [clientPort, peerPort] = await Promise.all([freePort(), freePort()]);
  const url = `http://127.0.0.1:${clientPort}`;
  const daemon = await startReadyDaemon({
    name: 'etcd',
    command: o.bin,
    args: etcdArgs({ dataDir, clientPort, peerPort }),
    logFile: o.logFile,
    signal: o.signal,
    timeoutMs: 30_000,
    ready: async () => {
      const res = await httpGet(`${url}/health`);
      return res.status === 200 && (JSON.parse(res.body) as { health?: string }).health === 'true';
    },
  });
  return { url, daemon, stop: () => daemon.stop() };
}
