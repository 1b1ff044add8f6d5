/**
 * Asks the apiserver whether a user may `get` a ConfigMap or Secret (a SubjectAccessReview with
 * their username, uid, groups and extra), so a reference is used only with its author's rights.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Author } from './admission-stamp.js';
import type { NamedRef } from './object-refs.js';
import { describeRef } from './object-refs.js';
import { reviewAccess } from './subject-access-review.js';

export interface AccessDecision {
  allowed: boolean;
  /** Why not, in words a user can act on. */
  why?: string;
}

export type AccessReviewer = (author: Author, ref: NamedRef) => Promise<AccessDecision>;

export function accessReviewer(kubeConfig: KubeConfig): AccessReviewer {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  return async (author, ref) => {
    const s = await reviewAccess(api, author, { resourceAttributes: { verb: 'get', group: '', resource: ref.resource, namespace: ref.ref.namespace, name: ref.ref.name } });
    if (s?.allowed) return { allowed: true };
    const detail = [s?.reason, s?.evaluationError].filter(Boolean).join('; ');
    return { allowed: false, why: `user ${JSON.stringify(author.username)} may not get ${describeRef(ref)}${detail ? ` (${detail})` : ''}` };
  };
}
