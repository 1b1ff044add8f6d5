/**
 * Keeps an operation's log in the API while it runs (log-chunks.ts says how): lines are appended
 * in memory and the current chunk is written at most once per interval, so readers see the log
 * a few seconds behind the run. Only the current chunk is held in memory. The lines must already
 * be redacted: every executor's output is.
 */
import { ApiException, type CoreV1Api, type V1ConfigMap, type V1OwnerReference } from '@kubernetes/client-node';
import { CHUNK_BYTES, chunkName, chunkToDrop, LOG_KEY, LOG_OPERATION_UID_LABEL, LOG_SEQ_LABEL, logLine } from './log-chunks.js';

export const LOG_FLUSH_INTERVAL_MS = 2_000;

export interface LogTarget {
  core: CoreV1Api;
  namespace: string;
  /** The ClusterOperation the log belongs to: the chunks are owned by it and go with it. */
  owner: V1OwnerReference;
}

export class OperationLogWriter {
  private seq = 0;
  private chunk = '';
  private chunkCreated = false;
  private pending: string[] = [];
  private readonly chunks: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly target: LogTarget,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = LOG_FLUSH_INTERVAL_MS,
  ) {}

  append(line: string): void {
    if (this.closed) return;
    this.pending.push(logLine(line));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.queueFlush();
    }, this.intervalMs);
  }

  /** Writes what is left and stops; resolves once written. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queueFlush();
    await this.writing;
  }

  private queueFlush(): void {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return;
    this.writing = this.writing.then(() => this.write(lines)).then(() => undefined, this.onError);
  }

  private async write(lines: string[]): Promise<void> {
    let dirty = false;
    for (const line of lines) {
      if (this.chunk.length > 0 && Buffer.byteLength(this.chunk) + Buffer.byteLength(line) > CHUNK_BYTES) {
        await this.put();
        await this.nextChunk();
        dirty = false;
      }
      this.chunk += line;
      dirty = true;
    }
    if (dirty) await this.put();
  }

  private async nextChunk(): Promise<void> {
    const drop = chunkToDrop(this.chunks);
    if (drop !== undefined) {
      this.chunks.splice(this.chunks.indexOf(drop), 1);
      await this.target.core.deleteNamespacedConfigMap({ name: chunkName(this.target.owner.uid, drop), namespace: this.target.namespace }).catch(ignore404);
    }
    this.seq += 1;
    this.chunk = '';
    this.chunkCreated = false;
  }

  private async put(): Promise<void> {
    const body = this.configMap();
    const name = body.metadata!.name!;
    const { core, namespace } = this.target;
    if (!this.chunkCreated) {
      try {
        await core.createNamespacedConfigMap({ namespace, body });
        this.chunkCreated = true;
        this.chunks.push(this.seq);
        return;
      } catch (err) {
        // A resumed turn writes again over what an earlier process wrote.
        if (!(err instanceof ApiException && err.code === 409)) throw err;
        this.chunkCreated = true;
        this.chunks.push(this.seq);
      }
    }
    await core.replaceNamespacedConfigMap({ name, namespace, body });
  }

  private configMap(): V1ConfigMap {
    return {
      metadata: {
        name: chunkName(this.target.owner.uid, this.seq),
        namespace: this.target.namespace,
        labels: { [LOG_OPERATION_UID_LABEL]: this.target.owner.uid, [LOG_SEQ_LABEL]: String(this.seq) },
        ownerReferences: [this.target.owner],
      },
      data: { [LOG_KEY]: this.chunk },
    };
  }
}

function ignore404(err: unknown): void {
  if (!(err instanceof ApiException && err.code === 404)) throw err;
}
