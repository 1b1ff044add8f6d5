/**
 * The CRD schemas, not Slipway's code, refuse malformed objects: the apiserver answers 422
 * and names the offending field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_OPERATION_KIND,
  CLUSTER_OPERATION_PLURAL,
  CLUSTER_PLURAL,
  GROUP,
  VERSION,
  type Cluster,
  type ClusterOperation,
} from '../../src/api/types.js';
import { loadTestEnv } from '../env/index.js';

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}
interface Status {
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: StatusCause[] };
}

const env = loadTestEnv();
const api = env.kubeConfig.makeApiClient(CustomObjectsApi);
type Plural = typeof CLUSTER_PLURAL | typeof CLUSTER_OPERATION_PLURAL;

function cluster(): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_KIND,
    metadata: { name: env.randomName('invalid-cluster') },
    spec: {
      hostsConfRef: { namespace: 'kubean-system', name: 'hosts' },
      varsConfRef: { namespace: 'kubean-system', name: 'vars' },
    },
  };
}

function operation(): ClusterOperation {
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_OPERATION_KIND,
    metadata: { name: env.randomName('invalid-op') },
    spec: { cluster: 'c1', actionType: 'playbook', action: 'cluster.yml' },
  };
}

/** Loose view of an object for breaking it in ways its type forbids. */
function loose(o: object): Record<string, Record<string, unknown>> {
  return o as Record<string, Record<string, unknown>>;
}

async function create(plural: Plural, body: object, dryRun?: 'All'): Promise<unknown> {
  return api.createClusterCustomObject({ group: GROUP, version: VERSION, plural, body, dryRun, fieldValidation: 'Strict' });
}

function refused(err: unknown): { code: number; status: Status } {
  if (!(err instanceof ApiException)) throw err;
  const text = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  return { code: err.code, status: JSON.parse(text) as Status };
}

/** Creates `body` expecting a refusal; returns the apiserver's Status. */
async function refusal(plural: Plural, body: { metadata: { name?: string } }): Promise<{ code: number; status: Status }> {
  try {
    await create(plural, body);
  } catch (err) {
    return refused(err);
  }
  await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name: body.metadata.name ?? '' });
  assert.fail(`${plural} ${body.metadata.name} was accepted`);
}

