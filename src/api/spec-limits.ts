/**
 * The bounds of a Cluster's and a ClusterOperation's spec, as numbers: crds/ declares them
 * (maxLength, maximum, maxItems and CEL rules; test/api/types-match-crds.test.ts compares), and
 * check-spec-bounds.ts checks the same for objects stored before the CRDs said so.
 */
export const SPEC_LIMITS = {
  /** `<cluster>-kubeconfig` (the Secret an install's kubeconfig goes to) stays a valid object name (253). */
  clusterName: 253 - '-kubeconfig'.length,
  namespace: 63,
  objectName: 253,
  action: 253,
  image: 1024,
  /** The default of InputLimits.maxExtraArgsBytes, which the planner checks (in bytes, as the operator set it). */
  extraArgs: 1024 * 1024,
  /** Entries of preHook and of postHook. */
  hooks: 20,
  /** One week; an operation without one runs under the operator's default (6 h). */
  activeDeadlineSeconds: 7 * 24 * 3600,
  /** Resources a Job's container may ask for: the Job API refuses more than one would need. */
  resourceNames: ['cpu', 'memory', 'ephemeral-storage'],
} as const;

/** The CEL rules the CRDs carry, by where they sit; each has a check of its own in check-spec-bounds.ts. */
export const CEL_RULES = {
  immutable: { rule: 'self == oldSelf', message: 'is immutable: create another ClusterOperation for another cluster' },
  resourceNames: {
    rule: `self.all(k, k in [${SPEC_LIMITS.resourceNames.map((n) => `'${n}'`).join(', ')}])`,
    message: `may name only ${SPEC_LIMITS.resourceNames.join(', ')}`,
  },
  quantities: {
    rule: "self.all(k, isQuantity(string(self[k])) && !quantity(string(self[k])).isLessThan(quantity('0')))",
    message: 'must hold quantities of 0 or more',
  },
  requestsWithinLimits: {
    rule: "!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits) || !isQuantity(string(self.requests[k])) || !isQuantity(string(self.limits[k])) || quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k]))) <= 0)",
    message: 'requests must not exceed limits',
  },
} as const;
