/**
 * Asks the apiserver whether a user may `get` a ConfigMap or Secret (a SubjectAccessReview with
 * their username, uid, groups and extra), so a reference is used only with its author's rights.
 */
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Author } from './admission-stamp.js';
import type { NamedRef } from './object-refs.js';
import { describeRef } from './object-refs.js';
import { reviewAccess } from './subject-access-review.js';
import { CLUSTER_OPERATION_PLURAL, GROUP } from './types.js';

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

/** Whether a user may create ClusterOperations: what `slipway.io/reconcile=Auto` asks the controller to do for them. */
export type OperationCreatorReview = (author: Author) => Promise<AccessDecision>;

export function operationCreatorReviewer(kubeConfig: KubeConfig): OperationCreatorReview {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  return async (author) => {
    const s = await reviewAccess(api, author, { resourceAttributes: { verb: 'create', group: GROUP, resource: CLUSTER_OPERATION_PLURAL } });
    if (s?.allowed) return { allowed: true };
    const detail = [s?.reason, s?.evaluationError].filter(Boolean).join('; ');
    return { allowed: false, why: `user ${JSON.stringify(author.username)} may not create clusteroperations.${GROUP}${detail ? ` (${detail})` : ''}` };
  };
}
