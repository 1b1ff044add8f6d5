/** Runs at most `limit` tasks at once; the others wait, first come first served. */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A slot is taken here, or handed over by the task that ends (running stays as it is then).
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  private release(): void {
    const next = this.waiting[this.head];
    if (!next) {
      this.running--;
      return;
    }
    this.head++;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      // Drop the handed-over front now and then, so a long line does not grow without end.
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    next();
  }
}
