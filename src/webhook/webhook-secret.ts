/**
 * The webhook's TLS material and the stamps' HMAC key, kept in one Secret in the controller's
 * namespace: the first replica to start creates it, the others (a 409) read it, so every replica
 * serves with the same certificate and verifies with the same key. The webhook configuration's
 * caBundle is then set to its CA.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { AdmissionregistrationV1Api, ApiException, CoreV1Api, setHeaderOptions, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { createCa, createServingCert } from '../util/x509.js';

export interface WebhookMaterial {
  caCert: string;
  cert: string;
  key: string;
  hmacKey: Buffer;
}

const CERT_DAYS = 3650;
const KEYS = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key', hmac: 'hmac.key' } as const;

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

const is = (err: unknown, code: number) => err instanceof ApiException && err.code === code;

function materialOf(s: V1Secret, where: string): WebhookMaterial {
  const d = s.data ?? {};
  const text = (k: string) => (d[k] ? Buffer.from(d[k], 'base64').toString('utf8') : '');
  const m = { caCert: text(KEYS.ca), cert: text(KEYS.cert), key: text(KEYS.key), hmacKey: Buffer.from(d[KEYS.hmac] ?? '', 'base64') };
  if (!m.caCert || !m.cert || !m.key || m.hmacKey.length < 32) throw new WebhookSecretError(`Secret ${where} lacks ${Object.values(KEYS).join(', ')} (an HMAC key of 32+ bytes); delete it to have one made`);
  return m;
}

/** Reads the Secret, or creates it with a new CA, a certificate for `names` and an HMAC key. */
export async function ensureWebhookSecret(kubeConfig: KubeConfig, namespace: string, name: string, names: readonly string[]): Promise<WebhookMaterial> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const where = `${namespace}/${name}`;
  try {
    return materialOf(await core.readNamespacedSecret({ name, namespace }), where);
  } catch (err) {
    if (!is(err, 404)) throw err;
  }
  const ca = createCa('slipway-webhook-ca', CERT_DAYS);
  const serving = createServingCert(ca, names, CERT_DAYS);
  const hmacKey = randomBytes(32);
  const data = { [KEYS.ca]: ca.cert, [KEYS.cert]: serving.cert, [KEYS.key]: serving.key, [KEYS.hmac]: hmacKey };
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name, labels: { 'app.kubernetes.io/component': 'webhook' } },
        type: 'Opaque',
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      },
    });
    return { caCert: ca.cert, cert: serving.cert, key: serving.key, hmacKey };
  } catch (err) {
    if (!is(err, 409)) throw err;
    return materialOf(await core.readNamespacedSecret({ name, namespace }), where);
  }
}

/** The names of `material`'s certificate that `names` lacks: a Secret made for another Service. */
export function namesNotCovered(material: WebhookMaterial, names: readonly string[]): string[] {
  const cert = new X509Certificate(material.cert);
  return names.filter((n) => (/^[\d.]+$|:/.test(n) ? !cert.checkIP(n) : !cert.checkHost(n)));
}

/** Sets every webhook's clientConfig.caBundle in the MutatingWebhookConfiguration `name` to `caCert`. */
export async function patchCaBundle(kubeConfig: KubeConfig, name: string, caCert: string): Promise<void> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  let config;
  try {
    config = await api.readMutatingWebhookConfiguration({ name });
  } catch (err) {
    if (is(err, 404)) throw new WebhookSecretError(`MutatingWebhookConfiguration ${name} does not exist (the chart makes it; --webhook-config names it)`);
    throw err;
  }
  const bundle = Buffer.from(caCert).toString('base64');
  const webhooks = config.webhooks ?? [];
  if (webhooks.every((w) => w.clientConfig.caBundle === bundle)) return;
  const patch = webhooks.map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle }));
  await api.patchMutatingWebhookConfiguration(
    { name, body: patch },
    setHeaderOptions('Content-Type', 'application/json-patch+json'),
  );
}
