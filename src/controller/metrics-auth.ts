/**
 * Who may read /metrics, decided as controller-runtime's secure metrics serving
 * (filters.WithAuthenticationAndAuthorization) decides it: the request's bearer token is
 * authenticated with a TokenReview, and the user it names must be allowed `get` on the
 * non-resource URL /metrics by a SubjectAccessReview. Answers are kept for a few seconds per
 * token, so a scrape every 15-30 s costs the API server two reviews at most.
 */
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { reviewAccess } from '../api/subject-access-review.js';

export type MetricsAccess = { allowed: true; user: string } | { allowed: false; status: 401 | 403; reason: string };

export interface MetricsAuthorizer {
  check(authorization: string | undefined, path: string): Promise<MetricsAccess>;
}

const CACHE_MS = 10_000;
const CACHE_MAX = 1_000;

export function kubernetesMetricsAuthorizer(kubeConfig: KubeConfig): MetricsAuthorizer {
  const authn = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  const cache = new Map<string, { at: number; access: MetricsAccess }>();
  return {
    async check(authorization, path) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!token) return { allowed: false, status: 401, reason: 'a bearer token is required' };
      const key = `${createHash('sha256').update(token).digest('hex')} ${path}`;
      const kept = cache.get(key);
      if (kept && Date.now() - kept.at < CACHE_MS) return kept.access;
      const access = await review(authn, authz, token, path);
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(key, { at: Date.now(), access });
      return access;
    },
  };
}

async function review(authn: AuthenticationV1Api, authz: AuthorizationV1Api, token: string, path: string): Promise<MetricsAccess> {
  const tr = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
  const user = tr.status?.user;
  if (!tr.status?.authenticated || !user?.username) return { allowed: false, status: 401, reason: tr.status?.error || 'the token was not accepted' };
  const sar = await reviewAccess(authz, { ...user, username: user.username }, { nonResourceAttributes: { path, verb: 'get' } });
  if (!sar?.allowed) return { allowed: false, status: 403, reason: `${user.username} may not get ${path}` };
  return { allowed: true, user: user.username };
}
