import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export { FAIL_POD_LABEL, FAKE_NODE_LABEL, RUN_DURATION_ANNOTATION } from './kwok.js';
export { SKIP_ADMISSION_LABEL } from './admission-webhook.js';

/** The environment variable `npm test` sets to the state file of the running environment. */
export const TEST_ENV_VAR = 'SLIPWAY_TEST_ENV';

/** What test/env/run.ts started, as written to its state file. */
export interface TestEnvState {
  runDir: string;
  logsDir: string;
  kubeconfigPath: string;
  /** A cluster admin too, but each of its requests is in `auditLogPath` (JSON lines, kube-apiserver's audit log). */
  auditedKubeconfigPath: string;
  auditLogPath: string;
  apiServerUrl: string;
  redis: { host: string; port: number; url: string };
  hosts: { name: string; address: string; port: number }[];
  sshUser: string;
  sshPrivateKeyPath: string;
  knownHostsPath: string;
  /** Names of the kwok nodes; pods reach them with nodeSelector type=kwok. */
  fakeNodes: string[];
  /** Pods carrying this label fail (exit code 1) instead of completing. */
  failPodLabel: { key: 'slipway.test/fail'; value: 'true' };
  /**
   * The admission webhook (`slipway webhook`): its Secret (TLS, the stamps' HMAC key) in
   * `namespace`, where no ref may point; its MutatingWebhookConfiguration; its URL.
   */
  admission: { namespace: string; secretName: string; webhookConfig: string; url: string };
}

export interface TestEnv extends TestEnvState {
  /** Admin credentials for the test apiserver. */
  kubeConfig: KubeConfig;
  /** Creates a namespace named `<prefix>-<random>` whose default ServiceAccount exists; deleted when the process exits. */
  namespace(prefix: string): Promise<string>;
  randomName(prefix: string): string;
}

export class TestEnvNotSetError extends Error {
  constructor() {
    super(`${TEST_ENV_VAR} is not set: integration tests need the environment that \`npm test\` starts ` +
      '(e.g. `npm test -- dist/test/smoke/kube.test.js` to run one file).');
    this.name = 'TestEnvNotSetError';
  }
}

const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 6;
const DNS_LABEL_MAX = 63;

/** `<prefix>-<6 random [a-z0-9]>`, a valid DNS-1123 label (the prefix is normalised and truncated). */
export function randomName(prefix: string): string {
  const bytes = randomBytes(SUFFIX_LENGTH);
  let suffix = '';
  for (const b of bytes) suffix += NAME_ALPHABET[b % NAME_ALPHABET.length];
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
  const head = clean.slice(0, DNS_LABEL_MAX - SUFFIX_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${suffix}`;
}

let cached: TestEnv | undefined;

/** The running test environment; throws {@link TestEnvNotSetError} outside `npm test`. */
export function loadTestEnv(): TestEnv {
  if (cached) return cached;
  const file = process.env[TEST_ENV_VAR];
  if (!file) throw new TestEnvNotSetError();
  const state = JSON.parse(readFileSync(file, 'utf8')) as TestEnvState;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(state.kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const created: string[] = [];
  let cleanupRegistered = false;

  const namespace = async (prefix: string): Promise<string> => {
    const name = randomName(prefix);
    await core.createNamespace({ body: { metadata: { name, labels: { 'slipway.test/ephemeral': 'true' } } } });
    created.push(name);
    if (!cleanupRegistered) {
      cleanupRegistered = true;
      process.once('beforeExit', () => {
        void Promise.allSettled(created.map((ns) => core.deleteNamespace({ name: ns })));
      });
    }
    await waitForDefaultServiceAccount(core, name);
    return name;
  };

  cached = { ...state, kubeConfig, namespace, randomName };
  return cached;
}

/** Pods are refused until the service-account controller has created "default" in the namespace. */
async function waitForDefaultServiceAccount(core: CoreV1Api, namespace: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return;
    } catch (err) {
      if (!(err instanceof ApiException) || err.code !== 404) throw err;
      if (Date.now() > deadline) throw new Error(`namespace ${namespace}: no default ServiceAccount after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
