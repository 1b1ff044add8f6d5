import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTcp } from '../../src/hosts/tcp-probe.js';
import { startDaemon, waitUntilReady, type Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';

/**
 * A redis-server of the test's own (the environment's is shared by every test) that keeps its
 * data across restarts: an append-only file, fsynced on every write, in a temporary directory.
 */
export interface PersistentRedis {
  host: string;
  port: number;
  /** SIGTERM (Redis flushes its AOF and exits), then waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function startPersistentRedis(): Promise<PersistentRedis> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-redis-'));
  let daemon: Daemon | undefined;
  const start = async (): Promise<void> => {
    daemon = startDaemon({
      name: 'redis-server (persistent)',
      command: '/usr/bin/redis-server',
      args: ['--bind', host, '--port', String(port), '--protected-mode', 'no', '--save', '', '--appendonly', 'yes',
        '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
      logFile: join(dir, 'redis.log'),
      cwd: dir,
    });
    await waitUntilReady(daemon, () => probeTcp({ host, port, send: 'PING\r\n', expect: '+PONG' }), 30_000, 50);
  };
  const stop = async (): Promise<void> => {
    await daemon?.stop();
    daemon = undefined;
  };
  await start();
  return {
    host,
    port,
    stop,
    start,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
