/** The webhook's Secret and caBundle through the real apiserver: made once, shared by replicas, set in the configuration. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ensureWebhookSecret, namesNotCovered, patchCaBundle, WebhookSecretError } from '../../src/webhook/webhook-secret.js';
import { loadTestEnv } from '../env/index.js';
import { webhookConfiguration } from '../env/admission-webhook.js';

const env = loadTestEnv();
const core = env.kubeConfig.makeApiClient(CoreV1Api);
const admission = env.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('webhook Secret and caBundle', () => {
  it('is made by one of several replicas starting at once; the others read the same CA, certificate and HMAC key', async () => {
    const ns = await env.namespace('whsecret');
    const names = ['slipway-webhook', `slipway-webhook.${ns}.svc`];
    const all = await Promise.all([1, 2, 3].map(() => ensureWebhookSecret(env.kubeConfig, ns, 'slipway-webhook', names)));
    for (const m of all) {
      assert.equal(m.caCert, all[0]!.caCert);
      assert.equal(m.cert, all[0]!.cert);
      assert.ok(m.hmacKey.equals(all[0]!.hmacKey));
    }
    assert.equal(all[0]!.hmacKey.length, 32);
    assert.deepEqual(namesNotCovered(all[0]!, names), []);
    assert.deepEqual(namesNotCovered(all[0]!, ['elsewhere.svc']), ['elsewhere.svc']);
    assert.ok(new X509Certificate(all[0]!.cert).verify(new X509Certificate(all[0]!.caCert).publicKey));
    const stored = await core.readNamespacedSecret({ namespace: ns, name: 'slipway-webhook' });
    assert.deepEqual(Object.keys(stored.data ?? {}).sort(), ['ca.crt', 'hmac.key', 'tls.crt', 'tls.key']);
  });

  it('refuses a Secret of that name without the keys', async () => {
    const ns = await env.namespace('whsecret');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'slipway-webhook' }, stringData: { other: 'x' } } });
    await assert.rejects(ensureWebhookSecret(env.kubeConfig, ns, 'slipway-webhook', ['x']), (err: Error) => err instanceof WebhookSecretError && /lacks ca\.crt, tls\.crt, tls\.key, hmac\.key/.test(err.message));
  });

  it('sets the CA as every webhook\'s caBundle, and says so when the configuration is missing', async () => {
    const name = env.randomName('whconfig');
    const config = webhookConfiguration(name, 'https://127.0.0.1:1/admit');
    // Matches no object, so no other test's writes are sent to this unreachable URL.
    config.webhooks![0]!.objectSelector = { matchLabels: { 'slipway.test/none': name } };
    await admission.createMutatingWebhookConfiguration({ body: config });
    cleanups.push(() => admission.deleteMutatingWebhookConfiguration({ name }));
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await patchCaBundle(env.kubeConfig, name, ca);
    const read = await admission.readMutatingWebhookConfiguration({ name });
    assert.equal(Buffer.from(read.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString(), ca);
    await assert.rejects(patchCaBundle(env.kubeConfig, env.randomName('absent'), ca), (err: Error) => err instanceof WebhookSecretError && /does not exist/.test(err.message));
  });
});
