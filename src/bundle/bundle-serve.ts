import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, waitUntilReady, type Daemon } from '../util/daemon.js';
import { bundleScriptsDir, readBundleIndex, type BundleLayout } from './bundle-layout.js';
import { renderNginxConfig, renderRegistryConfig, hostPort, type Endpoint } from './serve-config.js';
import { isRunning, readServeState, removeServeState, writeServeState, type ServeState, type ServedProcess } from './serve-state.js';

export interface ServeOptions {
  layout: BundleLayout;
  /** Addresses to listen on: loopback first, then e.g. the lab bridge's. */
  addresses: string[];
  filesPort: number;
  registryPort: number;
  stateDir?: string;
}

export class ServeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServeError';
  }
}

/** The executable in PATH or the sbin directories (root's tools live there). */
function findExecutable(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  throw new ServeError(`${name} is not installed (apt-get install -y nginx-light docker-registry)`);
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.status === 200;
}

/**
 * Starts the file server (nginx, read-only, files/) on every address and one read-only
 * docker-registry per address (it listens on one), waits until each answers, and records them.
 */
export async function startServe(opts: ServeOptions): Promise<ServeState> {
  const stateDir = opts.stateDir ?? opts.layout.serveState;
  readBundleIndex(opts.layout);
  const previous = readServeState(stateDir);
  if (previous?.processes.some(isRunning)) {
    throw new ServeError(`already serving (pid file ${join(stateDir, 'serve.json')}); stop it with \`slipway bundle serve --stop\``);
  }
  await mkdir(join(stateDir, 'nginx-tmp'), { recursive: true });
  const scripts = bundleScriptsDir();
  const files: Endpoint[] = opts.addresses.map((address) => ({ address, port: opts.filesPort }));
  const registries: Endpoint[] = opts.addresses.map((address) => ({ address, port: opts.registryPort }));
  const started: { daemon: Daemon; proc: ServedProcess; ready: string }[] = [];
  try {
    const nginxConf = join(stateDir, 'nginx.conf');
    await writeFile(
      nginxConf,
      renderNginxConfig(readFileSync(join(scripts, 'nginx.conf'), 'utf8'), {
        listen: files,
        root: opts.layout.files,
        stateDir,
        asRoot: process.getuid?.() === 0,
      }),
    );
    const nginx = startDaemon({
      name: 'nginx (files)',
      command: findExecutable('nginx'),
      args: ['-e', 'stderr', '-p', stateDir, '-c', nginxConf],
      logFile: join(stateDir, 'nginx.log'),
    });
    started.push({ daemon: nginx, proc: { name: 'files', pid: nginx.pid, command: 'nginx' }, ready: `http://${hostPort(files[0]!)}/` });
    const registryTemplate = readFileSync(join(scripts, 'registry.yml'), 'utf8');
    for (const [i, listen] of registries.entries()) {
      const config = join(stateDir, `registry-${i}.yml`);
      await writeFile(config, renderRegistryConfig(registryTemplate, { listen, storage: opts.layout.registry, readOnly: true }));
      const registry = startDaemon({
        name: `docker-registry ${hostPort(listen)}`,
        command: findExecutable('docker-registry'),
        args: ['serve', config],
        logFile: join(stateDir, `registry-${i}.log`),
      });
      started.push({ daemon: registry, proc: { name: `registry ${hostPort(listen)}`, pid: registry.pid, command: 'docker-registry' }, ready: `http://${hostPort(listen)}/v2/` });
    }
    for (const s of started) await waitUntilReady(s.daemon, () => httpOk(s.ready), 20_000);
    for (const f of files.slice(1)) {
      if (!(await httpOk(`http://${hostPort(f)}/`).catch(() => false))) throw new ServeError(`the file server does not answer on ${hostPort(f)}`);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.daemon.stop()));
    throw err;
  }
  const state: ServeState = { files, registries, processes: started.map((s) => s.proc) };
  await writeServeState(stateDir, state);
  return state;
}

/** Stops what `startServe` recorded; returns the names of the processes it stopped. */
export async function stopServe(stateDir: string, graceMs = 5000): Promise<string[]> {
  const state = readServeState(stateDir);
  if (!state) return [];
  const running = state.processes.filter(isRunning);
  const signal = (p: ServedProcess, sig: NodeJS.Signals): void => {
    try {
      process.kill(-p.pid, sig);
    } catch {
      /* already gone */
    }
  };
  running.forEach((p) => signal(p, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (running.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  running.filter(isRunning).forEach((p) => signal(p, 'SIGKILL'));
  await removeServeState(stateDir);
  return running.map((p) => p.name);
}
