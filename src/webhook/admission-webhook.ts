/**
 * The admission webhook as one piece: its Secret ensured (TLS, HMAC key), the webhook
 * configuration's caBundle set, and the HTTPS server answering with {@link decideAdmission}.
 * `slipway controller` runs it on every replica; `slipway webhook` runs it alone (tests).
 */
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CLUSTER_PLURAL, GROUP, VERSION, type Cluster } from '../api/types.js';
import { accessReviewer, operationCreatorReviewer } from '../api/access-review.js';
import { decideAdmission } from './admission-decision.js';
import { ensureWebhookSecret, namesNotCovered, patchCaBundle } from './webhook-secret.js';
import { serveWebhook, type WebhookServer } from './webhook-server.js';

export interface AdmissionWebhookOptions {
  kubeConfig: KubeConfig;
  /** The controller's namespace: the Secret lives here and no ref may point into it. */
  namespace: string;
  secretName: string;
  /** DNS names (or IP addresses) the apiserver reaches the webhook by. */
  names: readonly string[];
  /** The MutatingWebhookConfiguration whose caBundle to set; none: leave it to whoever made it. */
  configName?: string;
  host: string;
  port: number;
  logger: Logger;
}

export interface AdmissionWebhook {
  /** Stamps are signed and verified with this. */
  hmacKey: Buffer;
  caCert: string;
  port: number;
  close(): Promise<void>;
}

export async function startAdmissionWebhook(o: AdmissionWebhookOptions): Promise<AdmissionWebhook> {
  const material = await ensureWebhookSecret(o.kubeConfig, o.namespace, o.secretName, o.names);
  const missing = namesNotCovered(material, o.names);
  if (missing.length > 0) o.logger.warn({ secret: `${o.namespace}/${o.secretName}`, missing }, 'the webhook certificate does not cover these names; delete the Secret to have it made again');
  const custom = o.kubeConfig.makeApiClient(CustomObjectsApi);
  const review = accessReviewer(o.kubeConfig);
  const mayCreateOperations = operationCreatorReviewer(o.kubeConfig);
  const getCluster = async (name: string): Promise<Cluster | undefined> => {
    try {
      return (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  };
  const server: WebhookServer = await serveWebhook({
    host: o.host,
    port: o.port,
    key: material.key,
    cert: material.cert,
    logger: o.logger,
    decide: (req) => decideAdmission(req, { key: material.hmacKey, protectedNamespace: o.namespace, review, getCluster, mayCreateOperations }),
  });
  try {
    if (o.configName) await patchCaBundle(o.kubeConfig, o.configName, material.caCert);
  } catch (err) {
    await server.close();
    throw err;
  }
  o.logger.info({ port: server.port, config: o.configName }, 'serving the admission webhook');
  return { hmacKey: material.hmacKey, caCert: material.caCert, port: server.port, close: () => server.close() };
}
