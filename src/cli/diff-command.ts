/**
 * `slipway diff CLUSTER`: the operations that would take a Cluster to what its hosts and vars
 * ConfigMaps say (src/desired/), read with your credentials; changes nothing. Exit 0 when up to
 * date, 1 when operations are pending or a person must decide, 2 when the inputs are bad.
 */
import { InputError } from '../api/input-error.js';
import { KubeSource } from '../api/kube-source.js';
import { clusterDiff, DiffError } from '../desired/cluster-diff.js';
import { EXIT, UsageError } from './exit-codes.js';
import { managementKubeConfig, readCluster, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { printConvergence } from './print-convergence.js';

export interface DiffFlags extends ClusterFlags {
  output?: string;
  kubeVersions?: string;
  maxRemovals?: string;
}

export async function diffCommand(name: string, flags: DiffFlags, io: CommandIO): Promise<number> {
  if (flags.output !== undefined && flags.output !== 'json') throw new UsageError(`-o takes json, not ${JSON.stringify(flags.output)}`);
  const availableVersions = (flags.kubeVersions ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const maxRemovals = flags.maxRemovals === undefined ? 1 : Number(flags.maxRemovals);
  if (!Number.isInteger(maxRemovals) || maxRemovals < 0) throw new UsageError(`--max-removals must be a whole number, not ${JSON.stringify(flags.maxRemovals)}`);
  const kc = managementKubeConfig(flags);
  const cluster = await readCluster(kc, name);
  let diff;
  try {
    diff = await clusterDiff(cluster, new KubeSource(kc), { availableVersions, maxRemovalsWithoutApproval: maxRemovals });
  } catch (err) {
    if (err instanceof InputError || err instanceof DiffError) {
      io.err(`slipway diff: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  io.out(flags.output === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : printConvergence(diff));
  return diff.plan.operations.length === 0 && diff.plan.blocked.length === 0 ? EXIT.done : EXIT.failed;
}
