/**
 * Looks at every managed cluster now and then (each on its own jittered interval, a bounded
 * number at once) and right after each of its operations, through the admin kubeconfig in the
 * Secret its status names, and writes what it saw into the Cluster's status when that changes.
 * A cluster that cannot be reached is a state its conditions show (Unknown with the reason),
 * looked at again on the next interval: never an error retried in a loop.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, CLUSTER_KIND, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterStatus } from '../api/types.js';
import { healthOf } from '../status/cluster-health.js';
import { writeComputedStatus, type GuardedWrite } from '../status/guarded-status-write.js';
import { certificatesAlert, healthProblems } from './cluster-conditions.js';
import { DEFAULT_HANDSHAKE_LIMITS, type HandshakeLimits } from './certificate-handshakes.js';
import { probeCluster, DEFAULT_PROBE_LIMITS, type ProbeLimits } from './cluster-prober.js';
import { KubeconfigRefusedError, parseKubeconfig } from './kubeconfig-credentials.js';
import type { Observation } from './observation.js';
import { statusWithObservation } from './observed-status.js';

export const DEFAULT_OBSERVE_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_OBSERVE_CONCURRENCY = 8;
/** The key of the kubeconfig in its Secret (Cluster API's convention; see controller/kubeconfig-secret.ts). */
const KUBECONFIG_KEY = 'value';
export const DEFAULT_SETTLE_MS = 60_000;
/** How often a status computed from an outdated Cluster is computed again before waiting for the next look. */
const WRITE_ATTEMPTS = 3;

/** Writes a Cluster's status if it is still at `resourceVersion` (StatusWriter.cluster). */
export type ClusterStatusWrite = (name: string, uid: string | undefined, status: ClusterStatus, resourceVersion: string | undefined) => Promise<GuardedWrite>;

