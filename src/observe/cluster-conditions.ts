/**
 * The Kubernetes-style conditions of an observed cluster (status.clusterConditions), each from a
 * pure `xCondition(observation)`; `setCondition` keeps a condition's lastTransitionTime while its
 * status stays the same. kubean's own `conditions` list (one entry per operation) is untouched.
 */
import { hasControlPlaneRole } from '../api/node-roles.js';
import type { Condition } from '../api/types.js';
import { CONTROL_PLANE_AVAILABLE, HEALTH_CONDITIONS, SYSTEM_PODS_READY, WORKERS_READY } from '../status/cluster-health.js';
import type { Observation, ObservedNode } from './observation.js';

export const CERTIFICATES_EXPIRY = 'CertificatesExpiry';

/** A certificate that expires within this is reported (CertificatesExpiry False, ExpiringSoon). */
export const CERTIFICATE_WARNING_DAYS = 30;
/** How many names a message lists before "and N more". */
const NAMED = 5;

type NewCondition = Omit<Condition, 'lastTransitionTime'>;

export const isControlPlane = (n: ObservedNode): boolean => hasControlPlaneRole(n.roles);

/** "a, b, c and 4 more". */
export function nameSome(names: readonly string[], count = names.length): string {
  const shown = names.slice(0, NAMED);
  const more = count - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function unknown(type: string, o: Observation & { reachable: false }): NewCondition {
  return { type, status: 'Unknown', reason: o.reason, message: o.message };
}

/** The apiserver answers /readyz, and some control-plane node is Ready (when any is registered). */
export function controlPlaneCondition(o: Observation): NewCondition {
  const type = CONTROL_PLANE_AVAILABLE;
  if (!o.reachable) return unknown(type, o);
  if (!o.readyz.ok) return { type, status: 'False', reason: 'ApiserverNotReady', message: `the apiserver's /readyz: ${o.readyz.message}` };
  const planes = (o.nodes ?? []).filter(isControlPlane);
  const notReady = planes.filter((n) => !n.ready).map((n) => n.name);
  if (planes.length > 0 && notReady.length === planes.length) {
    return { type, status: 'False', reason: 'ControlPlaneNodesNotReady', message: `no control-plane node is Ready: ${nameSome(notReady)}` };
  }
  const planesSaid = planes.length === 0 ? '' : notReady.length > 0 ? `; control-plane nodes not Ready: ${nameSome(notReady)}` : `; ${planes.length} control-plane node(s) Ready`;
  return { type, status: 'True', reason: 'ApiserverReady', message: `the apiserver is ready${planesSaid}` };
}

/** Every node other than the control planes is Ready. */
export function workersCondition(o: Observation): NewCondition {
  const type = WORKERS_READY;
  if (!o.reachable) return unknown(type, o);
  if (!o.nodes) return { type, status: 'Unknown', reason: 'NodesUnreadable', message: o.nodesError ?? 'the nodes could not be listed' };
  const workers = o.nodes.filter((n) => !isControlPlane(n));
  const notReady = workers.filter((n) => !n.ready).map((n) => n.name);
  if (notReady.length > 0) return { type, status: 'False', reason: 'NodesNotReady', message: `not Ready: ${nameSome(notReady)} (${workers.length - notReady.length}/${workers.length} worker nodes Ready)` };
  return { type, status: 'True', reason: 'NodesReady', message: `${workers.length}/${workers.length} worker nodes Ready` };
}

/** Every pod in kube-system is ready (a finished one counts as ready). */
export function systemPodsCondition(o: Observation): NewCondition {
  const type = SYSTEM_PODS_READY;
  if (!o.reachable) return unknown(type, o);
  if (!o.notReadyPods) return { type, status: 'Unknown', reason: 'PodsUnreadable', message: o.podsError ?? 'the kube-system pods could not be listed' };
  if (o.notReadyPods.count > 0) return { type, status: 'False', reason: 'PodsNotReady', message: `kube-system pods not ready: ${nameSome(o.notReadyPods.names, o.notReadyPods.count)}` };
  return { type, status: 'True', reason: 'PodsReady', message: 'every kube-system pod is ready' };
}

/** The nearest certificate date, or undefined when no certificate was seen. */
export function nearestCertificate(o: Observation): { what: string; notAfter: string } | undefined {
  let nearest: { what: string; notAfter: string } | undefined;
  for (const c of o.certificates) if (!nearest || Date.parse(c.notAfter) < Date.parse(nearest.notAfter)) nearest = c;
  return nearest;
}

/** True while the nearest certificate is more than CERTIFICATE_WARNING_DAYS away; its date, and how many were read, in the message. */
export function certificatesCondition(o: Observation, now: Date): NewCondition {
  const type = CERTIFICATES_EXPIRY;
  const nearest = nearestCertificate(o);
  if (!nearest) return { type, status: 'Unknown', reason: o.reachable ? 'NoCertificate' : o.reason, message: o.reachable ? 'no certificate was seen' : o.message };
  const days = (Date.parse(nearest.notAfter) - now.getTime()) / 86_400_000;
  const unread = o.reachable && o.certificatesUnread ? `, ${o.certificatesUnread} not readable` : '';
  const read = ` (${o.certificates.length} certificate(s) read${unread})`;
  const said = `${nearest.what} expires ${nearest.notAfter}`;
  if (days <= 0) return { type, status: 'False', reason: 'Expired', message: `${nearest.what} expired ${nearest.notAfter}${read}` };
  if (days <= CERTIFICATE_WARNING_DAYS) return { type, status: 'False', reason: 'ExpiringSoon', message: `${said}, in ${Math.floor(days)} days${read}` };
  return { type, status: 'True', reason: 'CertificatesValid', message: `nearest: ${said}${read}` };
}

/** The CertificatesExpiring Event's message when the certificates condition turned False or changed its reason, else undefined. */
export function certificatesAlert(before: readonly Condition[] | undefined, after: readonly Condition[] | undefined): string | undefined {
  const was = before?.find((c) => c.type === CERTIFICATES_EXPIRY);
  const now = after?.find((c) => c.type === CERTIFICATES_EXPIRY);
  if (now?.status !== 'False' || (was?.status === 'False' && was.reason === now.reason)) return undefined;
  return now.message ?? now.reason ?? 'a certificate expires soon';
}

/** `conditions` with `c` in place of the one of its type; its transition time kept while the status stays. */
export function setCondition(conditions: readonly Condition[] | undefined, c: NewCondition, now: string): Condition[] {
  const list = conditions ?? [];
  const before = list.find((x) => x.type === c.type);
  const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
  const next: Condition = { type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), lastTransitionTime };
  return before ? list.map((x) => (x === before ? next : x)) : [...list, next];
}

/** What is not healthy, one phrase per False health condition. */
export function healthProblems(conditions: readonly Condition[] | undefined): string[] {
  return HEALTH_CONDITIONS.flatMap((t) => {
    const c = conditions?.find((x) => x.type === t);
    return c?.status === 'False' ? [`${t}: ${c.message ?? c.reason ?? 'False'}`] : [];
  });
}
