/** Records what a handler saw and lets a test wait, without polling, until a predicate holds. */
export class EventRecorder<E> {
  readonly events: E[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  push = (event: E): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves when `predicate(events)` is true; rejects after `timeoutMs` listing what was seen. */
  waitFor(what: string, predicate: (events: readonly E[]) => boolean, timeoutMs = 20_000): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const waiter = {
        check: () => predicate(this.events),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }
}
