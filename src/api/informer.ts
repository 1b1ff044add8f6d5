import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.js';

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** The watch path, e.g. `/api/v1/namespaces/ns/configmaps` or `/apis/kubean.io/v1alpha1/clusteroperations`. */
  path: string;
  /** Lists the same collection as `path` (the informer relists through it). */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  backoff?: BackoffOptions;
  /** A watch that stayed up this long resets the backoff (ms). */
  healthyAfterMs?: number;
  /**
   * What of each object the cache keeps (it must keep metadata.name, namespace and
   * resourceVersion); default: all of it. Handlers see what is kept.
   */
  slim?: (obj: T) => T;
}

/** The watch or list failed; the informer retries after `retryInMs`. */
export class WatchError extends Error {
  constructor(
    readonly path: string,
    readonly attempt: number,
    readonly retryInMs: number,
    override readonly cause: unknown,
  ) {
    super(`watch ${path} failed (attempt ${attempt + 1}), retrying in ${retryInMs} ms: ${describeCause(cause)}`);
    this.name = 'WatchError';
  }
}

export class InformerStoppedError extends Error {
  constructor(readonly path: string) {
    super(`informer for ${path} stopped before its first list`);
    this.name = 'InformerStoppedError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const status = (cause as { statusCode?: number; code?: number | string }).statusCode ?? (cause as { code?: unknown }).code;
    return status !== undefined ? `${cause.message} (${String(status)})` : cause.message;
  }
  return String(cause);
}

type ObjectHandler<T> = (obj: T) => void;

function replaceContents(target: object, source: object): void {
  if (target === source) return;
  for (const key of Object.keys(target)) delete (target as Record<string, unknown>)[key];
  Object.assign(target, source);
}

/**
 * Without what no controller reads: managedFields (the field managers of every field, often the
 * bulk of an object) and kubectl's last-applied-configuration (a second copy of the object).
 */
export function withoutBookkeeping<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (!metadata) return obj;
  const rest = { ...metadata };
  delete rest.managedFields;
  delete rest.annotations;
  const kept = Object.entries(metadata.annotations ?? {}).filter(([k]) => k !== LAST_APPLIED);
  return { ...obj, metadata: { ...rest, ...(kept.length > 0 ? { annotations: Object.fromEntries(kept) } : {}) } };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * client-node's informer keeps its cache and relists on 410 Gone, but stops for good on any other
 * error (connection refused, apiserver restart, 5xx). This one restarts it with capped, jittered
 * exponential backoff; the restarted watch resumes from the last resourceVersion, so the events
 * missed meanwhile arrive (or, when that version is too old, the 410 makes it relist and diff).
 * Handlers run synchronously and must not throw: they should only enqueue work.
 */
export class ResilientInformer<T extends KubernetesObject> {
  /** Resolves after the first successful list; rejects with {@link InformerStoppedError} if stopped before. */
  readonly synced: Promise<void>;
  private readonly inner: ReturnType<typeof makeInformer<T>>;
  private readonly errorHandlers: ((err: WatchError) => void)[] = [];
  private readonly backoff: BackoffOptions;
  private readonly healthyAfterMs: number;
  private attempt = 0;
  private connectedAt = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private markSynced!: () => void;
  private failSync!: (err: Error) => void;
  private isSynced = false;

  constructor(private readonly opts: InformerOptions<T>) {
    this.inner = makeInformer<T>(opts.kubeConfig, opts.path, opts.list, opts.labelSelector);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.healthyAfterMs = opts.healthyAfterMs ?? 60_000;
    this.synced = new Promise<void>((resolve, reject) => {
      this.markSynced = resolve;
      this.failSync = reject;
    });
    this.synced.catch(() => undefined);
    this.inner.on('error', (err?: unknown) => this.onInnerError(err));
    const slim = opts.slim;
    if (slim) {
      // client-node's cache holds the very object it hands its handlers, and this handler runs
      // first: what it leaves of the object is what stays cached.
      const keep = (obj: T): void => void replaceContents(obj, slim(obj));
      this.inner.on('add', keep);
      this.inner.on('update', keep);
    }
  }

  onAdd(handler: ObjectHandler<T>): this {
    this.inner.on('add', handler);
    return this;
  }

  onUpdate(handler: ObjectHandler<T>): this {
    this.inner.on('update', handler);
    return this;
  }

  onDelete(handler: ObjectHandler<T>): this {
    this.inner.on('delete', handler);
    return this;
  }

  /** Every failure of the watch or list, each followed by a retry. */
  onError(handler: (err: WatchError) => void): this {
    this.errorHandlers.push(handler);
    return this;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace);
  }

  /** `namespace/name`, or `name` for cluster-scoped objects. */
  getByKey(key: string): T | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? this.inner.get(key) : this.inner.get(key.slice(slash + 1), key.slice(0, slash));
  }

  list(namespace?: string): readonly T[] {
    return this.inner.list(namespace);
  }

  start(): Promise<void> {
    if (!this.stopped) return this.synced;
    this.stopped = false;
    void this.connect();
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.inner.stop();
    if (!this.isSynced) this.failSync(new InformerStoppedError(this.opts.path));
  }

  /** ListWatch.start() resolves once the list (if needed) is done and the watch is open, or after it reported an error. */
  private async connect(): Promise<void> {
    let failed = false;
    const onFail = (): void => void (failed = true);
    this.inner.on('error', onFail);
    try {
      await this.inner.start();
    } finally {
      this.inner.off('error', onFail);
    }
    if (failed || this.stopped) return;
    this.connectedAt = Date.now();
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  private onInnerError(err: unknown): void {
    // Aborting the request on stop() surfaces as an error too.
    if (this.stopped || this.restartTimer) return;
    if (this.connectedAt > 0 && Date.now() - this.connectedAt >= this.healthyAfterMs) this.attempt = 0;
    this.connectedAt = 0;
    const delay = backoffDelay(this.attempt, this.backoff);
    const failure = new WatchError(this.opts.path, this.attempt, delay, err);
    this.attempt++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) void this.connect();
    }, delay);
    for (const handler of this.errorHandlers) handler(failure);
  }
}
