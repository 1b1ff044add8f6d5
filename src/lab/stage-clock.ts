/** Prints each stage's start and time, as the build scripts do ("==> name", "<== name: 1.2 s"). */
export class StageClock {
  private readonly times: Array<{ name: string; seconds: number }> = [];

  constructor(private readonly print: (line: string) => void) {}

  async stage<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.print(`==> ${name}\n`);
    const start = performance.now();
    const result = await work();
    const seconds = (performance.now() - start) / 1000;
    this.times.push({ name, seconds });
    this.print(`<== ${name}: ${seconds.toFixed(1)} s\n`);
    return result;
  }

  summary(): string {
    const total = this.times.reduce((t, s) => t + s.seconds, 0);
    return [...this.times, { name: 'total', seconds: total }]
      .map((s) => `  ${s.name.padEnd(28)} ${s.seconds.toFixed(1).padStart(6)} s\n`)
      .join('');
  }
}
