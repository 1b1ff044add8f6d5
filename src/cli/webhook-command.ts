import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from './logger.js';
import { startAdmissionWebhook } from '../webhook/admission-webhook.js';

export const WEBHOOK_USAGE = `Usage: slipway webhook [options]

Serves only the admission webhook that \`slipway controller\` serves on every replica (for a
controller that runs elsewhere, or a test apiserver that reaches it on this machine).

Options:
  --namespace <ns>        the controller's namespace: the Secret lives here, no ref may point
                          into it (required)
  --secret <name>         Secret with the TLS and HMAC keys, made if absent (default slipway-webhook)
  --name <dns|ip>         a name the apiserver reaches it by (repeatable; default 127.0.0.1)
  --host <addr>           listen address (default 127.0.0.1)
  --port <port>           HTTPS port (default 9443; 0: any free one, printed)
  --webhook-config <name> MutatingWebhookConfiguration whose caBundle is set (default: none)
  --kubeconfig <file>     default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account
`;

/** Runs until SIGINT/SIGTERM; prints `listening <port>` once it serves. */
export async function webhookCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        namespace: { type: 'string' },
        secret: { type: 'string' },
        name: { type: 'string', multiple: true },
        host: { type: 'string' },
        port: { type: 'string' },
        'webhook-config': { type: 'string' },
        kubeconfig: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`slipway webhook: ${(err as Error).message}\n\n${WEBHOOK_USAGE}`);
    return 3;
  }
  if (values.help) {
    process.stdout.write(WEBHOOK_USAGE);
    return 0;
  }
  const port = values.port ?? '9443';
  if (!values.namespace || !/^\d+$/.test(port)) {
    process.stderr.write(`slipway webhook: --namespace is required and --port must be a number\n\n${WEBHOOK_USAGE}`);
    return 3;
  }
  const logger = createLogger();
  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else kubeConfig.loadFromDefault();
  let webhook;
  try {
    webhook = await startAdmissionWebhook({
      kubeConfig,
      namespace: values.namespace,
      secretName: values.secret ?? 'slipway-webhook',
      names: values.name ?? ['127.0.0.1'],
      ...(values['webhook-config'] ? { configName: values['webhook-config'] } : {}),
      host: values.host ?? '127.0.0.1',
      port: Number(port),
      logger,
    });
  } catch (err) {
    process.stderr.write(`slipway webhook: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`listening ${webhook.port}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await webhook.close();
  return 0;
}
