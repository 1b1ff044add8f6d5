import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics } from 'prom-client';
import { ClusterQueue } from '../controller/cluster-queue.js';
import { Controller, DEFAULT_QUEUE } from '../controller/controller.js';
import { kubernetesMetricsAuthorizer } from '../controller/metrics-auth.js';
import { MetricsAddressError, parseMetricsAddr, serveMetrics, type MetricsServeOptions, type MetricsServer } from '../controller/metrics-server.js';
import { redactRedisUrl, redisOptionsFromUrl } from '../controller/redis-url.js';
import { QueueUnavailableError } from '../controller/turn-store.js';
import { defaultBuiltinDir } from '../engine/builtin-dir.js';
import { JobResourcesError, parseJobResources, type JobResources } from '../executors/job-resources.js';
import { JobImagePolicyError, type JobImagePolicy } from '../policy/job-image.js';
import { jobImageFlags, jobImagePolicyFromFlags } from './job-image-flags.js';
import { createLogger } from './logger.js';
import { createSelfSignedCert } from '../util/x509.js';
import { startAdmissionWebhook, type AdmissionWebhook } from '../webhook/admission-webhook.js';
import { EXIT, UsageError } from './exit-codes.js';
import { managementKubeConfig, type ClusterFlags } from './management-cluster.js';
import { admissionWebhookOptions, DEFAULT_WEBHOOK_PORT, DEFAULT_WEBHOOK_SECRET, untilStopSignal } from './webhook-flags.js';

/** HTTPS with the given certificate (or a self-signed one) and Kubernetes authn/authz for /metrics. */
async function secureMetrics(kubeConfig: KubeConfig, certDir: string | undefined): Promise<Pick<MetricsServeOptions, 'tls' | 'authorizer'>> {
  const tls = certDir
    ? { cert: await readFile(join(certDir, 'tls.crt'), 'utf8'), key: await readFile(join(certDir, 'tls.key'), 'utf8') }
    : createSelfSignedCert(['localhost', '127.0.0.1'], 365);
  return { tls, authorizer: kubernetesMetricsAuthorizer(kubeConfig) };
}

/** The image policy and pod resources from the flags; UsageError when one is malformed. */
function jobSettings(values: ControllerFlags): { jobImages: JobImagePolicy; jobResources?: JobResources } {
  try {
    const text = values.jobResources;
    return { jobImages: jobImagePolicyFromFlags(jobImageFlags(values)), ...(text ? { jobResources: parseJobResources(text) } : {}) };
  } catch (err) {
    if (err instanceof JobImagePolicyError) throw new UsageError(err.message);
    if (err instanceof JobResourcesError) throw new UsageError(`--job-resources: ${err.message}`);
    throw err;
  }
}

export interface ControllerFlags extends ClusterFlags {
  jobImage?: string;
  allowJobImage: string[];
  mapJobImage: string[];
  /** false with --no-kubean-image-map. */
  kubeanImageMap: boolean;
  namespace?: string;
  redisUrl?: string;
  jobResources?: string;
  jobImagePullSecret: string[];
  historyLimit?: string;
  kubeVersions?: string;
  maxRemovals?: string;
  concurrency?: string;
  executor?: string;
  builtinDir?: string;
  allowLoopbackHosts?: boolean;
  metricsAddr?: string;
  metricsAuth?: string;
  sharedHosts?: string;
  metricsCertDir?: string;
  observeInterval?: string;
  admission?: string;
  webhookPort?: string;
  webhookService?: string;
  webhookSecret?: string;
  webhookConfig?: string;
}

