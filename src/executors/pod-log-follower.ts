/**
 * Follows a running container's log and passes each line on once, in order, as it arrives. A
 * request that breaks, is refused (the node does not serve the log yet, or at all) or falls idle
 * is made again after a pause that grows, from the time of the last line passed on; the lines
 * of that second that come again are dropped (log-cursor.ts). A line longer than MAX_LINE_CHARS
 * is cut, so what is held is bounded. Nothing waits for the follower: stop() ends it at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { streamPodLog, type PodLogTarget } from '../api/pod-log-stream.js';
import { LogCursor, splitTimedLine } from './log-cursor.js';

/** Longer lines are cut here (the kept log cuts at 16 KiB; event lines of big results are still parsed whole below this). */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface PodLogFollowerOptions {
  kubeConfig: KubeConfig;
  target: PodLogTarget;
  /** Each new line, its time taken off. */
  onLine: (line: string) => void;
  /** Why a request ended early (for a debug log); the follower goes on. */
  onRetry?: (err: unknown) => void;
  /** Pauses between requests: the first, and the longest it grows to. */
  retryMs?: { first: number; max: number };
  /** A request with no byte for this long is made again. */
  idleMs?: number;
}

const DEFAULT_RETRY = { first: 1_000, max: 15_000 };
const DEFAULT_IDLE_MS = 5 * 60_000;

export class PodLogFollower {
  private readonly abort = new AbortController();
  private readonly cursor = new LogCursor();
  private partial = '';
  /** Inside a line being cut: the rest of it is dropped. */
  private cutting = false;
  private started = false;

  constructor(private readonly opts: PodLogFollowerOptions) {}

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.loop();
  }

  /** Ends the request in flight; no line is passed on after this (but through catchUp). */
  stop(): void {
    this.abort.abort();
  }

  /**
   * A whole timestamped log read otherwise (at the end of the run): its lines past those the
   * stream passed on go to onLine, so nothing the stream missed is lost.
   */
  catchUp(log: string): void {
    this.stop();
    this.cursor.restart();
    const lines = log.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const line of lines) this.pass(line.length > MAX_LINE_CHARS ? cut(line) : line);
  }

  private async loop(): Promise<void> {
    const retry = this.opts.retryMs ?? DEFAULT_RETRY;
    let pause = retry.first;
    while (!this.stopped) {
      this.cursor.restart();
      this.partial = '';
      this.cutting = false;
      let fresh = false;
      try {
        await streamPodLog(
          this.opts.kubeConfig,
          this.opts.target,
          { ...(this.cursor.since ? { sinceTime: this.cursor.since } : {}), signal: this.abort.signal, idleMs: this.opts.idleMs ?? DEFAULT_IDLE_MS },
          (text) => {
            if (this.take(text)) fresh = true;
          },
        );
      } catch (err) {
        if (this.stopped) return;
        this.opts.onRetry?.(err);
      }
      // Ended: the container stopped, or the connection broke. Read again from the last line's second.
      pause = fresh ? retry.first : Math.min(pause * 2, retry.max);
      try {
        await sleep(pause, undefined, { signal: this.abort.signal });
      } catch {
        return;
      }
    }
  }

  /** Splits `text` into lines; true if one of them was new. */
  private take(text: string): boolean {
    if (this.stopped) return false;
    let fresh = false;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const piece = text.slice(from, nl);
      from = nl + 1;
      if (this.cutting) {
        this.cutting = false;
        continue;
      }
      const line = this.partial + piece;
      this.partial = '';
      if (this.pass(line)) fresh = true;
    }
    if (this.cutting) return fresh;
    this.partial += text.slice(from);
    if (this.partial.length > MAX_LINE_CHARS) {
      const line = cut(this.partial);
      this.partial = '';
      this.cutting = true;
      if (this.pass(line)) fresh = true;
    }
    return fresh;
  }

  private pass(line: string): boolean {
    const timed = splitTimedLine(line);
    if (!this.cursor.accept(timed)) return false;
    this.opts.onLine(timed.text);
    return true;
  }
}

function cut(line: string): string {
  return `${line.slice(0, MAX_LINE_CHARS)}… [line cut at ${MAX_LINE_CHARS} characters]`;
}
