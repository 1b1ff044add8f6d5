import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { freePort } from '../util/free-port.js';
import { DaemonError, startDaemon, waitUntilReady, type Daemon } from '../util/daemon.js';
import { buildSshdConfig } from './sshd-config.js';
import { generateEd25519Key, knownHostsLine } from './ssh-keys.js';
import { probeTcp } from './tcp-probe.js';
import { childPids, terminate } from './child-processes.js';

export interface LocalHost {
  name: string;
  address: string;
  port: number;
}

export interface LocalHostFleet {
  hosts: LocalHost[];
  /** The account the hosts let in: the user running the fleet, i.e. root on CI and in the demo. */
  user: string;
  privateKeyPath: string;
  privateKey: string;
  publicKey: string;
  /** Holds "[address]:port" entries for every host, for StrictHostKeyChecking=yes. */
  knownHostsPath: string;
  stop(): Promise<void>;
}

export interface LocalHostsOptions {
  /** Keys, configs and pid files go here; created if missing. */
  dir: string;
  count: number;
  /** One sshd log per host, "sshd-<name>.log". */
  logDir: string;
  /** Defaults to 127.0.0.11, 127.0.0.12, … */
  addresses?: string[];
  /** Defaults to node1, node2, … */
  names?: string[];
  /** One fixed port for every host (each has its own address); default: a free port each. */
  port?: number;
}

export class LocalHostsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalHostsError';
  }
}

const SSHD = '/usr/sbin/sshd';
/** sshd's privilege separation directory, compiled into Debian's build; it must exist when run as root. */
const PRIVSEP_DIR = '/run/sshd';
const PORT_ATTEMPTS = 3;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Starts `count` sshd processes, one per loopback address, that act as the machines a
 * cluster is installed on. Loopback addresses other than 127.0.0.1 need no setup on Linux.
 */
export async function startLocalHosts(opts: LocalHostsOptions): Promise<LocalHostFleet> {
  const planned = planHosts(opts);
  await Promise.all([mkdir(opts.dir, { recursive: true }), mkdir(opts.logDir, { recursive: true })]);
  if (process.getuid?.() === 0) await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });

  const authorizedKeysFile = join(opts.dir, 'authorized_keys');
  const client = await generateEd25519Key(join(opts.dir, 'id_ed25519'), 'slipway-local-client');
  await writeFile(authorizedKeysFile, `${client.publicKey}\n`, { mode: 0o600 });

  const started: StartedHost[] = [];
  const results = await Promise.allSettled(
    planned.map(async (host) => {
      const one = await startHost(host, opts, authorizedKeysFile);
      started.push(one);
      return one;
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map(stopHost));
    throw failed.reason;
  }
  const hosts = results.map((r) => (r as PromiseFulfilledResult<StartedHost>).value);

  const knownHostsPath = join(opts.dir, 'known_hosts');
  const knownHosts = hosts.map((h) => knownHostsLine(h.host.address, h.host.port, h.hostPublicKey));
  await writeFile(knownHostsPath, `${knownHosts.join('\n')}\n`);

  return {
    hosts: hosts.map((h) => h.host),
    user: userInfo().username,
    privateKeyPath: client.privateKeyPath,
    privateKey: client.privateKey,
    publicKey: client.publicKey,
    knownHostsPath,
    async stop() {
      await Promise.all(hosts.map(stopHost));
    },
  };
}

/**
 * sshd serves each connection from a child in its own session, which outlives the listener;
 * ansible's ControlPersist would keep those around for a minute after the fleet is gone.
 */
async function stopHost(started: StartedHost): Promise<void> {
  const connections = await childPids(started.daemon.pid);
  await started.daemon.stop();
  await terminate(connections);
}

interface PlannedHost {
  name: string;
  address: string;
}

interface StartedHost {
  host: LocalHost;
  hostPublicKey: string;
  daemon: Daemon;
}

function planHosts(opts: LocalHostsOptions): PlannedHost[] {
  const { count, addresses, names } = opts;
  if (!Number.isInteger(count) || count < 1 || count > 200) {
    throw new LocalHostsError(`count must be an integer from 1 to 200, got ${count}`);
  }
  if (addresses && addresses.length < count) {
    throw new LocalHostsError(`${count} hosts requested but only ${addresses.length} addresses given`);
  }
  if (names && names.length < count) {
    throw new LocalHostsError(`${count} hosts requested but only ${names.length} names given`);
  }
  const planned = Array.from({ length: count }, (_, i) => ({
    name: names?.[i] ?? `node${i + 1}`,
    address: addresses?.[i] ?? `127.0.0.${11 + i}`,
  }));
  for (const field of ['name', 'address'] as const) {
    const values = planned.map((h) => h[field]);
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup !== undefined) throw new LocalHostsError(`${field} ${dup} is used twice`);
  }
  const badName = planned.find((h) => !NAME.test(h.name));
  if (badName) throw new LocalHostsError(`host name ${JSON.stringify(badName.name)} is not usable as a file name`);
  return planned;
}

async function startHost(planned: PlannedHost, opts: LocalHostsOptions, authorizedKeysFile: string): Promise<StartedHost> {
  const hostDir = join(opts.dir, planned.name);
  await mkdir(hostDir, { recursive: true });
  const hostKey = await generateEd25519Key(join(hostDir, 'ssh_host_ed25519_key'), `slipway-${planned.name}`);
  const configPath = join(hostDir, 'sshd_config');
  const logFile = join(opts.logDir, `sshd-${planned.name}.log`);

  // freePort only reserves the port until it returns; another process may take it before
  // sshd binds, so a bind failure is retried with a fresh port.
  // A fixed port that answers already would pass the readiness probe for someone else's sshd.
  if (opts.port !== undefined && (await probeTcp({ host: planned.address, port: opts.port, expect: '', timeoutMs: 500 }))) {
    throw new LocalHostsError(`${planned.address}:${opts.port} is in use: another sshd (or another demo) listens there`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort(planned.address));
    const config = buildSshdConfig({
      listenAddress: planned.address,
      port,
      hostKeyPath: hostKey.privateKeyPath,
      pidFile: join(hostDir, 'sshd.pid'),
      authorizedKeysFile,
    });
    await writeFile(configPath, config);
    const daemon = startDaemon({ name: `sshd ${planned.name}`, command: SSHD, args: ['-D', '-e', '-f', configPath], logFile });
    try {
      await waitUntilReady(daemon, () => probeTcp({ host: planned.address, port, expect: 'SSH-2.0' }), 30_000, 50);
      return { host: { ...planned, port }, hostPublicKey: hostKey.publicKey, daemon };
    } catch (error) {
      await daemon.stop();
      const portTaken = error instanceof DaemonError && /Address already in use/.test(error.logTail);
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
