import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { LabSsh, CliResult } from '../lab/lab-harness.js';

/** kubectl on this machine against a cluster whose kubeconfig is a file here. */
export class LocalKubectl {
  constructor(
    readonly kubectl: string,
    readonly kubeconfig: string,
  ) {}

  async run(args: string[], input?: string): Promise<CliResult> {
    const start = performance.now();
    const r = await execa(this.kubectl, ['--kubeconfig', this.kubeconfig, ...args], {
      reject: false,
      timeout: 600_000,
      ...(input !== undefined ? { input } : { stdin: 'ignore' }),
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), seconds: (performance.now() - start) / 1000 };
  }

  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.exitCode}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  apply(manifests: string): Promise<string> {
    return this.ok(['apply', '-f', '-'], manifests);
  }
}

/** kubectl on a control plane of a cluster, over SSH, with its admin kubeconfig. */
export class RemoteKubectl {
  constructor(
    private readonly ssh: LabSsh,
    readonly address: string,
  ) {}

  async ok(args: string[], input?: string): Promise<string> {
    const quoted = args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    const r = await this.ssh.run(this.address, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${quoted}`, input);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} on ${this.address} exited ${r.exitCode}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  apply(manifests: string): Promise<string> {
    return this.ok(['apply', '-f', '-'], manifests);
  }
}

export type Kubectl = Pick<RemoteKubectl, 'ok' | 'apply'>;

export interface NodeView {
  name: string;
  ready: boolean;
  version: string;
}

export async function nodes(k: Kubectl): Promise<NodeView[]> {
  const list = JSON.parse(await k.ok(['get', 'nodes', '-o', 'json'])) as {
    items: Array<{ metadata: { name: string }; status: { conditions?: Array<{ type: string; status: string }>; nodeInfo: { kubeletVersion: string } } }>;
  };
  return list.items.map((n) => ({
    name: n.metadata.name,
    ready: n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    version: n.status.nodeInfo.kubeletVersion,
  })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Waits until every node is Ready and exactly `expected` are there. */
export async function waitForNodes(k: Kubectl, expected: string[], timeoutMs = 300_000): Promise<NodeView[]> {
  const deadline = Date.now() + timeoutMs;
  let last: NodeView[] = [];
  while (Date.now() < deadline) {
    last = await nodes(k).catch(() => last);
    if (last.length === expected.length && last.every((n) => n.ready && expected.includes(n.name))) return last;
    await sleep(3_000);
  }
  throw new Error(`nodes not Ready as expected (${expected.join(', ')}): ${JSON.stringify(last)}`);
}

/**
 * The echo workload answers a client pod on `clientNode`, directly (pod to pod across nodes)
 * and through its Service's DNS name (CoreDNS and kube-proxy). Returns the client's output.
 */
export async function crossNodeCheck(k: Kubectl, clientNode: string, clientManifest: (podIp: string) => string, name: string): Promise<string> {
  await k.ok(['rollout', 'status', 'deployment/echo', '--timeout=180s']);
  await k.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=echo', '--timeout=180s']);
  const podIp = (await k.ok(['get', 'pods', '-l', 'app=echo', '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[0].status.podIP}'])).trim();
  if (!podIp) throw new Error('no running echo pod');
  await k.ok(['delete', 'pod', name, '--ignore-not-found', '--wait=true']);
  await k.apply(clientManifest(podIp));
  await k.ok(['wait', `--for=jsonpath={.status.phase}=Succeeded`, `pod/${name}`, '--timeout=180s']);
  const log = await k.ok(['logs', name]);
  void clientNode;
  return log;
}

export interface OperationOutcome {
  status: string;
  /** The Cluster's phases as seen while the operation ran, in order, without repeats. */
  phases: string[];
  seconds: number;
  steps: Array<{ name?: string; status?: string }>;
  message: string;
}

/**
 * Applies a ClusterOperation to the management cluster and follows it to its end, recording the
 * Cluster's phase each time it changes (polled: this is the test watching, not the controller).
 */
/** How long an operation may stay unfinished after its Job ended before the controller is blamed. */
const STATUS_AFTER_JOB_MS = 120_000;

export async function runOperation(mgmt: LocalKubectl, manifest: string, name: string, cluster: string, namespace: string, timeoutMs = 1_800_000): Promise<OperationOutcome> {
  const start = performance.now();
  const phases: string[] = [];
  const notePhase = async () => {
    const phase = (await mgmt.run(['get', 'cluster', cluster, '-o', 'jsonpath={.status.phase}'])).stdout.trim();
    if (phase && phases.at(-1) !== phase) phases.push(phase);
  };
  await notePhase();
  await mgmt.apply(manifest);
  const deadline = Date.now() + timeoutMs;
  let jobEndedAt: number | undefined;
  while (Date.now() < deadline) {
    await notePhase();
    const r = await mgmt.run(['get', 'clusteroperation', name, '-o', 'json']);
    if (r.exitCode === 0) {
      const op = JSON.parse(r.stdout) as { status?: { status?: string; message?: string; steps?: Array<{ name?: string; status?: string }> } };
      const status = op.status?.status ?? '';
      if (status === 'Succeeded' || status === 'Failed') {
        await notePhase();
        return { status, phases, seconds: (performance.now() - start) / 1000, steps: op.status?.steps ?? [], message: op.status?.message ?? '' };
      }
    }
    jobEndedAt ??= (await jobEnded(mgmt, name, namespace)) ? Date.now() : undefined;
    if (jobEndedAt !== undefined && Date.now() - jobEndedAt > STATUS_AFTER_JOB_MS) {
      throw new Error(`ClusterOperation ${name}'s Job ended ${STATUS_AFTER_JOB_MS / 1000} s ago, its status did not follow\n${await operationDiagnosis(mgmt, name, namespace)}`);
    }
    await sleep(2_000);
  }
  throw new Error(`ClusterOperation ${name} did not end within ${timeoutMs / 1000} s; phases so far ${phases.join(' → ')}\n${await operationDiagnosis(mgmt, name, namespace)}`);
}

async function jobEnded(mgmt: LocalKubectl, name: string, namespace: string): Promise<boolean> {
  const r = await mgmt.run(['-n', namespace, 'get', 'jobs', '-l', `slipway.io/operation=${name}`, '-o', 'jsonpath={.items[*].status.conditions[?(@.status=="True")].type}']);
  return r.exitCode === 0 && /\b(Complete|Failed)\b/.test(r.stdout);
}

/** Why an operation failed or stuck: its status, its Job and pods, their last lines and the controllers' last lines. */
export async function operationDiagnosis(mgmt: LocalKubectl, name: string, namespace: string): Promise<string> {
  const selector = `slipway.io/operation=${name}`;
  const [op, objects, logs, controllers] = await Promise.all([
    mgmt.run(['get', 'clusteroperation', name, '-o', 'yaml']),
    mgmt.run(['-n', namespace, 'get', 'jobs,pods', '-l', selector, '-o', 'wide']),
    mgmt.run(['-n', namespace, 'logs', '--tail=60', '-l', selector, '--all-containers']),
    mgmt.run(['-n', namespace, 'logs', '--tail=80', '--prefix', '-l', 'app.kubernetes.io/component=controller']),
  ]);
  return [op.stdout, '--- job and pods ---', objects.stdout + objects.stderr, '--- job pod log ---', logs.stdout + logs.stderr, '--- controllers ---', controllers.stdout + controllers.stderr].join('\n');
}

export async function writeTemp(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-'));
  const path = join(dir, name);
  await writeFile(path, text, { mode: 0o600 });
  return path;
}
