/** Commands against the management cluster: logs, cancel, retry, kubeconfig. */
import type { Registrar } from './cli-program.js';
import { cancelCommand } from './cancel-command.js';
import { kubeconfigCommand, type KubeconfigFlags } from './kubeconfig-command.js';
import { logsCommand, type LogsFlags } from './logs-command.js';
import { addClusterFlags, type ClusterFlags } from './management-cluster.js';
import { retryCommand, type RetryFlags } from './retry-command.js';

export function registerClusterCommands({ program, io, action }: Registrar): void {
  addClusterFlags(
    program
      .command('logs')
      .summary("print (-f: follow) an operation's log the controller keeps")
      .description("Prints the operation's log as the controller keeps it: every step's output, redacted, readable while it runs and after it ended, until the operation is pruned from its cluster's history.")
      .argument('<operation>', 'the ClusterOperation')
      .option('-f, --follow', 'keep printing as the log grows, until the operation ends'),
  ).action(action((name: string, flags: LogsFlags) => logsCommand(name, flags, io)));

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
      .command('kubeconfig')
      .summary('print the admin kubeconfig stored after its install')
      .description("Prints the admin kubeconfig Slipway stored after the cluster's install: the Secret the Cluster's status.kubeconfigSecretRef names (key value).")
      .argument('<cluster>', 'the Cluster')
      .option('-n, --namespace <ns>', "read <cluster>-kubeconfig in this namespace (the controller's) instead of asking the Cluster where it is"),
  ).action(action((name: string, flags: KubeconfigFlags) => kubeconfigCommand(name, flags, io)));
}