interface Case {
  name: string;
  plural: Plural;
  body: () => { metadata: { name?: string } };
  field: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'actionType outside playbook|shell',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      loose(o)['spec']!['actionType'] = 'ansible';
      return o;
    },
    field: 'spec.actionType',
    message: /Unsupported value: "ansible".*"playbook", "shell"/,
  },
  {
    name: 'ClusterOperation without spec.cluster',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      delete loose(o)['spec']!['cluster'];
      return o;
    },
    field: 'spec.cluster',
    message: /Required value/,
  },
  {
    name: 'ClusterOperation without spec',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      delete loose(o)['spec'];
      return o;
    },
    field: 'spec',
    message: /Required value/,
  },
  {
    name: 'Cluster without hostsConfRef',
    plural: CLUSTER_PLURAL,
    body: () => {
      const c = cluster();
      delete loose(c)['spec']!['hostsConfRef'];
      return c;
    },
    field: 'spec.hostsConfRef',
    message: /Required value/,
  },
  {
    name: 'ref without name',
    plural: CLUSTER_PLURAL,
    body: () => {
      const c = cluster();
      loose(c)['spec']!['varsConfRef'] = { namespace: 'kubean-system' };
      return c;
    },
    field: 'spec.varsConfRef.name',
    message: /Required value/,
  },
  {
    name: 'negative activeDeadlineSeconds',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.activeDeadlineSeconds = -1;
      return o;
    },
    field: 'spec.activeDeadlineSeconds',
    message: /should be greater than or equal to 1/,
  },
  {
    name: 'activeDeadlineSeconds over a week',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.activeDeadlineSeconds = 604_801;
      return o;
    },
    field: 'spec.activeDeadlineSeconds',
    message: /should be less than or equal to 604800/,
  },
  {
    name: 'activeDeadlineSeconds 2^63-1',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.activeDeadlineSeconds = 2 ** 63 - 1;
      return o;
    },
    field: 'spec.activeDeadlineSeconds',
    message: /./,
  },
  {
    name: 'an image with whitespace (a Job takes it; no pod of it can be created)',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.image = ' registry.invalid/job:1';
      return o;
    },
    field: 'spec.image',
    message: /should match/,
  },
  {
    name: 'resource requests above limits',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.resources = { requests: { memory: '2Gi', cpu: 1 }, limits: { memory: '1Gi', cpu: '2' } };
      return o;
    },
    field: 'spec.resources',
    message: /requests must not exceed limits/,
  },
  {
    name: 'resource claims',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.resources = { claims: [{ name: 'gpu' }] };
      return o;
    },
    field: 'spec.resources.claims',
    message: /must have at most 0 items/,
  },
  {
    name: 'a resource other than cpu, memory, ephemeral-storage',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.resources = { limits: { 'nvidia.com/gpu': 1 } };
      return o;
    },
    field: 'spec.resources.limits',
    message: /may name only cpu, memory, ephemeral-storage/,
  },
  {
    name: 'a negative quantity',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.resources = { requests: { cpu: '-1' } };
      return o;
    },
    field: 'spec.resources.requests',
    message: /must hold quantities of 0 or more/,
  },
  {
    name: 'more than 20 preHooks',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.preHook = Array.from({ length: 21 }, () => ({ actionType: 'playbook' as const, action: 'ping.yml' }));
      return o;
    },
    field: 'spec.preHook',
    message: /must have at most 20 items/,
  },
  {
    name: 'spec.cluster of 243 characters',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.cluster = 'c'.repeat(243);
      return o;
    },
    field: 'spec.cluster',
    message: /may not be more than 242/,
  },
  {
    name: 'a Cluster name of 243 characters (its <name>-kubeconfig Secret could not be named)',
    plural: CLUSTER_PLURAL,
    body: () => {
      const c = cluster();
      c.metadata.name = `${c.metadata.name}-${'c'.repeat(242 - c.metadata.name!.length)}`;
      return c;
    },
    field: 'metadata.name',
    message: /may not be more than 242/,
  },
  {
    name: 'a ref name of 254 characters',
    plural: CLUSTER_PLURAL,
    body: () => {
      const c = cluster();
      c.spec.varsConfRef = { namespace: 'kubean-system', name: 'v'.repeat(254) };
      return c;
    },
    field: 'spec.varsConfRef.name',
    message: /may not be more than 253/,
  },
  {
    name: 'hook without action',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      loose(o)['spec']!['preHook'] = [{ actionType: 'playbook', action: 'ping.yml' }, { actionType: 'playbook' }];
      return o;
    },
    field: 'spec.preHook[1].action',
    message: /Required value/,
  },
  {
    name: 'hook actionSource outside builtin|configmap',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      loose(o)['spec']!['postHook'] = [{ actionType: 'shell', action: 'x.sh', actionSource: 'git' }];
      return o;
    },
    field: 'spec.postHook[0].actionSource',
    message: /Unsupported value: "git"/,
  },
  {
    name: 'malformed resource quantity',
    plural: CLUSTER_OPERATION_PLURAL,
    body: () => {
      const o = operation();
      o.spec.resources = { limits: { cpu: 'lots' } };
      return o;
    },
    field: 'spec.resources.limits.cpu',
    message: /should match/,
  },
];

