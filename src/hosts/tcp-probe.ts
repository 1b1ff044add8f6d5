import { connect } from 'node:net';

export interface TcpProbe {
  host: string;
  port: number;
  /** Written once the connection is open, e.g. "PING\r\n"; nothing is sent when absent. */
  send?: string;
  /** Resolves true as soon as the received bytes start with this. */
  expect: string;
  timeoutMs?: number;
}

/**
 * Connects, optionally sends a line and reports whether the peer's first bytes start with
 * `expect`. Any socket error, early close or timeout yields false, so it suits readiness polls.
 */
export function probeTcp(probe: TcpProbe): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: probe.host, port: probe.port });
    let received = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(probe.timeoutMs ?? 2000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(received.startsWith(probe.expect)));
    socket.once('connect', () => {
      if (probe.send !== undefined) socket.write(probe.send);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.startsWith(probe.expect)) finish(true);
      else if (received.length >= probe.expect.length) finish(false);
    });
  });
}
