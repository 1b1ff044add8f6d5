import { probeTcp } from '../hosts/tcp-probe.js';
import { LabError } from './lab-error.js';
import type { LabPodman } from './lab-podman.js';
import type { MachinePlan } from './lab-plan.js';

export interface MachineReadiness {
  machine: string;
  /** systemctl is-system-running: "running", or "degraded" with failedUnits. */
  systemState: string;
  failedUnits: string[];
}

const SETTLED = new Set(['running', 'degraded', 'maintenance', 'stopping', 'offline']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new LabError(`${what} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** Waits until sshd answers on the machine's address and systemd has finished booting. */
export async function waitUntilReady(podman: LabPodman, m: MachinePlan, timeoutMs = 120_000): Promise<MachineReadiness> {
  const state = await poll(`${m.name}: systemd did not finish booting`, timeoutMs, async () => {
    // Before systemd has its bus up the answer is an error; "starting" until boot is done.
    const r = await podman.run(['exec', m.container, 'systemctl', 'is-system-running'], { allowFailure: true });
    const answer = r.stdout.trim();
    if (!SETTLED.has(answer)) {
      const status = await podman.run(['inspect', '--format', '{{.State.Status}}', m.container], { allowFailure: true });
      if (status.stdout.trim() === 'exited') {
        const logs = await podman.run(['logs', '--tail', '30', m.container], { allowFailure: true });
        throw new LabError(`${m.name}: the machine stopped while booting`, logs.stdout + logs.stderr);
      }
      return undefined;
    }
    return answer;
  });
  await poll(`${m.name}: sshd did not answer on ${m.address}:22`, timeoutMs, async () =>
    (await probeTcp({ host: m.address, port: 22, expect: 'SSH-2.0' })) ? true : undefined,
  );
  let failedUnits: string[] = [];
  if (state !== 'running') {
    const r = await podman.run(['exec', m.container, 'systemctl', 'list-units', '--failed', '--plain', '--no-legend'], { allowFailure: true });
    failedUnits = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
  }
  return { machine: m.name, systemState: state, failedUnits };
}
