import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundleLayout } from '../../src/bundle/bundle-layout.js';

/** Runs only in `npm run test:e2e` (SLIPWAY_E2E_SUITE), and only with a built bundle. */
export function e2eSkip(): string | false {
  if (!process.env.SLIPWAY_E2E_SUITE) return 'end-to-end suite only: npm run test:e2e';
  const layout = bundleLayout();
  if (existsSync(layout.imagesIndex) && existsSync(layout.filesIndex)) return false;
  throw new Error(`no bundle in ${layout.root}: run \`node dist/src/cli/main.js bundle build\` first`);
}

const timings: Array<{ step: string; seconds: number }> = [];
/** Measurements within scenarios (an operation's seconds, a ratio), printed after the timings. */
const notes: string[] = [];

export function recordTiming(step: string, seconds: number): void {
  timings.push({ step, seconds });
}

export function recordNote(note: string): void {
  notes.push(note);
}

/** Seconds per scenario, printed and written to SLIPWAY_E2E_TIMINGS (default ~/.local/state/slipway/e2e-timings.txt). */
export async function writeTimings(): Promise<void> {
  const file = process.env.SLIPWAY_E2E_TIMINGS ?? join(process.env.HOME ?? '/root', '.local', 'state', 'slipway', 'e2e-timings.txt');
  const total = timings.reduce((s, t) => s + t.seconds, 0);
  const lines = [...timings.map((t) => `${t.seconds.toFixed(0).padStart(6)} s  ${t.step.slice(0, 110)}`), `${total.toFixed(0).padStart(6)} s  total`];
  const measured = notes.length ? `# measured\n${notes.map((n) => `  ${n}`).join('\n')}\n` : '';
  const text = `# slipway end-to-end, ${new Date().toISOString()}\n${lines.join('\n')}\n${measured}`;
  process.stdout.write(text);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
