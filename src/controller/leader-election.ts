import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Unique per candidate (e.g. pod name + random suffix). */
  identity: string;
  /** How long a non-leader waits, from its last sight of a change to the Lease, before taking it (default 15 s). */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down; must be < leaseDurationMs (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Called on becoming leader; `signal` aborts when leadership is lost or the elector stops. */
  onStartedLeading: (signal: AbortSignal) => void;
  onStoppedLeading?: () => void;
  /** An attempt failed for a reason other than losing the race (the API answered an error or not at all). */
  onError?: (err: LeaderElectionError) => void;
}

export class LeaderElectionError extends Error {
  constructor(
    readonly lease: string,
    override readonly cause: unknown,
  ) {
    super(`lease ${lease}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'LeaderElectionError';
  }
}

const isConflict = (err: unknown): boolean => err instanceof ApiException && err.code === 409;
const isNotFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

/**
 * client-go's leader election over a coordination.k8s.io/v1 Lease. Every write carries the
 * resourceVersion it read, so of two candidates racing for the same Lease only one write succeeds.
 * Expiry is judged by when this candidate last saw the Lease change (its own clock), never by the
 * renewTime another machine wrote, so clock skew between candidates does not matter.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { resourceVersion: string; at: number } | undefined;
  private leading: AbortController | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private renewDeadlineTimer: NodeJS.Timeout | undefined;
  private running = false;
  private lastAttempt = 0;
  /** The attempt under way; resolves true when it left this candidate holding the Lease. */
  private inFlight: Promise<boolean> = Promise.resolve(false);

  constructor(private readonly opts: LeaderElectionOptions) {
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new RangeError('renewDeadlineMs must be less than leaseDurationMs');
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Whether it is campaigning or renewing (between start() and stop()). */
  get isRunning(): boolean {
    return this.running;
  }

  /** When the last attempt to acquire or renew ended (or start() was called), in ms since the epoch; its loop is stuck when this grows old. */
  get lastAttemptAt(): number {
    return this.lastAttempt;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastAttempt = Date.now();
    this.schedule(0);
  }

  /**
   * Stops trying. A leader steps down and, unless `release` is false, hands the Lease back at once
   * so a standby takes over on its next attempt instead of waiting for the Lease to expire.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.tickTimer);
    // An attempt that won after stop() began was not acted on, but the Lease is ours all the same.
    const holds = (await this.inFlight) || this.isLeader;
    this.stepDown();
    if (holds && opts.release !== false) await this.release();
  }

  private get leaseName(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }

  private schedule(delayMs: number): void {
    this.tickTimer = setTimeout(() => {
      this.inFlight = this.tick();
    }, delayMs);
  }

  private async tick(): Promise<boolean> {
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (err) {
      this.opts.onError?.(new LeaderElectionError(this.leaseName, err));
    }
    this.lastAttempt = Date.now();
    if (!this.running) return held;
    if (held) this.renewed();
    // Candidates spread their attempts (client-go's jitter factor 1.2); the leader renews on time.
    this.schedule(this.isLeader ? this.retryPeriodMs : this.retryPeriodMs * (1 + 0.2 * Math.random()));
    return held;
  }

  private renewed(): void {
    clearTimeout(this.renewDeadlineTimer);
    this.renewDeadlineTimer = setTimeout(() => this.stepDown(), this.renewDeadlineMs);
    if (this.leading) return;
    this.leading = new AbortController();
    this.opts.onStartedLeading(this.leading.signal);
  }

  private stepDown(): void {
    clearTimeout(this.renewDeadlineTimer);
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    leading.abort(new Error(`lost lease ${this.leaseName}`));
    this.opts.onStoppedLeading?.();
  }

  private observe(lease: V1Lease): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== resourceVersion) this.observed = { resourceVersion, at: Date.now() };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new V1MicroTime();
    const leaseDurationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return this.write(() =>
        this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
        }),
      );
    }
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const expiresAt = this.observed!.at + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== identity && Date.now() < expiresAt) return false;
    const renewing = holder === identity;
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: now,
        acquireTime: renewing ? spec.acquireTime : now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (renewing ? 0 : 1),
      },
    };
    return this.write(() => this.api.replaceNamespacedLease({ name, namespace, body }));
  }

  /** True when the write won; false when another candidate wrote first (409). */
  private async write(send: () => Promise<V1Lease>): Promise<boolean> {
    try {
      this.observe(await send());
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** client-go's release: empty holder, so any candidate may take the Lease immediately. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.opts;
    try {
      const current = await this.api.readNamespacedLease({ name, namespace });
      if (current.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } },
      });
    } catch (err) {
      // The Lease then expires on its own; a conflict means someone else already holds it.
      if (!isConflict(err)) throw new LeaderElectionError(this.leaseName, err);
    }
  }
}
