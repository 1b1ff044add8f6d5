import type { ProblemSink } from './input-error.js';

/**
 * Bounds on what an operation's author can hand Slipway. Whoever runs Slipway sets them
 * (OperatorOptions.limits); past a bound the input is refused, never truncated.
 */
export interface InputLimits {
  /** Bytes (UTF-8) of hosts.yml, group_vars.yml, each ConfigMap playbook or script, the SSH key and known_hosts. */
  maxTextBytes: number;
  /** Bytes of one ClusterOperation's extraArgs (per action or hook). */
  maxExtraArgsBytes: number;
  /** Hosts in hosts.yml. */
  maxHosts: number;
  /** Groups in hosts.yml. */
  maxGroups: number;
  /** Nodes YAML aliases may add to a document when expanded (alias bombs grow exponentially). */
  maxAliasNodes: number;
  /** Nesting of mappings and sequences. */
  maxDepth: number;
  /** Bytes of one manifest file read by the CLI (it holds several objects). */
  maxManifestBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = {
  maxTextBytes: MiB,
  maxExtraArgsBytes: MiB,
  maxHosts: 5000,
  maxGroups: 1000,
  maxAliasNodes: 10_000,
  maxDepth: 64,
  maxManifestBytes: 16 * MiB,
};

export function inputLimits(overrides: Partial<InputLimits> = {}): InputLimits {
  return { ...DEFAULT_INPUT_LIMITS, ...definedOnly(overrides) };
}

/** Reports `text` if it is over `max` bytes; true when it is within bounds. */
export function checkTextSize(text: string, max: number, problems: ProblemSink): boolean {
  // Cheap first: a UTF-8 byte is at least one UTF-16 unit and at most three.
  if (text.length * 3 <= max) return true;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= max) return true;
  problems.error('input-too-large', `is ${formatBytes(bytes)}; the limit is ${formatBytes(max)}`);
  return false;
}

export function formatBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
