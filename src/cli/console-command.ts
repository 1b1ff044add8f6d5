/** `slipway console`: the web console (src/console/), until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { consoleCertificate, fingerprint } from '../console/console-tls.js';
import { startConsole } from '../console/console-server.js';
import { createLogger } from './logger.js';
import { managementKubeConfig } from './management-cluster.js';

export const CONSOLE_USAGE = `Usage: slipway console [options]

Serves the web console: sign in with a Kubernetes bearer token; every call to the apiserver is
then made with that token, so Kubernetes RBAC decides what each user sees and may do. The
console's own credentials are used only to verify tokens (TokenReview).

Options:
  --host <addr>           listen address (default 127.0.0.1)
  --port <port>           HTTPS port (default 8443; 0: any free one, printed)
  --tls-cert-dir <dir>    tls.crt and tls.key to serve with (default: a self-signed
                          certificate for the --name values, its fingerprint printed)
  --name <dns|ip>         a name the certificate is for (repeatable; default localhost, 127.0.0.1)
  --plain-http            serve HTTP (only behind a proxy that terminates TLS)
  --idle-minutes <n>      a session ends after this long without a request (default 30)
  --session-hours <n>     and this long after sign-in at the latest (default 8)
  --kube-versions <list>  the releases the offline bundle serves (comma-separated, as the
                          controller's --kube-versions): Upgrade offers those one minor up at most
  --kubeconfig <file>     the apiserver to talk to (and the credentials for TokenReview);
                          default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account
`;

export async function consoleCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8443' },
        'tls-cert-dir': { type: 'string' },
        name: { type: 'string', multiple: true },
        'plain-http': { type: 'boolean', default: false },
        'idle-minutes': { type: 'string', default: '30' },
        'session-hours': { type: 'string', default: '8' },
        'kube-versions': { type: 'string', default: '' },
        kubeconfig: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`slipway console: ${(err as Error).message}\n\n${CONSOLE_USAGE}`);
    return 3;
  }
  if (values.help) {
    process.stdout.write(CONSOLE_USAGE);
    return 0;
  }
  const numbers = [values.port, values['idle-minutes'], values['session-hours']];
  if (numbers.some((n) => !/^\d+$/.test(n))) {
    process.stderr.write(`slipway console: --port, --idle-minutes and --session-hours take whole numbers\n\n${CONSOLE_USAGE}`);
    return 3;
  }
  const kubeVersions = values['kube-versions'].split(',').map((v) => v.trim()).filter(Boolean);
  const badVersion = kubeVersions.find((v) => !/^v\d+\.\d+\.\d+$/.test(v));
  if (badVersion !== undefined) {
    process.stderr.write(`slipway console: --kube-versions takes releases such as v1.34.4, not ${JSON.stringify(badVersion)}\n\n${CONSOLE_USAGE}`);
    return 3;
  }
  const logger = createLogger();
  const tls = values['plain-http'] ? undefined : await consoleCertificate(values['tls-cert-dir'], values.name ?? ['localhost', '127.0.0.1']);
  let running;
  try {
    running = await startConsole({
      kubeConfig: managementKubeConfig(values.kubeconfig),
      host: values.host,
      port: Number(values.port),
      ...(tls ? { tls } : {}),
      kubeVersions,
      sessions: { idleMs: Number(values['idle-minutes']) * 60_000, maxMs: Number(values['session-hours']) * 3600_000 },
      logger,
    });
  } catch (err) {
    process.stderr.write(`slipway console: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`listening ${running.port}\nconsole at ${running.url}\n`);
  if (tls?.selfSigned) process.stdout.write(`self-signed certificate, SHA-256 fingerprint ${fingerprint(tls.cert)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
  return 0;
}
