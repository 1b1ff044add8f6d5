/**
 * Writes a running operation's progress into its status while it runs: every event is folded at
 * once, and the status is patched at most once per interval, so a 5 000-host step costs a write
 * every few seconds, not one per task result. `close` waits for the last write, so the final
 * status (written whole after it) is never overtaken by a late progress patch.
 */
import { foldProgress, initialProgress, progressOf, type OperationProgress, type ProgressState } from '../status/operation-progress.js';
import type { ExecutionEvent } from '../executors/types.js';

export const PROGRESS_INTERVAL_MS = 2_000;

export class ProgressWriter {
  private readonly state: ProgressState;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastWriteAt = 0;
  private closed = false;

  constructor(
    private readonly write: (progress: OperationProgress) => Promise<unknown>,
    inventoryHosts: number,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.state = initialProgress(inventoryHosts);
  }

  readonly sink = (event: ExecutionEvent): void => {
    if (foldProgress(this.state, event)) this.schedule();
  };

  private schedule(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastWriteAt = Date.now();
      const progress = progressOf(this.state);
      this.writing = this.writing.then(() => this.write(progress)).then(() => undefined, this.onError);
    }, wait);
  }

  /** No more writes; resolves once a write in flight has ended. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }
}
