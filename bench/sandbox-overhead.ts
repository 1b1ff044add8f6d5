/**
 * Prints what a sandbox adds to each step: N steps of `true` with no sandbox, with the host
 * network, and with slirp4netns. Numbers only; never asserted.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan, Step } from '../src/engine/plan-types.js';
import { LocalExecutor } from '../src/executors/local-executor.js';
import type { SandboxOptions } from '../src/sandbox/sandbox-runtime.js';

const STEPS = Number(process.argv[2] ?? 20);
const builtinDir = join(process.cwd(), 'playbooks');

function plan(): Plan {
  const step: Step = { name: 'true', role: 'action', kind: 'shell', argv: ['true'], env: {}, source: 'builtin', action: 'true' };
  return {
    cluster: 'bench', operation: 'overhead', action: 'true', steps: Array.from({ length: STEPS }, () => step),
    files: [], secrets: [], targetHosts: [], hostAddresses: [], warnings: [], clusterFacts: { controlPlane: [], workers: [], controlPlaneDigest: '' },
  };
}

async function measure(label: string, sandbox: SandboxOptions): Promise<void> {
  const workRoot = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
  await chmod(workRoot, 0o711);
  const executor = new LocalExecutor({ builtinDir, workRoot, sandbox });
  const first = process.hrtime.bigint();
  // The first run also pays for the executor's one-off trial sandboxes.
  await executor.run({ ...plan(), steps: plan().steps.slice(0, 1) }, () => undefined);
  const firstMs = Number(process.hrtime.bigint() - first) / 1e6;
  const started = process.hrtime.bigint();
  const result = await executor.run(plan(), () => undefined);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await rm(workRoot, { recursive: true, force: true });
  console.log(`${label.padEnd(28)} ${result.status}  ${(ms / STEPS).toFixed(1)} ms/step (${STEPS} steps, ${ms.toFixed(0)} ms; first run with trial ${firstMs.toFixed(0)} ms)`);
}

await measure('no sandbox', { allowLoopbackHosts: true, bwrap: '/nonexistent/bwrap' });
await measure('sandbox, host network', { allowLoopbackHosts: true });
await measure('sandbox, slirp4netns', { allowLoopbackHosts: false });
