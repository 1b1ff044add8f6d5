import { mkdir } from 'node:fs/promises';
import type { Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import type { CertPaths } from './certs.js';
import { startReadyDaemon } from './component.js';
import { answersOk } from './http-probe.js';

export interface ControllerOptions {
  bin: string;
  kubeconfig: string;
  /** Where the component writes its self-signed serving certificate. */
  certDir: string;
  logFile: string;
  signal?: AbortSignal;
}

export interface Component {
  name: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** Flags kube-controller-manager and kube-scheduler share: serving on loopback, auth through the admin kubeconfig. */
function commonArgs(o: ControllerOptions, port: number): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--authentication-kubeconfig=${o.kubeconfig}`,
    `--authorization-kubeconfig=${o.kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${o.certDir}`,
    '--v=1',
  ];
}

export function controllerManagerArgs(o: ControllerOptions, port: number, certs: CertPaths): string[] {
  return [
    ...commonArgs(o, port),
    '--controllers=*',
    '--use-service-account-credentials=false',
    // Every controller shares one client; at its default 20 requests/s the Job controller (about
    // seven requests per Job: pod, status updates, finalizer, Events) made a few Jobs a second.
    '--kube-api-qps=300',
    '--kube-api-burst=600',
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
  ];
}

export function schedulerArgs(o: ControllerOptions, port: number): string[] {
  return commonArgs(o, port);
}

async function startComponent(name: string, o: ControllerOptions, args: (port: number) => string[]): Promise<Component> {
  await mkdir(o.certDir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const daemon = await startReadyDaemon({
    name,
    command: o.bin,
    args: args(port),
    logFile: o.logFile,
    signal: o.signal,
    timeoutMs: 60_000,
    // Its serving certificate is self-signed, so readiness skips verification.
    ready: () => answersOk(`https://127.0.0.1:${port}/healthz`, { insecure: true }),
  });
  return { name, daemon, stop: () => daemon.stop() };
}

export function startControllerManager(o: ControllerOptions, certs: CertPaths): Promise<Component> {
  return startComponent('kube-controller-manager', o, (port) => controllerManagerArgs(o, port, certs));
}

export function startScheduler(o: ControllerOptions): Promise<Component> {
  return startComponent('kube-scheduler', o, (port) => schedulerArgs(o, port));
}
