/** What the webhook tests do as a tenant: call the apiserver as an impersonated user, and read its refusals. */
import assert from 'node:assert/strict';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { env } from '../controller/controller-harness.js';

/** The admin's client, impersonating `user` (who is then in system:authenticated only). */
export function clientAs(user: string): CustomObjectsApi {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: env.kubeConfig.clusters,
    contexts: env.kubeConfig.contexts,
    currentContext: env.kubeConfig.currentContext,
    users: env.kubeConfig.users.map((u) => ({ ...u, impersonateUser: user })),
  });
  return kc.makeApiClient(CustomObjectsApi);
}

/** The apiserver's refusal text, or a failure if it was accepted. */
export async function refused(what: Promise<unknown>): Promise<string> {
  try {
    await what;
  } catch (err) {
    assert.ok(err instanceof ApiException, String(err));
    const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return (body as { message?: string }).message ?? JSON.stringify(body);
  }
  assert.fail('accepted');
}
