/**
 * The admission webhook of the test environment: `slipway webhook` (the same code every
 * controller replica serves) on 127.0.0.1, registered with the apiserver by a
 * MutatingWebhookConfiguration whose clientConfig.url points there. Ready once a dry-run Cluster
 * comes back stamped, so every test runs with admission in force.
 */
import { fileURLToPath } from 'node:url';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { CLUSTER_PLURAL, GROUP, VERSION } from '../../src/api/types.js';
import type { Daemon } from '../../src/util/daemon.js';
import { freePort } from '../../src/util/free-port.js';
import { ADMITTED_ANNOTATION } from '../../src/api/admission-stamp.js';
import { WEBHOOK_PATH } from '../../src/webhook/webhook-server.js';
import { startReadyDaemon } from './component.js';

/** Where the test webhook keeps its Secret; like a controller's namespace, no ref may point into it. */
export const ADMISSION_NAMESPACE = 'slipway-system';
export const ADMISSION_SECRET = 'slipway-webhook';
export const ADMISSION_CONFIG = 'slipway-test';
/**
 * Objects carrying this label skip the webhook, as if it were not installed when they were
 * written: how tests make unadmitted objects without taking the webhook away from the others.
 */
export const SKIP_ADMISSION_LABEL = 'slipway.test/skip-admission';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The webhook configuration the chart renders, reaching the webhook by URL instead of a Service. */
export function webhookConfiguration(name: string, url: string): V1MutatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: 'admission.slipway.io',
        clientConfig: { url },
        rules: [{ apiGroups: [GROUP], apiVersions: [VERSION], operations: ['CREATE', 'UPDATE'], resources: ['clusters', 'clusteroperations'], scope: '*' }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
        reinvocationPolicy: 'IfNeeded',
        objectSelector: { matchExpressions: [{ key: SKIP_ADMISSION_LABEL, operator: 'DoesNotExist' }] },
      },
    ],
  };
}

export async function startAdmissionWebhook(o: { kubeConfig: KubeConfig; kubeconfigPath: string; logFile: string; signal?: AbortSignal }): Promise<{ daemon: Daemon; url: string }> {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const admission = o.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const custom = o.kubeConfig.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: ADMISSION_NAMESPACE } } });
  const port = await freePort();
  const url = `https://127.0.0.1:${port}${WEBHOOK_PATH}`;
  await admission.createMutatingWebhookConfiguration({ body: webhookConfiguration(ADMISSION_CONFIG, url) });
  const probe = {
    apiVersion: 'kubean.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'admission-probe' },
    spec: { hostsConfRef: { namespace: 'default', name: 'hosts' }, varsConfRef: { namespace: 'default', name: 'vars' } },
  };
  const daemon = await startReadyDaemon({
    name: 'slipway webhook',
    command: process.execPath,
    args: [CLI, 'webhook', `--namespace=${ADMISSION_NAMESPACE}`, `--secret=${ADMISSION_SECRET}`, `--port=${port}`, `--webhook-config=${ADMISSION_CONFIG}`, `--kubeconfig=${o.kubeconfigPath}`],
    logFile: o.logFile,
    env: { ...process.env, SLIPWAY_LOG_LEVEL: 'info' },
    signal: o.signal,
    timeoutMs: 30_000,
    ready: async () => {
      try {
        const dry = (await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, body: probe, dryRun: 'All' })) as { metadata?: { annotations?: Record<string, string> } };
        return dry.metadata?.annotations?.[ADMITTED_ANNOTATION] !== undefined;
      } catch {
        return false;
      }
    },
  });
  return { daemon, url };
}
