/**
 * The admission webhook's settings from the command line, read in one place for `slipway
 * webhook` (--port, --secret, --webhook-config) and `slipway controller` (--webhook-port,
 * --webhook-secret, --webhook-config).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from './logger.js';
import type { AdmissionWebhookOptions } from '../webhook/admission-webhook.js';
import { UsageError } from './exit-codes.js';

export const DEFAULT_WEBHOOK_PORT = '9443';
export const DEFAULT_WEBHOOK_SECRET = 'slipway-webhook';

export interface WebhookFlags {
  /** The controller's namespace: the Secret's by default; no ref may point into the Secret's. */
  namespace: string;
  /** [namespace/]name of the Secret with the TLS and HMAC keys. */
  secret: string;
  /** The flag the port came from, for the error message. */
  portFlag: string;
  port: string;
  names: string[];
  host: string;
  /** The MutatingWebhookConfiguration whose caBundle is set; empty: none. */
  config: string;
}

/** Throws UsageError on a malformed port or Secret name. */
export function admissionWebhookOptions(flags: WebhookFlags, kubeConfig: KubeConfig, logger: Logger): AdmissionWebhookOptions {
  if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new UsageError(`${flags.portFlag} needs a port number, got ${JSON.stringify(flags.port)}`);
  const parts = flags.secret.split('/');
  if (parts.length > 2 || parts.some((p) => !p)) throw new UsageError(`the webhook Secret needs [namespace/]name, got ${JSON.stringify(flags.secret)}`);
  const [namespace, secretName] = parts.length === 2 ? [parts[0]!, parts[1]!] : [flags.namespace, parts[0]!];
  return {
    kubeConfig,
    namespace,
    secretName,
    names: flags.names,
    ...(flags.config ? { configName: flags.config } : {}),
    host: flags.host,
    port: Number(flags.port),
    logger,
  };
}

/** Resolves with the first of SIGINT and SIGTERM: how the long-running commands end. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
