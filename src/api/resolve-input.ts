import { ProblemList, describeObject } from './input-error.js';
import type { ObjectSource } from './object-source.js';
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

async function configMapKey(
  source: ObjectSource,
  ref: ObjectRef,
  key: string,
  usedBy: string,
  problems: ProblemList,
): Promise<SourcedText | undefined> {
  const object = describeObject('ConfigMap', ref.name, ref.namespace);
  const cm = await source.getConfigMap(ref);
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

  const hosts = await configMapKey(source, spec.hostsConfRef, HOSTS_KEY, `${clusterName} spec.hostsConfRef`, problems);
  const vars = await configMapKey(source, spec.varsConfRef, VARS_KEY, `${clusterName} spec.varsConfRef`, problems);

  let ssh: OperationInput['ssh'];
  if (spec.sshAuthRef) {
    const ref = spec.sshAuthRef;
    const object = describeObject('Secret', ref.name, ref.namespace);
    const secret = await source.getSecret(ref);
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
  for (const a of actionsOf(operation)) {
    if ((a.actionSource ?? 'builtin') !== 'configmap' || !a.actionSourceRef) continue;
    const usedBy = `${opName} ${a.field === 'spec' ? 'spec' : a.field}.actionSourceRef`;
    const text = await configMapKey(source, a.actionSourceRef, a.action, usedBy, problems);
    if (text) actionFiles.set(actionFileKey(a.actionSourceRef, a.action), text);
  }

  problems.throwIfErrors();
  return { cluster, operation, hosts: hosts!, vars: vars!, ...(ssh ? { ssh } : {}), actionFiles };
}
