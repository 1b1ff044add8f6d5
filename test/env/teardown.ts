/**
 * Stops what the environment started, last started first, exactly once — whether the run
 * ends normally, fails while starting, or is interrupted by a signal.
 */
export class Teardown {
  private readonly entries: { name: string; stop: () => Promise<void>; pid?: number }[] = [];
  private stopping: Promise<string[]> | undefined;

  add(name: string, stop: () => Promise<void>, pid?: number): void {
    if (this.stopping) {
      // Started after teardown began (a slow start finishing late): stop it right away.
      void stop().catch(() => undefined);
      return;
    }
    this.entries.push({ name, stop, pid });
  }

  /** Resolves with the names of components whose stop failed; never rejects. */
  stopAll(): Promise<string[]> {
    this.stopping ??= (async () => {
      const failed: string[] = [];
      for (const e of [...this.entries].reverse()) {
        await e.stop().catch(() => failed.push(e.name));
      }
      return failed;
    })();
    return this.stopping;
  }

  /** Last resort from a synchronous 'exit' handler: SIGKILL every known process group. */
  killAllSync(): void {
    for (const e of this.entries) {
      if (e.pid === undefined || e.pid <= 0) continue;
      try {
        process.kill(-e.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}
