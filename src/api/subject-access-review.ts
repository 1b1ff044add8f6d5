/** One SubjectAccessReview: may this user do that? The admission webhook and /metrics both ask. */
import type { AuthorizationV1Api, V1NonResourceAttributes, V1ResourceAttributes, V1SubjectAccessReviewStatus } from '@kubernetes/client-node';

/** The user as the apiserver authenticated them (a TokenReview's or an admission request's userInfo). */
export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export async function reviewAccess(
  api: AuthorizationV1Api,
  user: ReviewedUser,
  attributes: { resourceAttributes: V1ResourceAttributes } | { nonResourceAttributes: V1NonResourceAttributes },
): Promise<V1SubjectAccessReviewStatus | undefined> {
  const review = await api.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.groups ? { groups: user.groups } : {}),
        ...(user.extra ? { extra: user.extra } : {}),
        ...attributes,
      },
    },
  });
  return review.status;
}
