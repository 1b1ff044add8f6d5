/**
 * The controller's rights are exactly what it needs: the chart's ServiceAccount and RBAC are
 * applied for real in throwaway namespaces and the apiserver's authorizer is asked, through
 * `kubectl auth can-i --as`, what the ServiceAccount may and may not do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubeconfigUploaderRbac } from '../../src/executors/kubeconfig-uploader-rbac.js';
import { loadTestEnv } from '../env/index.js';
import { render, type KubeObject } from './helm.js';
import { kubectl, kubectlOk, mapLimit } from './kube.js';

const env = loadTestEnv();
const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** [verb, resource (with .group), namespace or '' for cluster scope, allowed?] */
type Check = [string, string, string, boolean];

describe('controller RBAC, applied for real', () => {
  let ns = '';
  let inputs = '';
  let other = '';
  let user = '';
  let applied: KubeObject[] = [];

  before(async () => {
    [ns, inputs, other] = await Promise.all([env.namespace('chart'), env.namespace('inputs'), env.namespace('other')]);
    const { objects } = await render({ release: env.randomName('rel'), namespace: ns, values: { watchNamespaces: [inputs] } });
    applied = objects.filter((o) => RBAC_KINDS.has(o.kind));
    await kubectlOk(['apply', '-f', '-'], applied.map((o) => JSON.stringify(o)).join('\n'));
    const sa = applied.find((o) => o.kind === 'ServiceAccount');
    assert.ok(sa);
    user = `system:serviceaccount:${ns}:${sa.metadata.name}`;
  });

  after(async () => {
    // Namespaced objects go with their namespaces; the rest are ours to delete.
    const outside = applied.filter((o) => !o.metadata.namespace || ![ns, inputs].includes(o.metadata.namespace));
    await kubectl(['delete', '--ignore-not-found', '-f', '-'], outside.map((o) => JSON.stringify(o)).join('\n'));
  });

  async function canI([verb, resource, namespace]: Check): Promise<boolean> {
    // `resource#name`: that one object; `resource/sub`: a subresource.
    const [res, sub] = resource.includes('#') ? [resource.replace('#', '/')] : resource.split('/');
    const args = ['auth', 'can-i', verb, res ?? '', `--as=${user}`, ...(sub ? [`--subresource=${sub}`] : [])];
    args.push(...(namespace === '*' ? ['--all-namespaces'] : namespace ? ['-n', namespace] : []));
    const r = await kubectl(args);
    const answer = r.stdout.trim();
    assert.ok(answer === 'yes' || answer === 'no', `kubectl ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return answer === 'yes';
  }

  async function assertAll(checks: Check[]): Promise<void> {
    const answers = await mapLimit(checks, 8, canI);
    const wrong = checks.filter((c, i) => answers[i] !== c[3]).map(([v, r, n, a]) => `${a ? 'cannot' : 'CAN'} ${v} ${r} in ${n || 'cluster scope'}`);
    assert.deepEqual(wrong, []);
  }

  const each = (verbs: string[], resource: string, namespace: string, allowed: boolean): Check[] =>
    verbs.map((v) => [v, resource, namespace, allowed]);

  /** `kubectl auth can-i --list`: every resource rule that applies in `namespace`, verbs sorted. */
  async function rulesIn(namespace: string): Promise<Record<string, string>> {
    const out = await kubectlOk(['auth', 'can-i', '--list', '-n', namespace, `--as=${user}`]);
    const rules: Record<string, string> = {};
    for (const line of out.split('\n').slice(1)) {
      const m = /^(\S+)\s+\[\]\s+\[(.*?)\]\s+\[(.*?)\]$/.exec(line);
      if (!m) continue; // non-resource URLs (discovery), which every authenticated user has
      const [, resource = '', names = '', verbs = ''] = m;
      rules[names ? `${resource}[${names}]` : resource] = verbs.split(' ').sort().join(' ');
    }
    return rules;
  }

  // What every authenticated user may do (system:basic-user), and the cluster-wide kubean rules.
  const EVERYONE = {
    'selfsubjectreviews.authentication.k8s.io': 'create',
    'selfsubjectaccessreviews.authorization.k8s.io': 'create',
    'selfsubjectrulesreviews.authorization.k8s.io': 'create',
  };
  const kubean = () => ({
    ...KUBEAN,
    [`mutatingwebhookconfigurations.admissionregistration.k8s.io[${applied.find((o) => o.kind === 'ClusterRole')?.metadata.name ?? ''}]`]: 'get patch',
  });
  const KUBEAN = {
    'clusters.kubean.io': 'delete get list patch update watch',
    // create: the declarative path's Auto (its operations are admitted as the user who set Auto).
    'clusteroperations.kubean.io': 'create delete get list patch update watch',
    'clusters.kubean.io/status': 'get patch update',
    'clusteroperations.kubean.io/status': 'get patch update',
    // Who may read /metrics: the scraper's token and its right to the URL.
    'tokenreviews.authentication.k8s.io': 'create',
    // The admission webhook's.
    'subjectaccessreviews.authorization.k8s.io': 'create',
  };

  it('has no rule beyond the ones the chart means, in any namespace', async () => {
    assert.deepEqual(await rulesIn(ns), {
      ...EVERYONE,
      ...kubean(),
      'jobs.batch': 'create delete get list patch watch',
      pods: 'get list watch',
      'pods/log': 'get',
      configmaps: 'create delete get list update watch',
      secrets: 'create get list patch update watch',
      serviceaccounts: 'create',
      'roles.rbac.authorization.k8s.io': 'create',
      'rolebindings.rbac.authorization.k8s.io': 'create',
      events: 'create list patch',
      'leases.coordination.k8s.io': 'create get update',
    });
    assert.deepEqual(await rulesIn(inputs), { ...EVERYONE, ...kubean(), configmaps: 'get list watch', secrets: 'get list watch' });
    assert.deepEqual(await rulesIn(other), { ...EVERYONE, ...kubean() });
    assert.deepEqual(await rulesIn('default'), { ...EVERYONE, ...kubean(), events: 'create patch' });
  });

  it('may review access and patch its own webhook configuration, no other', async () => {
    const release = applied.find((o) => o.kind === 'ClusterRole')?.metadata.name ?? '';
    assert.equal((await rulesIn(ns))[`mutatingwebhookconfigurations.admissionregistration.k8s.io[${release}]`], 'get patch');
    await assertAll([
      ['create', 'subjectaccessreviews.authorization.k8s.io', '', true],
      ['get', `mutatingwebhookconfigurations.admissionregistration.k8s.io#${release}`, '', true],
      ['patch', `mutatingwebhookconfigurations.admissionregistration.k8s.io#${release}`, '', true],
      ['patch', 'mutatingwebhookconfigurations.admissionregistration.k8s.io#someone-elses', '', false],
      ['list', 'mutatingwebhookconfigurations.admissionregistration.k8s.io', '', false],
      ['create', 'mutatingwebhookconfigurations.admissionregistration.k8s.io', '', false],
      ['patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io', '', false],
    ]);
  });

  it("may manage kubean's Clusters and ClusterOperations, create operations (Auto) but not Clusters", () => assertAll([
    ...each(['get', 'list', 'watch', 'update', 'patch', 'delete'], 'clusters.kubean.io', '', true),
    ...each(['get', 'list', 'watch', 'update', 'patch', 'delete', 'create'], 'clusteroperations.kubean.io', '', true),
    ...each(['get', 'update', 'patch'], 'clusters.kubean.io/status', '', true),
    ...each(['get', 'update', 'patch'], 'clusteroperations.kubean.io/status', '', true),
    ...each(['create', 'deletecollection'], 'clusters.kubean.io', '', false),
    ...each(['deletecollection'], 'clusteroperations.kubean.io', '', false),
  ]));

  it('may run Jobs, read their pods and logs, own plan ConfigMaps, kubeconfig Secrets, events and its Lease in its namespace', () => assertAll([
    ...each(['create', 'get', 'list', 'watch', 'delete', 'patch'], 'jobs.batch', ns, true),
    ...each(['update', 'deletecollection'], 'jobs.batch', ns, false),
    ...each(['get', 'list', 'watch'], 'pods', ns, true),
    ...each(['create', 'delete', 'patch'], 'pods', ns, false),
    ['get', 'pods/log', ns, true],
    ['create', 'pods/exec', ns, false],
    ...each(['get', 'list', 'watch', 'create', 'update', 'delete'], 'configmaps', ns, true),
    ...each(['patch', 'deletecollection'], 'configmaps', ns, false),
    ...each(['get', 'list', 'watch', 'create', 'update', 'patch'], 'secrets', ns, true),
    ...each(['delete', 'deletecollection'], 'secrets', ns, false),
    ...each(['create', 'patch', 'list'], 'events', ns, true),
    ...each(['get', 'create', 'update'], 'leases.coordination.k8s.io', ns, true),
    ...each(['delete', 'list'], 'leases.coordination.k8s.io', ns, false),
    // The kubeconfig uploaders: created, never read, changed or deleted (they go with their operation).
    ['create', 'serviceaccounts', ns, true],
    ...each(['get', 'list', 'update', 'delete'], 'serviceaccounts', ns, false),
    ['create', 'serviceaccounts/token', ns, false],
    ...each(['create'], 'roles.rbac.authorization.k8s.io', ns, true),
    ...each(['create'], 'rolebindings.rbac.authorization.k8s.io', ns, true),
    ...each(['get', 'list', 'update', 'patch', 'delete', 'bind', 'escalate'], 'roles.rbac.authorization.k8s.io', ns, false),
    ...each(['get', 'list', 'update', 'patch', 'delete'], 'rolebindings.rbac.authorization.k8s.io', ns, false),
    ...each(['create', 'bind', 'escalate'], 'clusterroles.rbac.authorization.k8s.io', '', false),
  ]));

  it('may create an operation\'s kubeconfig hand-back (its drop-box, a Role to patch it, bound to its ServiceAccount) without bind or escalate, and no Role granting more', async () => {
    const rbac = kubeconfigUploaderRbac({ jobName: env.randomName('slipway-op'), namespace: ns, meta: (name) => ({ name, namespace: ns }) });
    const create = (o: object) => kubectl(['create', '-f', '-', '-o', 'name', `--as=${user}`], JSON.stringify(o));
    for (const o of [rbac.dropBox, rbac.serviceAccount, rbac.role, rbac.roleBinding]) {
      const r = await create(o);
      assert.equal(r.exitCode, 0, `${o.kind}: ${r.stderr}`);
    }
    // Without bind, a binding is checked against its Role: one made before its Role is refused,
    // which is why the Job executor creates the Role first.
    const early = kubeconfigUploaderRbac({ jobName: env.randomName('slipway-early'), namespace: ns, meta: (name) => ({ name, namespace: ns }) });
    const tooEarly = await create(early.roleBinding);
    assert.notEqual(tooEarly.exitCode, 0, 'a RoleBinding to a Role that does not exist yet');
    assert.match(tooEarly.stderr, /not found/);
    const broader = (name: string, rule: object) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules: [rule] });
    // The apiserver lets it grant what it holds itself in its namespace, nothing beyond.
    const refused = [
      broader(env.randomName('deletes'), { apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }),
      broader(env.randomName('escalates'), { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'bind'] }),
      broader(env.randomName('pods'), { apiGroups: [''], resources: ['pods'], verbs: ['create'] }),
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: env.randomName('admin'), namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: rbac.roleBinding.subjects },
    ];
    for (const o of refused) {
      const r = await create(o);
      assert.notEqual(r.exitCode, 0, `the controller could create ${JSON.stringify(o)}`);
      assert.match(r.stderr, /forbidden/i);
    }
    // Not in another namespace either.
    const elsewhere = kubeconfigUploaderRbac({ jobName: 'x', namespace: other, meta: (name) => ({ name, namespace: other }) });
    assert.notEqual((await create(elsewhere.role)).exitCode, 0);
  });

  it("only reads users' ConfigMaps and Secrets in a watch namespace", () => assertAll([
    ...each(['get', 'list', 'watch'], 'configmaps', inputs, true),
    ...each(['get', 'list', 'watch'], 'secrets', inputs, true),
    ...each(['create', 'update', 'patch', 'delete'], 'configmaps', inputs, false),
    ...each(['create', 'update', 'patch', 'delete'], 'secrets', inputs, false),
    ...each(['create', 'get'], 'jobs.batch', inputs, false),
    ['get', 'pods', inputs, false],
  ]));

  it('has nothing in an unrelated namespace, nor cluster-wide secrets, nodes or RBAC', () => assertAll([
    ...each(['get', 'list'], 'secrets', other, false),
    ...each(['get', 'list'], 'configmaps', other, false),
    ['create', 'jobs.batch', other, false],
    ['create', 'events', other, false],
    ['list', 'secrets', '*', false],
    ['list', 'configmaps', '*', false],
    ...each(['get', 'list', 'patch'], 'nodes', '', false),
    ['list', 'namespaces', '', false],
    ['create', 'customresourcedefinitions.apiextensions.k8s.io', '', false],
    ['create', 'clusterrolebindings.rbac.authorization.k8s.io', '', false],
    ['get', 'configmaps', 'default', false],
    ['delete', 'events', 'default', false],
  ]));

  it('records an Event about a Cluster in namespace default, the only namespace the apiserver accepts it in', async () => {
    const event = (namespace: string) => JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'slipway-test-', namespace },
      involvedObject: { apiVersion: 'kubean.io/v1alpha1', kind: 'Cluster', name: env.randomName('cluster') },
      reason: 'Testing',
      message: 'chart RBAC test',
      type: 'Normal',
      source: { component: 'slipway-controller' },
    });
    const inDefault = await kubectl(['create', '-f', '-', '-o', 'name', `--as=${user}`], event('default'));
    assert.equal(inDefault.exitCode, 0, inDefault.stderr);
    await kubectl(['delete', '-n', 'default', inDefault.stdout.trim()]);
    const inOwn = await kubectl(['create', '-f', '-', '-o', 'name', `--as=${user}`], event(ns));
    assert.notEqual(inOwn.exitCode, 0, 'the apiserver took an Event about a cluster-scoped object outside default');
    assert.match(inOwn.stderr, /does not match event\.namespace/);
  });
});
