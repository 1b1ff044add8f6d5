import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
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
import { jobImagePolicyFromFlags, type JobImageFlags } from './job-image-flags.js';
import { createLogger } from './logger.js';
import { createSelfSignedCert } from '../util/x509.js';
import { startAdmissionWebhook, type AdmissionWebhook } from '../webhook/admission-webhook.js';

export const CONTROLLER_USAGE = `Usage: slipway controller [options]

Reconciles kubean.io/v1alpha1 ClusterOperations: one Job per operation, one at a time per cluster.

Options:
  --namespace <ns>        where Jobs, plan objects and the leader Lease live (required)
  --redis-url <url>       redis:// or rediss:// URL of the queue (or SLIPWAY_REDIS_URL)
  --job-image <image>     the operator's job image (default slipway/job:latest; pin it by digest):
                          every pod's sidecars (SSH key, kubeconfig upload), and the ansible
                          container of operations that set no spec.image
  --allow-job-image <ref> an image spec.image may name besides the job image (repeatable):
                          repo:tag, repo@sha256:..., repo:* (any tag) or prefix/*
  --map-job-image <from=to>  run <to> (empty: the job image) when spec.image is <from> (a
                          repository: any tag) (repeatable; checked before the allowlist)
  --no-kubean-image-map   do not map kubean's spray-job (ghcr.io and ghcr.m.daocloud.io) to the job image
  --job-resources <json>  CPU and memory of the Job pods' containers, e.g.
                          '{"operation":{"requests":{"cpu":"1"},"limits":{"cpu":"2","memory":"4Gi"}}}'
                          (operation: unless spec.resources is set; sshAgent, kubeconfigUpload)
  --job-image-pull-secret <name>
                          a Secret in --namespace the Job pods pull their images with (repeatable)
  --history-limit <n>     finished operations kept per cluster (default 30)
  --concurrency <n>       operations (of different clusters) run at once (default 200 as Jobs, 4 locally)
  --executor job|local    run operations as Jobs (default) or here, sandboxed (tests)
  --kubeconfig <file>     default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account
  --builtin-dir <dir>     builtin playbooks for --executor local
  --allow-loopback-hosts  accept inventory hosts on 127.x.y.z (with --executor local)
  --shared-hosts refuse|allow
                          refuse (default): an operation whose Cluster shares a host address
                          with another existing Cluster fails before anything runs
  --metrics-addr <addr>   serve /metrics, /healthz and /readyz on [host]:port (e.g. :8443)
  --metrics-auth kubernetes|none
                          kubernetes (default): HTTPS, and /metrics only for a bearer token
                          whose user may get the non-resource URL /metrics (TokenReview and
                          SubjectAccessReview); none: plain HTTP for anyone who can connect,
                          for an address only Prometheus reaches (127.0.0.1 and a sidecar)
  --metrics-cert-dir <d>  tls.crt and tls.key to serve with (default: a self-signed certificate)
  --observe-interval <s>  seconds between looks at each managed cluster (default 300, jittered)
  --admission required|off
                          required (default): serve the admission webhook and run only
                          operations it admitted; off: trust every ref (one tenant only)
  --webhook-port <port>   the admission webhook's HTTPS port (default 9443)
  --webhook-service <svc> the Service the apiserver reaches it by; its DNS names go in the
                          certificate (default slipway-webhook)
  --webhook-secret <[ns/]name>
                          Secret with its TLS and HMAC keys, made if absent (default
                          slipway-webhook in --namespace); no ref may point into its namespace
  --webhook-config <name> MutatingWebhookConfiguration whose caBundle is set (default slipway;
                          empty: none)
Environment: POD_NAME (Lease identity), SLIPWAY_WATCH_NAMESPACES (comma-separated namespaces
whose ConfigMaps and Secrets may be read), SLIPWAY_REDIS_URL, SLIPWAY_LOG_LEVEL.
`;

class UsageError extends Error {}

