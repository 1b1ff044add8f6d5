import { startDaemon, waitUntilReady, type Daemon, type DaemonOptions } from '../../src/util/daemon.js';

export interface ReadyDaemonOptions extends DaemonOptions {
  ready: () => Promise<boolean>;
  timeoutMs: number;
  /** Aborting stops the daemon, so a start interrupted by a signal leaves nothing behind. */
  signal?: AbortSignal;
}

/** Starts a daemon and resolves once it is ready; on failure or abort the daemon is stopped first. */
export async function startReadyDaemon(o: ReadyDaemonOptions): Promise<Daemon> {
  o.signal?.throwIfAborted();
  const { ready, timeoutMs, signal, ...daemonOptions } = o;
  const daemon = startDaemon(daemonOptions);
  const onAbort = (): void => void daemon.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await waitUntilReady(daemon, ready, timeoutMs);
    signal?.throwIfAborted();
    return daemon;
  } catch (err) {
    await daemon.stop();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
