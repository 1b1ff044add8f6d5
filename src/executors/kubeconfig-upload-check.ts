/**
 * What the controller accepts from an operation's kubeconfig drop-box before storing it in the
 * Cluster's `<cluster>-kubeconfig` Secret: at most MAX_KUBECONFIG_BYTES, a kubeconfig with at
 * least one cluster (with a server) and one user, written for this very operation (its uid in
 * the annotation the uploader sets). Pure.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { KUBECONFIG_OPERATION_ANNOTATION } from '../engine/job-plan.js';
import { MAX_KUBECONFIG_BYTES } from './kubeconfig-artifact.js';

/** The key the uploader writes (as the Cluster's Secret's, Cluster API's convention). */
export const DROP_BOX_KEY = 'value';

export type UploadCheck = { kind: 'empty' } | { kind: 'accepted'; kubeconfig: string } | { kind: 'refused'; reason: string };

const refused = (reason: string): UploadCheck => ({ kind: 'refused', reason: `the uploaded kubeconfig was refused: ${reason}` });
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `dropBox` as read back after the pod ended; `operationUid` the operation it belongs to. */
export function checkUploadedKubeconfig(dropBox: Pick<V1Secret, 'data' | 'metadata'>, operationUid: string): UploadCheck {
  const data = dropBox.data ?? {};
  const encoded = data[DROP_BOX_KEY];
  const others = Object.keys(data).filter((k) => k !== DROP_BOX_KEY);
  if (encoded === undefined && others.length === 0) return { kind: 'empty' };
  if (others.length > 0) return refused(`the drop-box holds other keys than ${DROP_BOX_KEY} (${others.slice(0, 5).join(', ')})`);
  // base64 of at most MAX bytes: checked before decoding anything bigger.
  if (encoded!.length > Math.ceil(MAX_KUBECONFIG_BYTES / 3) * 4) return refused(`it is larger than ${MAX_KUBECONFIG_BYTES} bytes`);
  const bytes = Buffer.from(encoded!, 'base64');
  if (bytes.length > MAX_KUBECONFIG_BYTES) return refused(`it is ${bytes.length} bytes, more than ${MAX_KUBECONFIG_BYTES}`);
  const uid = dropBox.metadata?.annotations?.[KUBECONFIG_OPERATION_ANNOTATION];
  if (uid !== operationUid) return refused(`it does not carry this operation's uid (annotation ${KUBECONFIG_OPERATION_ANNOTATION})`);
  const text = bytes.toString('utf8');
  if (Buffer.byteLength(text) !== bytes.length || text.includes('\0')) return refused('it is not UTF-8 text');
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return refused(`it is not YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    return refused(`it is not a plain YAML document (${(err as Error).message})`);
  }
  if (!isMap(root) || root.kind !== 'Config') return refused('it is not a kubeconfig (kind: Config)');
  const clusters = Array.isArray(root.clusters) ? root.clusters : [];
  const users = Array.isArray(root.users) ? root.users : [];
  if (!clusters.some((c) => isMap(c) && isMap(c.cluster) && typeof c.cluster.server === 'string' && c.cluster.server !== '')) return refused('it names no cluster with a server');
  if (!users.some((u) => isMap(u) && typeof u.name === 'string' && isMap(u.user))) return refused('it names no user');
  return { kind: 'accepted', kubeconfig: text.endsWith('\n') ? text : `${text}\n` };
}
