/**
 * `slipway webhook`: serves only the admission webhook that `slipway controller` serves on every
 * replica (for a controller that runs elsewhere, or a test apiserver that reaches it here).
 */
import { createLogger } from './logger.js';
import { startAdmissionWebhook } from '../webhook/admission-webhook.js';
import { UsageError } from './exit-codes.js';
import { managementKubeConfig, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { admissionWebhookOptions, DEFAULT_WEBHOOK_PORT, DEFAULT_WEBHOOK_SECRET, untilStopSignal } from './webhook-flags.js';

export interface WebhookCommandFlags extends ClusterFlags {
  namespace?: string;
  secret?: string;
  name: string[];
  host?: string;
  port?: string;
  webhookConfig?: string;
}

/** Runs until SIGINT/SIGTERM; prints `listening <port>` once it serves. */
export async function webhookCommand(flags: WebhookCommandFlags, io: CommandIO): Promise<number> {
  if (!flags.namespace) throw new UsageError('--namespace is required');
  const logger = createLogger();
  const options = admissionWebhookOptions(
    {
      namespace: flags.namespace,
      secret: flags.secret ?? DEFAULT_WEBHOOK_SECRET,
      portFlag: '--port',
      port: flags.port ?? DEFAULT_WEBHOOK_PORT,
      names: flags.name.length > 0 ? flags.name : ['127.0.0.1'],
      host: flags.host ?? '127.0.0.1',
      config: flags.webhookConfig ?? '',
    },
    managementKubeConfig(flags),
    logger,
  );
  const webhook = await startAdmissionWebhook(options);
  io.out(`listening ${webhook.port}\n`);
  await untilStopSignal();
  await webhook.close();
  return 0;
}
