/**
 * Asks the apiserver whether a user may `get` a ConfigMap or Secret (a SubjectAccessReview with
 * their username, uid, groups and extra), so a reference is used only with its author's rights.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Author } from './admission-stamp.js';
import type { NamedRef } from './object-refs.js';
import { describeRef } from './object-refs.js';

export interface AccessDecision {
  allowed: boolean;
  /** Why not, in words a user can act on. */
  why?: string;
}

export type AccessReviewer = (author: Author, ref: NamedRef) => Promise<AccessDecision>;

export function accessReviewer(kubeConfig: KubeConfig): AccessReviewer {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  return async (author, ref) => {
    const review = await api.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: author.username,
          ...(author.uid ? { uid: author.uid } : {}),
          ...(author.groups ? { groups: author.groups } : {}),
          ...(author.extra ? { extra: author.extra } : {}),
          resourceAttributes: { verb: 'get', group: '', resource: ref.resource, namespace: ref.ref.namespace, name: ref.ref.name },
        },
      },
    });
    const s = review.status;
    if (s?.allowed) return { allowed: true };
    const detail = [s?.reason, s?.evaluationError].filter(Boolean).join('; ');
    return { allowed: false, why: `user ${JSON.stringify(author.username)} may not get ${describeRef(ref)}${detail ? ` (${detail})` : ''}` };
  };
}
