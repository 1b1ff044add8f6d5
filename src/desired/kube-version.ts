/** Kubernetes release versions (`v1.34.4`) and the minor-by-minor path between two of them. */

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

export function parseKubeVersion(text: string): KubeVersion | undefined {
  const m = VERSION.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

export function formatKubeVersion(v: KubeVersion): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

export function compareKubeVersions(a: KubeVersion, b: KubeVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export type UpgradePath = { steps: string[] } | { problem: string };

/**
 * The versions to upgrade through, one minor at a time (kubeadm upgrades one minor per step):
 * each intermediate minor at its newest available patch, then `to` itself. Empty when already
 * there; a problem for a downgrade, another major, or a minor with no available release.
 */
export function upgradePath(fromText: string, toText: string, available: readonly string[]): UpgradePath {
  const from = parseKubeVersion(fromText);
  const to = parseKubeVersion(toText);
  if (!from) return { problem: `the observed version ${JSON.stringify(fromText)} is not a release version` };
  if (!to) return { problem: `kube_version ${JSON.stringify(toText)} is not a release version (vMAJOR.MINOR.PATCH)` };
  const order = compareKubeVersions(to, from);
  if (order === 0) return { steps: [] };
  if (order < 0) return { problem: `kube_version ${formatKubeVersion(to)} is lower than the cluster's ${formatKubeVersion(from)}: the version never goes down` };
  if (to.major !== from.major) return { problem: `${formatKubeVersion(from)} → ${formatKubeVersion(to)} changes the major version` };
  const releases = available.map(parseKubeVersion).filter((v): v is KubeVersion => v !== undefined);
  const steps: string[] = [];
  for (let minor = from.minor + 1; minor < to.minor; minor++) {
    const newest = releases.filter((v) => v.major === to.major && v.minor === minor).sort(compareKubeVersions).at(-1);
    if (!newest) {
      return { problem: `no v${to.major}.${minor} release is available to pass through on the way to ${formatKubeVersion(to)} (available: ${available.join(', ') || 'none'})` };
    }
    steps.push(formatKubeVersion(newest));
  }
  steps.push(formatKubeVersion(to));
  return { steps };
}