/** Runs until SIGINT/SIGTERM; returns the exit code (UsageError: the caller's exit 2). */
export async function controllerCommand(values: ControllerFlags): Promise<number> {
  const logger = createLogger();
  let controller: Controller;
  let metricsServer: MetricsServer | undefined;
  let webhook: AdmissionWebhook | undefined;
  try {
    const namespace = values.namespace;
    if (!namespace) throw new UsageError('--namespace is required');
    const redisUrl = values.redisUrl || process.env.SLIPWAY_REDIS_URL;
    if (!redisUrl) throw new UsageError('--redis-url or SLIPWAY_REDIS_URL is required');
    const historyText = values.historyLimit ?? '30';
    if (!/^\d+$/.test(historyText)) throw new UsageError(`--history-limit needs a whole number >= 0, got ${JSON.stringify(historyText)}`);
    const concurrencyText = values.concurrency;
    if (concurrencyText !== undefined && !/^[1-9]\d*$/.test(concurrencyText)) throw new UsageError(`--concurrency needs a whole number >= 1, got ${JSON.stringify(concurrencyText)}`);
    const observeText = values.observeInterval;
    if (observeText !== undefined && !/^\d+(\.\d+)?$/.test(observeText)) throw new UsageError(`--observe-interval needs a number of seconds, got ${JSON.stringify(observeText)}`);
    if (observeText !== undefined && Number(observeText) < 0.1) throw new UsageError('--observe-interval must be at least 0.1 seconds');
    const executor = values.executor ?? 'job';
    if (executor !== 'job' && executor !== 'local') throw new UsageError(`--executor must be job or local, not ${JSON.stringify(executor)}`);
    const kubeConfig = managementKubeConfig(values);
    const watch = (process.env.SLIPWAY_WATCH_NAMESPACES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const metricsAddr = values.metricsAddr;
    if (metricsAddr !== undefined) {
      try {
        parseMetricsAddr(metricsAddr);
      } catch (err) {
        if (err instanceof MetricsAddressError) throw new UsageError(err.message);
        throw err;
      }
    }
    const metricsAuth = values.metricsAuth ?? 'kubernetes';
    if (metricsAuth !== 'kubernetes' && metricsAuth !== 'none') throw new UsageError(`--metrics-auth must be kubernetes or none, not ${JSON.stringify(metricsAuth)}`);
    const metricsSecurity = metricsAddr !== undefined && metricsAuth === 'kubernetes' ? await secureMetrics(kubeConfig, values.metricsCertDir) : {};
    const sharedHosts = values.sharedHosts ?? 'refuse';
    if (sharedHosts !== 'refuse' && sharedHosts !== 'allow') throw new UsageError(`--shared-hosts must be refuse or allow, not ${JSON.stringify(sharedHosts)}`);
    const allowLoopbackHosts = values.allowLoopbackHosts ?? false;
    const { jobImages, jobResources } = jobSettings(values);
    const pullSecrets = values.jobImagePullSecret ?? [];
    const badSecret = pullSecrets.find((n) => !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(n));
    if (badSecret !== undefined) throw new UsageError(`--job-image-pull-secret needs a Secret name, got ${JSON.stringify(badSecret)}`);
    const kubeVersions = (values.kubeVersions ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    const badVersion = kubeVersions.find((v) => !/^v\d+\.\d+\.\d+$/.test(v));
    if (badVersion !== undefined) throw new UsageError(`--kube-versions takes releases such as v1.34.4, not ${JSON.stringify(badVersion)}`);
    if (values.maxRemovals !== undefined && !/^\d+$/.test(values.maxRemovals)) throw new UsageError(`--max-removals must be a whole number, not ${JSON.stringify(values.maxRemovals)}`);
    const admission = values.admission ?? 'required';
    if (admission !== 'required' && admission !== 'off') throw new UsageError(`--admission must be required or off, not ${JSON.stringify(admission)}`);
    const webhookOptions = admissionWebhookOptions(
      {
        namespace,
        secret: values.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
        portFlag: '--webhook-port',
        port: values.webhookPort ?? DEFAULT_WEBHOOK_PORT,
        names: serviceNames(values.webhookService ?? 'slipway-webhook', namespace),
        host: '0.0.0.0',
        config: values.webhookConfig ?? 'slipway',
      },
      kubeConfig,
      logger,
    );
    if (admission === 'required') {
      // Redis first: an unreachable queue is the error to report, not a webhook left serving.
      try {
        await (await ClusterQueue.open({ connection: redisOptionsFromUrl(redisUrl), queueName: DEFAULT_QUEUE })).close();
      } catch (err) {
        if (err instanceof QueueUnavailableError) throw new Error(`cannot reach Redis at ${redactRedisUrl(redisUrl)}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
        throw err;
      }
    }
    if (admission === 'off') {
      logger.warn('WARNING: --admission off: refs are not authorised as their author; anyone who may create a Cluster or ClusterOperation can have this controller use any ConfigMap or Secret it can read. Use it only when every user is trusted with all of them.');
    } else {
      webhook = await startAdmissionWebhook(webhookOptions);
    }
    try {
      controller = await Controller.start({
        kubeConfig,
        namespace,
        redis: redisOptionsFromUrl(redisUrl),
        identity: process.env.POD_NAME || (await import('node:os')).hostname(),
        executor,
        jobImage: jobImages.jobImage,
        jobImages,
        ...(jobResources ? { jobResources } : {}),
        ...(pullSecrets.length > 0 ? { jobPod: { imagePullSecrets: pullSecrets } } : {}),
        declarative: { availableVersions: kubeVersions, ...(values.maxRemovals !== undefined ? { maxRemovalsWithoutApproval: Number(values.maxRemovals) } : {}) },
        builtinDir: values.builtinDir ?? defaultBuiltinDir(),
        historyLimit: Number(historyText),
        ...(concurrencyText !== undefined ? { concurrency: Number(concurrencyText) } : {}),
        ...(observeText !== undefined ? { observe: { intervalMs: Number(observeText) * 1000 } } : {}),
        operator: { allowLoopbackHosts },
        admission: webhook ? { key: webhook.hmacKey, protectedNamespace: webhookOptions.namespace } : 'off',
        local: { sandbox: { allowLoopbackHosts } },
        ...(watch.length > 0 ? { watchNamespaces: new Set(watch) } : {}),
        sharedHosts,
        logger,
      });
    } catch (err) {
      await webhook?.close();
      if (err instanceof QueueUnavailableError) throw new Error(`cannot reach Redis at ${redactRedisUrl(redisUrl)}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
      throw err;
    }
    if (metricsAddr !== undefined) {
      collectDefaultMetrics({ register: controller.metrics.registry });
      try {
        metricsServer = await serveMetrics({
          addr: metricsAddr,
          registry: controller.metrics.registry,
          health: controller,
          ...metricsSecurity,
          onDenied: (why) => logger.debug(why, 'a /metrics request was refused'),
        });
      } catch (err) {
        await controller.stop();
        await webhook?.close();
        throw new Error(`cannot serve metrics on ${metricsAddr}: ${(err as Error).message}`);
      }
      logger.info({ host: metricsServer.host, port: metricsServer.port, auth: metricsAuth }, 'serving /metrics, /healthz, /readyz');
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`slipway controller: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  logger.info('controller started');
  const signal = await untilStopSignal();
  logger.info({ signal }, 'stopping');
  await controller.stop();
  await metricsServer?.close();
  await webhook?.close();
  return 0;
}

/** The names a Service is reached by from the apiserver. */
function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
