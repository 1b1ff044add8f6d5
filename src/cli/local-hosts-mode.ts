import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { InputError, describeObject } from '../api/input-error.js';
import type { ConfigMapLike, DecodedSecret, ObjectSource } from '../api/object-source.js';
import { HOSTS_KEY, KNOWN_HOSTS_KEY, SSH_KEY } from '../api/resolve-input.js';
import type { Cluster, ObjectRef } from '../api/types.js';
import { hostAddress, type InventoryHost } from '../inventory/inventory-model.js';
import { userInfo } from 'node:os';
import { parseHosts } from '../inventory/parse-hosts.js';
import { startLocalHosts, type LocalHostFleet } from '../hosts/local-hosts.js';
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { isLoopbackAddress } from '../policy/host-address.js';


/**
 * `--local-hosts`: every inventory host whose address is a loopback address (127.x.y.z) is
 * started here as a real sshd, with a key generated for this run. The returned source serves
 * the same objects with each such host's port set and the Cluster's SSH Secret replaced by
 * the generated key, so the rest of Slipway runs exactly as it would against real machines.
 * With `start` false (a plan), nothing is started: the hosts keep their inventory's port (22 if
 * none) and the key is a placeholder, redacted like any key.
 */
export async function withLocalHosts(
  base: ObjectSource,
  clusterName: string,
  dir: string,
  start = true,
): Promise<{ source: ObjectSource; fleet: LocalHostFleet }> {
  const cluster = await base.getCluster(clusterName);
  if (!cluster) throw new InputError([{ severity: 'error', code: 'missing-cluster', object: describeObject('Cluster', clusterName), message: 'not found' }]);
  const hostsRef = cluster.spec.hostsConfRef;
  const cm = await base.getConfigMap(hostsRef);
  const text = cm?.data?.[HOSTS_KEY];
  const object = describeObject('ConfigMap', hostsRef.name, hostsRef.namespace);
  if (!cm || text === undefined) {
    throw new InputError([{ severity: 'error', code: 'missing-configmap', object, message: `not found or without ${HOSTS_KEY}` }]);
  }
  const inventory = parseHosts({ text, object, key: HOSTS_KEY });
  // sshd stand-ins bind 127.x.y.z; the loopback test itself is the policy's.
  const local = [...inventory.hosts.values()].filter((h) => {
    const a = hostAddress(h) ?? '';
    return isIPv4(a) && isLoopbackAddress(a);
  });
  if (local.length === 0) {
    throw new InputError([{ severity: 'error', code: 'no-local-hosts', object, key: HOSTS_KEY, message: '--local-hosts needs hosts with loopback addresses (127.x.y.z)' }]);
  }
  const fleet = start
    ? await startLocalHosts({
        dir: join(dir, 'hosts'),
        logDir: join(dir, 'logs'),
        count: local.length,
        names: local.map((h) => h.name),
        addresses: local.map((h) => hostAddress(h)!),
      })
    : notStarted(local);

  const doc = parseDocument(text);
  for (const h of fleet.hosts) {
    doc.setIn(['all', 'hosts', h.name, 'ansible_host'], h.address);
    doc.setIn(['all', 'hosts', h.name, 'ansible_port'], h.port);
    doc.setIn(['all', 'hosts', h.name, 'ansible_user'], fleet.user);
  }
  const hostsText = doc.toString();
  const sshRef: ObjectRef = cluster.spec.sshAuthRef ?? { namespace: hostsRef.namespace, name: `${clusterName}-local-ssh` };
  const secret: DecodedSecret = {
    metadata: { name: sshRef.name, namespace: sshRef.namespace },
    values: { [SSH_KEY]: fleet.privateKey, ...(start ? { [KNOWN_HOSTS_KEY]: await readFile(fleet.knownHostsPath, 'utf8') } : {}) },
  };
  const patchedCluster: Cluster = { ...cluster, spec: { ...cluster.spec, sshAuthRef: sshRef } };
  const same = (a: ObjectRef, b: ObjectRef): boolean => a.name === b.name && a.namespace === b.namespace;

  const source: ObjectSource = {
    getCluster: async (name) => (name === clusterName ? patchedCluster : base.getCluster(name)),
    getConfigMap: async (ref): Promise<ConfigMapLike | undefined> =>
      same(ref, hostsRef) ? { ...cm, data: { ...cm.data, [HOSTS_KEY]: hostsText } } : base.getConfigMap(ref),
    getSecret: async (ref) => (same(ref, sshRef) ? secret : base.getSecret(ref)),
  };
  return { source, fleet };
}

/** The fleet a plan describes: the hosts as the inventory has them, nothing running. */
function notStarted(hosts: InventoryHost[]): LocalHostFleet {
  return {
    hosts: hosts.map((h) => {
      const port = Number(h.vars.ansible_port);
      return { name: h.name, address: hostAddress(h)!, port: Number.isInteger(port) && port > 0 ? port : 22 };
    }),
    user: userInfo().username,
    privateKeyPath: '',
    privateKey: '(the key run generates for the local hosts)\n',
    publicKey: '',
    knownHostsPath: '',
    stop: async () => undefined,
  };
}
