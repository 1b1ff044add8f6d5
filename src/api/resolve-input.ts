import { ProblemList, describeObject } from './input-error.js';
import type { ConfigMapLike, ObjectSource } from './object-source.js';
import type { Cluster, ClusterOperation, ObjectRef } from './types.js';
import { actionsOf, validateOperationSpec } from './validate-operation.js';

/** Text taken from a ConfigMap or Secret key, with the object it came from for messages. */
export interface SourcedText {
  text: string;
  object: string;
  key: string;
}

/** Everything one operation needs, fetched and checked for presence; no semantics yet. */
export interface OperationInput {
  cluster: Cluster;
  operation: ClusterOperation;
  hosts: SourcedText;
  vars: SourcedText;
  /** From the Cluster's sshAuthRef Secret; absent means password authentication. */
  ssh?: { privateKey: SourcedText; knownHosts?: SourcedText };
  /** ConfigMap-sourced playbooks and scripts, keyed by `actionFileKey`. */
  actionFiles: Map<string, SourcedText>;
}

export const HOSTS_KEY = 'hosts.yml';
export const VARS_KEY = 'group_vars.yml';
export const SSH_KEY = 'ssh-privatekey';
export const KNOWN_HOSTS_KEY = 'known_hosts';

export function actionFileKey(ref: ObjectRef, action: string): string {
  return `${ref.namespace}/${ref.name}/${action}`;
}

/** The text at `key` of the ConfigMap `ref` names (`cm`, already read); a problem if it or the key is missing. */
function configMapKey(
  cm: ConfigMapLike | undefined,
  ref: ObjectRef,
  key: string,
  usedBy: string,
  problems: ProblemList,
): SourcedText | undefined {
  const object = describeObject('ConfigMap', ref.name, ref.namespace);
  if (!cm) {
    problems.error({ code: 'missing-configmap', object, message: `not found (referenced by ${usedBy})` });
    return undefined;
  }
  const text = cm.data?.[key];
  if (text === undefined) {
    problems.error({ code: 'missing-key', object, key, message: `has no key ${JSON.stringify(key)} (referenced by ${usedBy})` });
    return undefined;
  }
  return { text, object, key };
}

/**
 * Fetches the Cluster, its ConfigMaps and Secret, and every ConfigMap-sourced action of the
 * operation. Reports every missing piece at once.
 */
export async function resolveOperationInput(operation: ClusterOperation, source: ObjectSource): Promise<OperationInput> {
  const problems = new ProblemList();
  validateOperationSpec(operation, problems);
  problems.throwIfErrors();
  const opName = describeObject('ClusterOperation', operation.metadata.name ?? '?');

  const cluster = await source.getCluster(operation.spec.cluster);
  if (!cluster) {
    problems.error({
      code: 'missing-cluster',
      object: describeObject('Cluster', operation.spec.cluster),
      message: `not found (referenced by ${opName} spec.cluster)`,
    });
    problems.throwIfErrors();
    throw new Error('unreachable');
  }
  const clusterName = describeObject('Cluster', cluster.metadata.name ?? '?');
  const spec = cluster.spec;
  for (const field of ['hostsConfRef', 'varsConfRef'] as const) {
    if (!spec?.[field]?.name || !spec[field].namespace) {
      problems.error({ code: 'bad-ref', object: clusterName, key: `spec.${field}`, message: `spec.${field} needs namespace and name` });
    }
  }
  problems.throwIfErrors();

  // Read at once; checked in order, so the problems come in the same order whatever answers first.
  const configMapActions = actionsOf(operation).filter((a) => (a.actionSource ?? 'builtin') === 'configmap' && a.actionSourceRef);
  const actionConfigMaps = new Map<string, Promise<ConfigMapLike | undefined>>();
  const actionConfigMap = (ref: ObjectRef) => {
    const key = `${ref.namespace}/${ref.name}`;
    if (!actionConfigMaps.has(key)) actionConfigMaps.set(key, source.getConfigMap(ref));
    return actionConfigMaps.get(key)!;
  };
  const [hostsCm, varsCm, secret, ...actionCms] = await Promise.all([
    source.getConfigMap(spec.hostsConfRef),
    source.getConfigMap(spec.varsConfRef),
    spec.sshAuthRef ? source.getSecret(spec.sshAuthRef) : undefined,
    ...configMapActions.map((a) => actionConfigMap(a.actionSourceRef!)),
  ] as const);
  const hosts = configMapKey(hostsCm, spec.hostsConfRef, HOSTS_KEY, `${clusterName} spec.hostsConfRef`, problems);
  const vars = configMapKey(varsCm, spec.varsConfRef, VARS_KEY, `${clusterName} spec.varsConfRef`, problems);

  let ssh: OperationInput['ssh'];
  if (spec.sshAuthRef) {
    const ref = spec.sshAuthRef;
    const object = describeObject('Secret', ref.name, ref.namespace);
    if (!secret) {
      problems.error({ code: 'missing-secret', object, message: `not found (referenced by ${clusterName} spec.sshAuthRef)` });
    } else if (!secret.values[SSH_KEY]) {
      problems.error({ code: 'missing-key', object, key: SSH_KEY, message: `has no key ${JSON.stringify(SSH_KEY)}` });
    } else {
      const knownHosts = secret.values[KNOWN_HOSTS_KEY];
      ssh = {
        privateKey: { text: secret.values[SSH_KEY], object, key: SSH_KEY },
        ...(knownHosts ? { knownHosts: { text: knownHosts, object, key: KNOWN_HOSTS_KEY } } : {}),
      };
    }
  }

  const actionFiles = new Map<string, SourcedText>();
  for (const [i, a] of configMapActions.entries()) {
    const usedBy = `${opName} ${a.field === 'spec' ? 'spec' : a.field}.actionSourceRef`;
    const text = configMapKey(actionCms[i] as ConfigMapLike | undefined, a.actionSourceRef!, a.action, usedBy, problems);
    if (text) actionFiles.set(actionFileKey(a.actionSourceRef!, a.action), text);
  }

  problems.throwIfErrors();
  return { cluster, operation, hosts: hosts!, vars: vars!, ...(ssh ? { ssh } : {}), actionFiles };
}
