/**
 * What a Cluster's inputs ask for: the hosts ConfigMap's node set and roles and the vars'
 * kube_version, read and checked as for any operation. Bad input is one InputError naming
 * object, key and line of every problem.
 */
import { ProblemList } from '../api/input-error.js';
import { inputLimits } from '../api/input-limits.js';
import { parseVars } from '../engine/prepare-plan.js';
import type { SourcedText } from '../api/resolve-input.js';
import { readInventory } from '../inventory/parse-hosts.js';
import { validateInventory } from '../inventory/validate-inventory.js';
import type { DesiredCluster } from './convergence-types.js';
import { hostRoles } from './host-roles.js';
import { parseKubeVersion } from './kube-version.js';

export function desiredFromInputs(hosts: SourcedText, vars: SourcedText): DesiredCluster {
  const problems = new ProblemList();
  const limits = inputLimits();
  const inventory = readInventory(hosts.text, problems.at({ object: hosts.object, key: hosts.key }), limits);
  if (inventory) validateInventory(inventory, hosts, { removing: false }, problems);
  const problemsBefore = problems.items.length;
  const version = parseVars(vars, problems, limits).kube_version;
  // A vars file that could not be read is reported as such; its kube_version is not guessed at.
  const varsRead = !problems.items.slice(problemsBefore).some((p) => p.severity === 'error');
  if (varsRead && (typeof version !== 'string' || !parseKubeVersion(version))) {
    problems.at({ object: vars.object, key: vars.key }).error('kube-version', `kube_version must be a release version such as v1.34.4 to compare it with the cluster's, not ${JSON.stringify(version ?? null)}`);
  }
  problems.throwIfErrors();
  return { hosts: hostRoles(inventory!), version: version as string };
}