/** HTTPS with the given certificate (or a self-signed one) and Kubernetes authn/authz for /metrics. */
async function secureMetrics(kubeConfig: KubeConfig, certDir: string | undefined): Promise<Pick<MetricsServeOptions, 'tls' | 'authorizer'>> {
  const tls = certDir
    ? { cert: await readFile(join(certDir, 'tls.crt'), 'utf8'), key: await readFile(join(certDir, 'tls.key'), 'utf8') }
    : createSelfSignedCert(['localhost', '127.0.0.1'], 365);
  return { tls, authorizer: kubernetesMetricsAuthorizer(kubeConfig) };
}

/** The image policy and pod resources from the flags; UsageError when one is malformed. */
function jobSettings(values: JobImageFlags & { 'job-resources'?: string }): { jobImages: JobImagePolicy; jobResources?: JobResources } {
  try {
    const text = values['job-resources'];
    return { jobImages: jobImagePolicyFromFlags(values), ...(text ? { jobResources: parseJobResources(text) } : {}) };
  } catch (err) {
    if (err instanceof JobImagePolicyError) throw new UsageError(err.message);
    if (err instanceof JobResourcesError) throw new UsageError(`--job-resources: ${err.message}`);
    throw err;
  }
}

/** Runs until SIGINT/SIGTERM; returns the exit code. */
export async function controllerCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        namespace: { type: 'string' },
        'redis-url': { type: 'string' },
        'job-image': { type: 'string' },
        'allow-job-image': { type: 'string', multiple: true },
        'map-job-image': { type: 'string', multiple: true },
        'no-kubean-image-map': { type: 'boolean', default: false },
        'job-resources': { type: 'string' },
        'job-image-pull-secret': { type: 'string', multiple: true },
        'history-limit': { type: 'string' },
        concurrency: { type: 'string' },
        executor: { type: 'string' },
        kubeconfig: { type: 'string' },
        'builtin-dir': { type: 'string' },
        'allow-loopback-hosts': { type: 'boolean', default: false },
        'metrics-addr': { type: 'string' },
        'metrics-auth': { type: 'string' },
        'shared-hosts': { type: 'string' },
        'metrics-cert-dir': { type: 'string' },
        'observe-interval': { type: 'string' },
        admission: { type: 'string' },
        'webhook-port': { type: 'string' },
        'webhook-service': { type: 'string' },
        'webhook-secret': { type: 'string' },
        'webhook-config': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`slipway controller: ${(err as Error).message}\n\n${CONTROLLER_USAGE}`);
    return 3;
  }
  if (values.help) {
    process.stdout.write(CONTROLLER_USAGE);
    return 0;
  }
  const logger = createLogger();
  let controller: Controller;
  let metricsServer: MetricsServer | undefined;
  let webhook: AdmissionWebhook | undefined;
  try {
    const namespace = values.namespace;
    if (!namespace) throw new UsageError('--namespace is required');
    const redisUrl = values['redis-url'] || process.env.SLIPWAY_REDIS_URL;
    if (!redisUrl) throw new UsageError('--redis-url or SLIPWAY_REDIS_URL is required');
    const historyText = values['history-limit'] ?? '30';
    if (!/^\d+$/.test(historyText)) throw new UsageError(`--history-limit needs a whole number >= 0, got ${JSON.stringify(historyText)}`);
    const concurrencyText = values.concurrency;
    if (concurrencyText !== undefined && !/^[1-9]\d*$/.test(concurrencyText)) throw new UsageError(`--concurrency needs a whole number >= 1, got ${JSON.stringify(concurrencyText)}`);
    const observeText = values['observe-interval'];
    if (observeText !== undefined && !/^\d+(\.\d+)?$/.test(observeText)) throw new UsageError(`--observe-interval needs a number of seconds, got ${JSON.stringify(observeText)}`);
    if (observeText !== undefined && Number(observeText) < 0.1) throw new UsageError('--observe-interval must be at least 0.1 seconds');
    const executor = values.executor ?? 'job';
    if (executor !== 'job' && executor !== 'local') throw new UsageError(`--executor must be job or local, not ${JSON.stringify(executor)}`);
    const kubeConfig = new KubeConfig();
    if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
    else kubeConfig.loadFromDefault();
    const watch = (process.env.SLIPWAY_WATCH_NAMESPACES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const metricsAddr = values['metrics-addr'];
    if (metricsAddr !== undefined) {
      try {
        parseMetricsAddr(metricsAddr);
      } catch (err) {
        if (err instanceof MetricsAddressError) throw new UsageError(err.message);
        throw err;
      }
    }
    const metricsAuth = values['metrics-auth'] ?? 'kubernetes';
    if (metricsAuth !== 'kubernetes' && metricsAuth !== 'none') throw new UsageError(`--metrics-auth must be kubernetes or none, not ${JSON.stringify(metricsAuth)}`);
    const metricsSecurity = metricsAddr !== undefined && metricsAuth === 'kubernetes' ? await secureMetrics(kubeConfig, values['metrics-cert-dir']) : {};
    const sharedHosts = values['shared-hosts'] ?? 'refuse';
    if (sharedHosts !== 'refuse' && sharedHosts !== 'allow') throw new UsageError(`--shared-hosts must be refuse or allow, not ${JSON.stringify(sharedHosts)}`);
    const allowLoopbackHosts = values['allow-loopback-hosts'] ?? false;
    const { jobImages, jobResources } = jobSettings(values);
    const pullSecrets = values['job-image-pull-secret'] ?? [];
    const badSecret = pullSecrets.find((n) => !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(n));
    if (badSecret !== undefined) throw new UsageError(`--job-image-pull-secret needs a Secret name, got ${JSON.stringify(badSecret)}`);
    const admission = values.admission ?? 'required';
    if (admission !== 'required' && admission !== 'off') throw new UsageError(`--admission must be required or off, not ${JSON.stringify(admission)}`);
    const webhookPort = values['webhook-port'] ?? '9443';
    if (!/^\d+$/.test(webhookPort) || Number(webhookPort) > 65535) throw new UsageError(`--webhook-port needs a port number, got ${JSON.stringify(webhookPort)}`);
    if (admission === 'required') {
      // Redis first: an unreachable queue is the error to report, not a webhook left serving.
      try {
        await (await ClusterQueue.open({ connection: redisOptionsFromUrl(redisUrl), queueName: DEFAULT_QUEUE })).close();
      } catch (err) {
        if (err instanceof QueueUnavailableError) throw new Error(`cannot reach Redis at ${redactRedisUrl(redisUrl)}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
        throw err;
      }
    }
    const [secretNamespace, secretName] = splitSecret(values['webhook-secret'] ?? 'slipway-webhook', namespace);
    if (admission === 'off') {
      logger.warn('WARNING: --admission off: refs are not authorised as their author; anyone who may create a Cluster or ClusterOperation can have this controller use any ConfigMap or Secret it can read. Use it only when every user is trusted with all of them.');
    } else {
      const service = values['webhook-service'] ?? 'slipway-webhook';
      webhook = await startAdmissionWebhook({
        kubeConfig,
        namespace: secretNamespace,
        secretName,
        names: serviceNames(service, namespace),
        ...((values['webhook-config'] ?? 'slipway') ? { configName: values['webhook-config'] ?? 'slipway' } : {}),
        host: '0.0.0.0',
        port: Number(webhookPort),
        logger,
      });
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
        builtinDir: values['builtin-dir'] ?? defaultBuiltinDir(),
        historyLimit: Number(historyText),
        ...(concurrencyText !== undefined ? { concurrency: Number(concurrencyText) } : {}),
        ...(observeText !== undefined ? { observe: { intervalMs: Number(observeText) * 1000 } } : {}),
        operator: { allowLoopbackHosts },
        admission: webhook ? { key: webhook.hmacKey, protectedNamespace: secretNamespace } : 'off',
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
    process.stderr.write(`slipway controller: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 3 : 1;
  }
  logger.info('controller started');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'stopping');
  await controller.stop();
  await metricsServer?.close();
  await webhook?.close();
  return 0;
}

function splitSecret(text: string, namespace: string): [string, string] {
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((p) => !p)) throw new UsageError(`--webhook-secret needs [namespace/]name, got ${JSON.stringify(text)}`);
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [namespace, parts[0]!];
}

/** The names a Service is reached by from the apiserver. */
function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
