/** `slipway controller` and `slipway webhook`: the long-running processes. */
import { collect, type Registrar } from './cli-program.js';
import { controllerCommand, type ControllerFlags } from './controller-command.js';
import { addClusterFlags } from './management-cluster.js';
import { consoleCommand } from './console-command.js';
import { passThroughCommand } from './tool-commands.js';
import { webhookCommand, type WebhookCommandFlags } from './webhook-command.js';

const CONTROLLER_ENV = `
Environment: POD_NAME (Lease identity), SLIPWAY_WATCH_NAMESPACES (comma-separated namespaces
whose ConfigMaps and Secrets may be read), SLIPWAY_REDIS_URL, SLIPWAY_LOG_LEVEL.
`;

export function registerServerCommands(r: Registrar): void {
  const { program, io, action } = r;
  addClusterFlags(
    program
      .command('controller')
      .summary('reconcile ClusterOperations in a Kubernetes cluster')
      .description('Reconciles kubean.io/v1alpha1 ClusterOperations: one Job per operation, one at a time per cluster. Runs until SIGINT/SIGTERM.')
      .option('--namespace <ns>', 'where Jobs, plan objects and the leader Lease live (required)')
      .option('--redis-url <url>', 'redis:// or rediss:// URL of the queue (or SLIPWAY_REDIS_URL)')
      .option('--job-image <image>', "the operator's job image (default slipway/job:latest; pin it by digest): every pod's sidecars, and the ansible container of operations that set no spec.image")
      .option('--allow-job-image <ref>', 'an image spec.image may name besides the job image (repeatable): repo:tag, repo@sha256:..., repo:* (any tag) or prefix/*', collect, [])
      .option('--map-job-image <from=to>', 'run <to> (empty: the job image) when spec.image is <from> (a repository: any tag) (repeatable; checked before the allowlist)', collect, [])
      .option('--no-kubean-image-map', "do not map kubean's spray-job (ghcr.io and ghcr.m.daocloud.io) to the job image")
      .option('--job-resources <json>', 'CPU and memory of the Job pods\' containers, e.g. \'{"operation":{"requests":{"cpu":"1"},"limits":{"cpu":"2","memory":"4Gi"}}}\' (operation: unless spec.resources is set; sshAgent, kubeconfigUpload)')
      .option('--job-image-pull-secret <name>', 'a Secret in --namespace the Job pods pull their images with (repeatable)', collect, [])
      .option('--history-limit <n>', 'finished operations kept per cluster (default 30)')
      .option('--concurrency <n>', 'operations (of different clusters) run at once (default 200 as Jobs, 4 locally)')
      .option('--executor <job|local>', 'run operations as Jobs (default) or here, sandboxed (tests)')
      .option('--builtin-dir <dir>', 'builtin playbooks for --executor local')
      .option('--allow-loopback-hosts', 'accept inventory hosts on 127.x.y.z (with --executor local)')
      .option('--shared-hosts <refuse|allow>', 'refuse (default): an operation whose Cluster shares a host address with another existing Cluster fails before anything runs')
      .option('--metrics-addr <addr>', 'serve /metrics, /healthz and /readyz on [host]:port (e.g. :8443)')
      .option('--metrics-auth <kubernetes|none>', 'kubernetes (default): HTTPS, /metrics only for a token allowed to get the non-resource URL /metrics; none: plain HTTP for anyone who can connect')
      .option('--metrics-cert-dir <dir>', 'tls.crt and tls.key to serve with (default: a self-signed certificate)')
      .option('--observe-interval <s>', 'seconds between looks at each managed cluster (default 300, jittered)')
      .option('--kube-versions <list>', 'the releases the bundle serves (comma-separated): the minors a declarative chained upgrade passes through')
      .option('--max-removals <n>', 'the declarative path removes at most this many nodes at once without approval (default 1)')
      .option('--admission <required|off>', 'required (default): serve the admission webhook and run only operations it admitted; off: trust every ref (one tenant only)')
      .option('--webhook-port <port>', "the admission webhook's HTTPS port (default 9443)")
      .option('--webhook-service <svc>', 'the Service the apiserver reaches it by; its DNS names go in the certificate (default slipway-webhook)')
      .option('--webhook-secret <[ns/]name>', 'Secret with its TLS and HMAC keys, made if absent (default slipway-webhook in --namespace); no ref may point into its namespace')
      .option('--webhook-config <name>', 'MutatingWebhookConfiguration whose caBundle is set (default slipway; empty: none)')
      .addHelpText('after', CONTROLLER_ENV),
  ).action(action((flags: ControllerFlags) => controllerCommand(flags)));

  addClusterFlags(
    program
      .command('webhook')
      .summary("serve only the controller's admission webhook")
      .description("Serves only the admission webhook that `slipway controller` serves on every replica (for a controller that runs elsewhere, or a test apiserver that reaches it on this machine). Prints `listening <port>`; runs until SIGINT/SIGTERM.")
      .option('--namespace <ns>', "the controller's namespace: the Secret lives here, no ref may point into it (required)")
      .option('--secret <[ns/]name>', 'Secret with the TLS and HMAC keys, made if absent (default slipway-webhook)')
      .option('--name <dns|ip>', 'a name the apiserver reaches it by (repeatable; default 127.0.0.1)', collect, [])
      .option('--host <addr>', 'listen address (default 127.0.0.1)')
      .option('--port <port>', 'HTTPS port (default 9443; 0: any free one, printed)')
      .option('--webhook-config <name>', 'MutatingWebhookConfiguration whose caBundle is set (default: none)'),
  ).action(action((flags: WebhookCommandFlags) => webhookCommand(flags, io)));

  passThroughCommand(r, 'console', 'the web console: sign in with a Kubernetes token (slipway console --help)', (argv) => consoleCommand(argv));
}
