/**
 * One turn per set of hosts: two Cluster objects over the same machines would run their
 * operations side by side (each has its own turn) and each would report the machines as its
 * own. So a Cluster claims its hosts' addresses when an operation of it is planned, and an
 * operation of another existing Cluster with any of those addresses is refused before anything
 * runs, with the other Cluster and the address named (problem code `shared-hosts`).
 *
 * Refused rather than queued behind the other: a turn across Clusters would need a lock over
 * every address in Redis, where partly overlapping sets wait on each other; and two Clusters
 * over one machine is a mistake to fix (their phases and node lists would contradict each
 * other), which a refusal names and a queue would hide.
 *
 * The claims live in the leader's memory: a Cluster is known once an operation of it has been
 * planned by this leader (a resumed run is planned again), and forgotten when it is deleted.
 */
import { describeObject, InputError } from '../api/input-error.js';
import type { Cluster } from '../api/types.js';
import { HOSTS_KEY } from '../api/resolve-input.js';

export class HostClaims {
  /** address → the Clusters (name and uid) that claimed it. */
  private readonly byAddress = new Map<string, Map<string, string>>();
  private readonly byCluster = new Map<string, { uid: string; addresses: string[] }>();

  /**
   * @param exists whether a Cluster of that name and uid still exists (the informer's view).
   */
  constructor(private readonly exists: (name: string, uid: string) => boolean) {}

  /** Claims `cluster`'s addresses, or throws InputError naming another existing Cluster that has one of them. */
  claim(cluster: Cluster, addresses: readonly string[]): void {
    const name = cluster.metadata.name ?? '';
    const uid = cluster.metadata.uid ?? '';
    const normal = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))];
    for (const address of normal) {
      for (const [other, otherUid] of this.byAddress.get(address) ?? []) {
        if (other === name && otherUid === uid) continue;
        if (!this.exists(other, otherUid)) {
          this.release(other);
          continue;
        }
        throw new InputError([
          {
            severity: 'error',
            code: 'shared-hosts',
            object: describeObject('Cluster', name),
            key: HOSTS_KEY,
            message: `host ${address} is also a host of ${describeObject('Cluster', other)}; one machine belongs to one Cluster, so its operations never run side by side with the other's`,
          },
        ]);
      }
    }
    this.release(name);
    this.byCluster.set(name, { uid, addresses: normal });
    for (const address of normal) {
      const claimants = this.byAddress.get(address) ?? new Map<string, string>();
      claimants.set(name, uid);
      this.byAddress.set(address, claimants);
    }
  }

  release(cluster: string): void {
    const held = this.byCluster.get(cluster);
    if (!held) return;
    this.byCluster.delete(cluster);
    for (const address of held.addresses) {
      const claimants = this.byAddress.get(address);
      claimants?.delete(cluster);
      if (claimants?.size === 0) this.byAddress.delete(address);
    }
  }
}
