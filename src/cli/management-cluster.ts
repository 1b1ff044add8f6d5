/** What the commands that act on a management cluster share: its kubeconfig and reading an operation. */
import { parseArgs } from 'node:util';
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type ClusterOperation } from '../api/types.js';

/** A problem the user can act on: printed as `slipway <command>: <message>`, exit 1. */
export class CommandError extends Error {}

export function managementKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

export async function readOperation(kc: KubeConfig, name: string): Promise<ClusterOperation> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name })) as ClusterOperation;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) throw new CommandError(`ClusterOperation ${name} not found`);
    throw err;
  }
}

export const KUBECONFIG_OPTION_HELP = `  --kubeconfig <file>     of the management cluster; default: $KUBECONFIG, ~/.kube/config,
                          or the in-cluster service account`;

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

type Flags = Record<string, { type: 'string' | 'boolean'; short?: string; default?: boolean }>;

/**
 * Parses `slipway <command> <name> [options]`: the one name and the flags (with --kubeconfig and
 * --help), or the exit code to return once help or a usage error is printed.
 */
export function parseNamedCommand(command: string, usage: string, argv: string[], flags: Flags, io: CommandIO): { name: string; values: Record<string, string | boolean | undefined> } | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...flags, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    io.err(`slipway ${command}: ${(err as Error).message}\n\n${usage}`);
    return 3;
  }
  if (parsed.values.help) {
    io.out(usage);
    return 0;
  }
  const [name, ...rest] = parsed.positionals;
  if (!name || rest.length > 0) {
    io.err(`slipway ${command}: name exactly one operation\n\n${usage}`);
    return 3;
  }
  return { name, values: parsed.values as Record<string, string | boolean | undefined> };
}
