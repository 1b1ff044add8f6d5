import { createServer, connect, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy a test can cut (refusing and dropping connections) and restore on the same port. */
export interface TcpProxy {
  port: number;
  /** Stops listening and destroys every open connection. */
  cut(): Promise<void>;
  /** Listens on the same port again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.once('close', () => sockets.delete(sock));
          sock.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen({ host: '127.0.0.1', port }, () => {
        server = s;
        resolve((s.address() as { port: number }).port);
      });
    });
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const port = await listen(0);
  return { port, cut, restore: async () => void (await listen(port)), close: cut };
}
