/**
 * Prints how fast the pure path (parse inventory, validate, police, build argv) plans an
 * operation for a large cluster, and the heap it holds. Numbers only; nothing is asserted.
 *   node dist/bench/plan-throughput.js [hosts=500] [operations=200]
 */
import { ManifestSource } from '../src/api/manifest-source.js';
import { resolveOperationInput } from '../src/api/resolve-input.js';
import type { ClusterOperation } from '../src/api/types.js';
import { preparePlan } from '../src/engine/prepare-plan.js';
import { parseManifests } from '../src/api/manifests.js';

const hostCount = Number(process.argv[2] ?? 500);
const operations = Number(process.argv[3] ?? 200);

const hostLines: string[] = [];
for (let i = 0; i < hostCount; i++) {
  const ip = `10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;
  hostLines.push(`        node${i}:\n          ip: ${ip}\n          ansible_host: ${ip}\n          ansible_user: root`);
}
const group = (names: string[]): string => names.map((n) => `            ${n}:`).join('\n');
const all = Array.from({ length: hostCount }, (_, i) => `node${i}`);
const manifests = `apiVersion: v1
kind: ConfigMap
metadata: {name: bench-hosts, namespace: kubean-system}
data:
  hosts.yml: |
    all:
      hosts:
${hostLines.join('\n')}
      children:
        kube_control_plane:
          hosts:
${group(all.slice(0, 3))}
        etcd:
          hosts:
${group(all.slice(0, 3))}
        kube_node:
          hosts:
${group(all.slice(3))}
        k8s_cluster:
          children:
            kube_control_plane:
            kube_node:
---
apiVersion: v1
kind: ConfigMap
metadata: {name: bench-vars, namespace: kubean-system}
data:
  group_vars.yml: |
    kube_version: v1.34.4
---
apiVersion: kubean.io/v1alpha1
kind: Cluster
metadata: {name: bench}
spec:
  hostsConfRef: {namespace: kubean-system, name: bench-hosts}
  varsConfRef: {namespace: kubean-system, name: bench-vars}
---
apiVersion: kubean.io/v1alpha1
kind: ClusterOperation
metadata: {name: bench-op}
spec: {cluster: bench, actionType: playbook, action: scale.yml, extraArgs: "--limit=kube_node:!node3 -e ignore_assert_errors=true"}
`;

const catalog = { playbooks: new Set(['scale.yml']), scripts: new Set<string>() };
const source = new ManifestSource(parseManifests(manifests, 'bench.yml'));
const op = source.operations()[0] as ClusterOperation;

const heapBefore = process.memoryUsage().heapUsed;
const started = process.hrtime.bigint();
let steps = 0;
for (let i = 0; i < operations; i++) {
  const plan = preparePlan(await resolveOperationInput(op, source), catalog);
  steps += plan.steps.length;
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
console.log(`hosts=${hostCount} operations=${operations} steps=${steps}`);
console.log(`plan_ms_per_operation=${(ms / operations).toFixed(2)}`);
console.log(`heap_delta_mib=${heapMiB.toFixed(1)}`);
