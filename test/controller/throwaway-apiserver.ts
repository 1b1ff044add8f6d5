import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/util/free-port.js';
import { certPaths } from '../env/certs.js';
import { startReadyDaemon } from '../env/component.js';
import { answersOk } from '../env/http-probe.js';
import type { TestEnv } from '../env/index.js';
import { apiServerArgs } from '../env/kube-apiserver.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';

/**
 * The test environment's state file does not record etcd's address, so it is read from the
 * command line of the etcd this run started (its data dir lies under the run directory).
 */
function etcdUrlOf(runDir: string): string {
  const dataDirArg = `--data-dir=${join(runDir, 'etcd')}`;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args.includes(dataDirArg)) continue;
    const listen = args.find((a) => a.startsWith('--listen-client-urls='));
    if (listen) return listen.slice('--listen-client-urls='.length);
  }
  throw new Error(`no etcd with ${dataDirArg} is running`);
}

export interface ThrowawayApiServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A second kube-apiserver on the test environment's etcd; `port` lets a restart keep its address;
 * `etcdPrefix` makes it another, empty cluster (no CRDs, no objects of the first).
 */
export async function startThrowawayApiServer(env: TestEnv, port?: number, opts: { etcdPrefix?: string } = {}): Promise<ThrowawayApiServer> {
  const certs = certPaths(join(env.runDir, 'certs'));
  const chosen = port ?? (await freePort());
  const url = `https://127.0.0.1:${chosen}`;
  const [ca, cert, key] = await Promise.all([readFile(certs.caCert), readFile(certs.adminCert), readFile(certs.adminKey)]);
  const daemon = await startReadyDaemon({
    name: 'throwaway kube-apiserver',
    command: resolveKubeBinaries().kubeApiserver,
    args: apiServerArgs({ etcdUrl: etcdUrlOf(env.runDir), port: chosen, certs, ...(opts.etcdPrefix ? { etcdPrefix: opts.etcdPrefix } : {}) }),
    logFile: join(env.logsDir, `kube-apiserver-throwaway-${chosen}.log`),
    timeoutMs: 90_000,
    ready: () => answersOk(`${url}/readyz`, { ca, cert, key }),
  });
  return { url, port: chosen, stop: () => daemon.stop() };
}