export interface ClusterObserverOptions {
  kubeConfig: KubeConfig;
  /** The controller's namespace: the only one a kubeconfig Secret is read from. */
  namespace: string;
  /** The Clusters to look at (the leader's informer store). */
  clusters: () => readonly Cluster[];
  writeStatus: ClusterStatusWrite;
  /** An Event about a Cluster (its uid included). */
  event?: (cluster: Cluster, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;
  intervalMs?: number;
  /**
   * How long after an operation its cluster is looked at (at most `intervalMs`): a node that
   * just joined, and the DaemonSet pods on it, take a moment to be Ready, which is no fault.
   */
  settleMs?: number;
  concurrency?: number;
  limits?: Partial<ProbeLimits>;
  /** The certificates the nodes serve (certificate-handshakes.ts); false reads only the apiserver's and the kubeconfig's. */
  handshakes?: Partial<HandshakeLimits> | false;
  logger: Logger;
}

/** What happened to one look, for the logs and the tests. */
export type LookResult = 'written' | 'unchanged' | 'gone' | 'skipped';

export class ClusterObserver {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private readonly concurrency: number;
  private readonly limits: ProbeLimits;
  private readonly handshakes: HandshakeLimits | undefined;
  /** When each cluster (by uid) is next due. */
  private readonly due = new Map<string, number>();
  /** Clusters being looked at, and those asked for again meanwhile. */
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  private readonly waiting: string[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly idle = new Set<() => void>();
  /** Looks taken, by result (tests count them). */
  readonly looks = new Map<LookResult, number>();

  constructor(private readonly opts: ClusterObserverOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.custom = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    this.intervalMs = opts.intervalMs ?? DEFAULT_OBSERVE_INTERVAL_MS;
    this.settleMs = Math.min(opts.settleMs ?? DEFAULT_SETTLE_MS, this.intervalMs);
    this.concurrency = opts.concurrency ?? DEFAULT_OBSERVE_CONCURRENCY;
    this.limits = { ...DEFAULT_PROBE_LIMITS, ...opts.limits };
    this.handshakes = opts.handshakes === false ? undefined : { ...DEFAULT_HANDSHAKE_LIMITS, ...opts.handshakes };
  }

  start(): void {
    const tickMs = Math.min(Math.max(this.intervalMs / 10, 100), 10_000);
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    this.tick();
  }

  /** Looks at `name` once its operation's changes have settled (`settleMs`), unless a look is due sooner. */
  observeSoon(name: string): void {
    const uid = this.opts.clusters().find((c) => c.metadata.name === name)?.metadata.uid;
    if (!uid) return;
    const at = Date.now() + this.settleMs;
    this.due.set(uid, Math.min(this.due.get(uid) ?? at, at));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.waiting.length = 0;
    this.again.clear();
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    const seen = new Set<string>();
    for (const c of this.opts.clusters()) {
      const uid = c.metadata.uid;
      if (!uid) continue;
      seen.add(uid);
      const due = this.due.get(uid);
      // A new cluster is first looked at somewhere in its first interval, so a thousand do not go at once.
      if (due === undefined) this.due.set(uid, now + Math.random() * this.intervalMs);
      else if (due <= now) this.enqueue(uid);
    }
    for (const uid of this.due.keys()) if (!seen.has(uid)) this.due.delete(uid);
  }

  private enqueue(uid: string): void {
    if (this.stopped) return;
    // Next due one jittered interval from now (80–120 %), whatever this look finds.
    this.due.set(uid, Date.now() + this.intervalMs * (0.8 + 0.4 * Math.random()));
    if (this.inFlight.has(uid)) {
      this.again.add(uid);
      return;
    }
    if (this.waiting.includes(uid)) return;
    this.waiting.push(uid);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.waiting.length > 0) {
      const uid = this.waiting.shift()!;
      this.running++;
      this.inFlight.add(uid);
      void this.look(uid)
        .then(
          (r) => this.looks.set(r, (this.looks.get(r) ?? 0) + 1),
          (err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not observe a cluster; looking again on its next interval'),
        )
        .finally(() => {
          this.running--;
          this.inFlight.delete(uid);
          if (this.again.delete(uid)) this.waiting.push(uid);
          if (this.running === 0) {
            for (const resolve of this.idle) resolve();
            this.idle.clear();
          }
          this.pump();
        });
    }
  }

  private async look(uid: string): Promise<LookResult> {
    const cluster = this.opts.clusters().find((c) => c.metadata.uid === uid);
    if (!cluster || cluster.metadata.deletionTimestamp) return 'skipped';
    const observation = await this.observe(cluster);
    const written = await writeComputedStatus<Cluster, ClusterStatus>({
      object: cluster,
      compute: (current) => {
        const status = statusWithObservation(current.status, observation, new Date());
        return sameJson(status, current.status) ? undefined : status;
      },
      write: (current, status) => this.opts.writeStatus(current.metadata.name!, uid, status, current.metadata.resourceVersion),
      read: () => this.readCluster(cluster.metadata.name!),
      attempts: WRITE_ATTEMPTS,
    });
    if (written.result === 'written') await this.announce(written.object, written.object.status, written.status);
    return written.result === 'changed' ? 'skipped' : written.result;
  }

  /** An Event when the phase turns Abnormal or Healthy because of what was observed, and when certificates near their end. */
  private async announce(cluster: Cluster, before: ClusterStatus | undefined, after: ClusterStatus): Promise<void> {
    if (!this.opts.event) return;
    const expiring = certificatesAlert(before?.clusterConditions, after.clusterConditions);
    if (expiring) await this.opts.event(cluster, 'Warning', 'CertificatesExpiring', `${expiring}: run renew-certs.yml`);
    if (before?.phase === after.phase) return;
    if (after.phase === 'Abnormal' && healthOf(after.clusterConditions) === 'unhealthy') {
      await this.opts.event(cluster, 'Warning', 'Unhealthy', healthProblems(after.clusterConditions).join('; '));
    } else if (after.phase === 'Healthy') {
      await this.opts.event(cluster, 'Normal', 'Healthy', `${after.nodesReady ?? '?'} nodes Ready, the apiserver is ready`);
    }
  }

  /** The observation, or the reason there is none (no usable kubeconfig). */
  private async observe(cluster: Cluster): Promise<Observation> {
    const ref = cluster.status?.kubeconfigSecretRef;
    const none = (reason: string, message: string, certificates: Observation['certificates'] = []): Observation => ({ reachable: false, reason, message, certificates });
    if (!ref) return none('NoKubeconfigSecret', 'no admin kubeconfig is stored for this cluster yet (status.kubeconfigSecretRef)');
    if (ref.namespace !== this.opts.namespace) return none('KubeconfigSecretElsewhere', `status.kubeconfigSecretRef names namespace ${ref.namespace}; kubeconfigs are read only from ${this.opts.namespace}`);
    let secret: V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return none('KubeconfigSecretMissing', `Secret ${ref.namespace}/${ref.name} does not exist`);
      throw err;
    }
    const owned = (secret.metadata?.ownerReferences ?? []).some((o) => o.kind === CLUSTER_KIND && o.apiVersion === API_VERSION && o.uid === cluster.metadata.uid);
    if (!owned) return none('KubeconfigSecretNotOwned', `Secret ${ref.namespace}/${ref.name} is not this Cluster's (no owner reference to it)`);
    const text = Buffer.from(secret.data?.[KUBECONFIG_KEY] ?? '', 'base64').toString('utf8');
    if (text === '') return none('KubeconfigEmpty', `Secret ${ref.namespace}/${ref.name} holds no kubeconfig (key ${KUBECONFIG_KEY})`);
    let credentials;
    try {
      credentials = parseKubeconfig(text);
    } catch (err) {
      if (err instanceof KubeconfigRefusedError) return none('KubeconfigRefused', err.message);
      throw err;
    }
    const observation = await probeCluster(credentials, this.limits, this.handshakes);
    if (!observation.reachable) this.opts.logger.debug({ cluster: cluster.metadata.name, reason: observation.reason }, 'cluster unreachable');
    return observation;
  }

  private async readCluster(name: string): Promise<Cluster | undefined> {
    try {
      return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name })) as Cluster;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }
}

/** Equal as JSON, whatever the order of keys (the apiserver sorts them). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, canonical(x)]));
  return v;
}
