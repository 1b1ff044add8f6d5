/** kubectl against the test environment's apiserver, as its admin or impersonating someone. */
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { loadTestEnv } from '../env/index.js';
import { resolveKubeBinaries } from '../env/kube-binaries.js';

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  const env = loadTestEnv();
  const r = await execa(resolveKubeBinaries().kubectl, [`--kubeconfig=${env.kubeconfigPath}`, ...args], { input, reject: false });
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** A namespace other tests may share (kubean-system): created if missing, never deleted. */
export async function ensureNamespace(name: string): Promise<void> {
  const core = loadTestEnv().kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!(err instanceof ApiException) || err.code !== 409) throw err;
  }
}

/** Runs `work` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
