import { mkdir } from 'node:fs/promises';
import { freePort } from '../../src/util/free-port.js';
import { startDaemon, waitUntilReady } from '../../src/util/daemon.js';
import { probeTcp } from '../../src/hosts/tcp-probe.js';

export interface RedisServer {
  host: string;
  port: number;
  url: string;
  stop(): Promise<void>;
}

const REDIS_SERVER = '/usr/bin/redis-server';

/** Starts a throwaway, non-persistent redis-server on a free loopback port. */
export async function startRedis(opts: { dir: string; logFile: string }): Promise<RedisServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  await mkdir(opts.dir, { recursive: true });
  const daemon = startDaemon({
    name: 'redis-server',
    command: REDIS_SERVER,
    // No config file: Debian's /etc/redis/redis.conf is left alone, everything is on argv.
    args: [
      '--bind', host,
      '--port', String(port),
      '--protected-mode', 'no',
      '--save', '',
      '--appendonly', 'no',
      '--dir', opts.dir,
      '--daemonize', 'no',
      '--logfile', '',
    ],
    logFile: opts.logFile,
    cwd: opts.dir,
  });
  try {
    await waitUntilReady(daemon, () => probeTcp({ host, port, send: 'PING\r\n', expect: '+PONG' }), 30_000, 50);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return { host, port, url: `redis://${host}:${port}`, stop: () => daemon.stop() };
}