describe('the apiserver refuses invalid kubean objects', () => {
  for (const c of cases) {
    it(`${c.name}: 422 naming ${c.field}`, async () => {
      const { code, status } = await refusal(c.plural, c.body());
      assert.equal(code, 422, JSON.stringify(status));
      assert.equal(status.reason, 'Invalid');
      assert.match(status.message ?? '', new RegExp(`${escape(c.field)}: `), status.message);
      const cause = status.details?.causes?.find((x) => x.field === c.field);
      assert.ok(cause, `no cause for ${c.field} in ${JSON.stringify(status.details)}`);
      assert.match(cause.message ?? '', c.message);
    });
  }

  it('refuses a status phase outside the enum, through the status subresource', async () => {
    const c = cluster();
    const name = c.metadata.name ?? '';
    const base = { group: GROUP, version: VERSION, plural: CLUSTER_PLURAL, name };
    const created = (await create(CLUSTER_PLURAL, c)) as Cluster;
    try {
      const body = { ...created, status: { phase: 'Exploded' } };
      const { code, status } = await api.replaceClusterCustomObjectStatus({ ...base, body }).then(
        () => assert.fail('status accepted'),
        refused,
      );
      assert.equal(code, 422);
      assert.match(status.message ?? '', /status\.phase: Unsupported value: "Exploded"/);
    } finally {
      await api.deleteClusterCustomObject(base);
    }
  });
});

describe('spec.cluster of a ClusterOperation is immutable', () => {
  it('an update changing it is refused with 422 naming spec.cluster; other fields still change', async () => {
    const o = operation();
    const name = o.metadata.name!;
    const base = { group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, name };
    await create(CLUSTER_OPERATION_PLURAL, o);
    try {
      const patch = (path: string, value: unknown) =>
        api.patchClusterCustomObject({ ...base, body: [{ op: 'replace', path, value }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      const { code, status } = await patch('/spec/cluster', 'another').then(() => assert.fail('spec.cluster changed'), refused);
      assert.equal(code, 422, JSON.stringify(status));
      assert.match(status.message ?? '', /spec\.cluster: Invalid value: "string": is immutable/);
      await patch('/spec/extraArgs', '-v');
      assert.equal(((await api.getClusterCustomObject(base)) as ClusterOperation).spec.cluster, 'c1');
    } finally {
      await api.deleteClusterCustomObject(base);
    }
  });
});

describe('strict field validation, as kubectl apply asks for it', () => {
  it('refuses a field the schema does not declare with 400 naming it', async () => {
    const c = cluster();
    loose(c)['spec']!['hostsConfMap'] = 'hosts';
    const { code, status } = await refusal(CLUSTER_PLURAL, c);
    assert.equal(code, 400, JSON.stringify(status));
    assert.match(status.message ?? '', /unknown field "spec\.hostsConfMap"/);
  });
});

describe('the apiserver accepts what kubean accepts', () => {
  it("kubean's resources: requests within limits, integer or string quantities", async () => {
    const o = operation();
    o.spec.resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: 1, memory: '1Gi', 'ephemeral-storage': '2Gi' } };
    await create(CLUSTER_OPERATION_PLURAL, o, 'All');
  });

  it('an operation without image (Slipway picks one)', async () => {
    await create(CLUSTER_OPERATION_PLURAL, operation(), 'All');
  });

  it('backoffLimit from older kubean manifests', async () => {
    const o = operation();
    o.spec.backoffLimit = 0;
    await create(CLUSTER_OPERATION_PLURAL, o, 'All');
  });

  it("the refs kubean's controller fills into an operation's spec", async () => {
    const o = operation();
    const ref = { namespace: 'kubean-system', name: 'x' };
    Object.assign(o.spec, { entrypointSHRef: ref, hostsConfRef: ref, varsConfRef: ref, sshAuthRef: ref });
    await create(CLUSTER_OPERATION_PLURAL, o, 'All');
  });

  it('a Cluster with every ref', async () => {
    const c = cluster();
    const ref = { namespace: 'kubean-system', name: 'x' };
    Object.assign(c.spec, { kubeconfRef: ref, sshAuthRef: ref, preCheckRef: ref });
    await create(CLUSTER_PLURAL, c, 'All');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
