/** Commands against the management cluster: get, describe, logs, cancel, retry, kubeconfig. */
import { Option } from 'commander';
import { collect, type Registrar } from './cli-program.js';
import { applyCommand, type ApplyFlags } from './apply-command.js';
import { diffCommand, type DiffFlags } from './diff-command.js';
import { describeClusterCommand, describeOperationCommand, type DescribeFlags } from './describe-command.js';
import { getCommand, type GetFlags } from './get-command.js';
import { OUTPUT_FORMATS } from './print-resources.js';
import { stopSignal } from './stop-signal.js';
import { watchCommand, type WatchFlags } from './watch-command.js';
import { cancelCommand } from './cancel-command.js';
import { kubeconfigCommand, type KubeconfigFlags } from './kubeconfig-command.js';
import { logsCommand, type LogsFlags } from './logs-command.js';
import { addClusterFlags, type ClusterFlags } from './management-cluster.js';
import { retryCommand, type RetryFlags } from './retry-command.js';

export function registerClusterCommands({ program, io, action }: Registrar): void {
  const get = program
    .command('get')
    .summary('list clusters or operations (-o wide|json|yaml|name, -w to follow changes)')
    .description('Lists Clusters or ClusterOperations of the management cluster as a table, or one of them by NAME.');
  for (const [kind, aliases, what] of [['clusters', ['cluster'], 'Clusters: phase, nodes ready/total, observed version, last operation'], ['operations', ['operation', 'clusteroperations', 'clusteroperation', 'ops', 'op'], 'ClusterOperations: cluster, action, status, progress']] as const) {
    addClusterFlags(
      get
        .command(kind)
        .aliases(aliases)
        .summary(what)
        .argument('[name]', 'only this one')
        .addOption(new Option('-o, --output <format>', 'wide, json, yaml or name').choices(OUTPUT_FORMATS))
        .option('-w, --watch', 'after listing, print each change as it happens (until Ctrl-C)'),
    ).action(action((name: string | undefined, flags: GetFlags) => getCommand(kind, name, flags, { ...io, signal: flags.watch ? stopSignal() : undefined })));
  }

  const describe = program.command('describe').summary('a cluster as a tree, or an operation in detail');
  addClusterFlags(
    describe
      .command('cluster')
      .summary('the cluster, its phase and conditions, nodes, running and last operations')
      .argument('<name>', 'the Cluster'),
  ).action(action((name: string, flags: DescribeFlags) => describeClusterCommand(name, flags, io)));
  addClusterFlags(
    describe
      .command('operation')
      .aliases(['clusteroperation', 'op'])
      .summary('spec, status, steps with durations, progress and Events')
      .argument('<name>', 'the ClusterOperation')
      .option('-n, --namespace <ns>', "the controller's namespace, where its Events are (default: all namespaces)"),
  ).action(action((name: string, flags: DescribeFlags) => describeOperationCommand(name, flags, io)));

  addClusterFlags(
    program
      .command('apply')
      .summary('server-side apply of kubean manifests, after a preview of what Slipway will do')
      .description("Server-side applies the manifests (ConfigMaps and Secrets first, then Clusters, then ClusterOperations). Before anything is applied, prints for each ClusterOperation the plan it would run (as `slipway plan`), read from the manifests over what the cluster holds, or its refusals with their codes: any refusal applies nothing (exit 2).")
      .requiredOption('-f, --filename <path>', 'manifest file or directory (repeatable; multi-document YAML)', collect)
      .option('--dry-run', 'preview and have the apiserver check every object (server dry run); apply nothing')
      .option('-n, --namespace <ns>', 'for ConfigMaps and Secrets that name no namespace (default: default)')
      .option('--builtin-dir <dir>', "builtin playbooks the preview plans with (default: this checkout's playbooks/)"),
  ).action(action((flags: ApplyFlags) => applyCommand(flags, io)));

  addClusterFlags(
    program
      .command('watch')
      .summary('follow an operation the controller runs: the same per-host view as run')
      .description("Follows a ClusterOperation as `slipway run` shows one: each step, play, task and host outcome, from the log and status the controller keeps, until it ends; then the summary. Exit 0 when it succeeded, 1 when it failed or was cancelled, 130 on Ctrl-C (the operation goes on).")
      .argument('<operation>', 'the ClusterOperation')
      .option('-v, --verbose', "also ansible's other output"),
  ).action(action((name: string, flags: WatchFlags) => watchCommand(name, flags, { ...io, signal: stopSignal() })));

  addClusterFlags(
    program
      .command('logs')
      .summary("print (-f: follow) an operation's log the controller keeps")
      .description("Prints the operation's log as the controller keeps it: every step's output, redacted, readable while it runs and after it ended, until the operation is pruned from its cluster's history.")
      .argument('<operation>', 'the ClusterOperation')
      .option('-f, --follow', 'keep printing as the log grows, until the operation ends'),
  ).action(action((name: string, flags: LogsFlags) => logsCommand(name, flags, { ...io, ...(flags.follow ? { signal: stopSignal() } : {}) })));

  addClusterFlags(
    program
      .command('cancel')
      .summary('stop a running or queued operation (it ends Cancelled)')
      .description('Stops a running or queued ClusterOperation: its steps are interrupted (a Job is deleted with its pods), and it ends Cancelled once nothing of it runs any more. Deleting the operation does the same and then removes it.')
      .argument('<operation>', 'the ClusterOperation'),
  ).action(action((name: string, flags: ClusterFlags) => cancelCommand(name, flags, io)));

  addClusterFlags(
    program
      .command('retry')
      .summary('a new operation from a failed one, on the hosts that failed')
      .description('Creates a new ClusterOperation from a Failed one, linked to it (annotation slipway.io/retry-of), limited to the hosts that failed or were unreachable where the playbook allows it: workers of cluster.yml, scale.yml and upgrade-cluster.yml, any host of other playbooks. A failed control plane, remove-node.yml and reset.yml run again whole. Prints why.')
      .argument('<operation>', 'the failed ClusterOperation')
      .option('--dry-run', 'print the new operation (YAML) instead of creating it'),
  ).action(action((name: string, flags: RetryFlags) => retryCommand(name, flags, io)));

  addClusterFlags(
    program
      .command('diff')
      .summary('the operations that would take a cluster to what its hosts and vars ConfigMaps say')
      .description("Compares a Cluster's hosts ConfigMap (nodes and roles) and kube_version with the nodes and version its status last observed, and prints the operations that would close the gap, in order, each with its reason, or what a person must decide; changes nothing (docs/declarative.md). Exit 0 when up to date, 1 when operations are pending or blocked, 2 when the inputs cannot be read.")
      .argument('<cluster>', 'the Cluster')
      .option('-o, --output <json>', 'json: the plan as an object')
      .option('--kube-versions <list>', 'the releases a chained upgrade may pass through (comma-separated, e.g. the bundle\'s)')
      .option('--max-removals <n>', 'removals at once without approval (default 1)'),
  ).action(action((name: string, flags: DiffFlags) => diffCommand(name, flags, io)));

  addClusterFlags(
    program
      .command('kubeconfig')
      .summary('print the admin kubeconfig stored after its install')
      .description("Prints the admin kubeconfig Slipway stored after the cluster's install: the Secret the Cluster's status.kubeconfigSecretRef names (key value).")
      .argument('<cluster>', 'the Cluster')
      .option('-n, --namespace <ns>', "read <cluster>-kubeconfig in this namespace (the controller's) instead of asking the Cluster where it is"),
  ).action(action((name: string, flags: KubeconfigFlags) => kubeconfigCommand(name, flags, io)));
}
