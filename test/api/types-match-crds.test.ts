import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSchema,
  loadCrd,
  versionSchema,
  type Crd,
  type SchemaNode,
} from '../../src/api/crd-schema.js';
import {
  API_VERSION,
  CLUSTER_KIND,
  CLUSTER_METADATA_FIELDS,
  CLUSTER_OPERATION_KIND,
  CLUSTER_OPERATION_PLURAL,
  CLUSTER_OPERATION_SPEC_FIELDS,
  CLUSTER_OPERATION_STATUS_FIELDS,
  CLUSTER_PLURAL,
  CLUSTER_SPEC_FIELDS,
  CLUSTER_STATUS_FIELDS,
  GROUP,
  VERSION,
  type FieldDescription,
} from '../../src/api/types.js';

function schemaOf(crd: Crd): SchemaNode {
  return versionSchema(crd, VERSION);
}

function property(node: SchemaNode, name: string): SchemaNode {
  const child = node.properties?.[name];
  assert.ok(child, `schema has no property ${name}`);
  return child;
}

/** Compares a CRD object schema with a types.ts field set, both directions, all levels. */
function assertFieldsMatch(
  node: SchemaNode,
  path: string,
  expected: Readonly<Record<string, FieldDescription>>,
): void {
  const actual = describeSchema(node, path);
  assert.equal(actual.type, 'object', `${path} is not an object`);
  assert.deepEqual(actual.fields, expected, `${path}: CRD schema and src/api/types.ts differ`);
}

const crds = [
  {
    plural: CLUSTER_PLURAL,
    kind: CLUSTER_KIND,
    metadata: CLUSTER_METADATA_FIELDS,
    spec: CLUSTER_SPEC_FIELDS,
    status: CLUSTER_STATUS_FIELDS,
    columns: [
      ['Phase', 'string', '.status.phase', 0],
      ['Nodes', 'string', '.status.nodesReady', 0],
      ['Version', 'string', '.status.observedVersion', 0],
      ['Last Operation', 'string', '.status.conditions[-1:].clusterOps', 0],
      ['Age', 'date', '.metadata.creationTimestamp', 0],
      ['Control-Plane', 'integer', '.status.controlPlaneCount', 1],
      ['Workers', 'integer', '.status.workerCount', 1],
      ['Desired Version', 'string', '.status.desiredVersion', 1],
    ],
  },
  {
    plural: CLUSTER_OPERATION_PLURAL,
    kind: CLUSTER_OPERATION_KIND,
    metadata: undefined,
    spec: CLUSTER_OPERATION_SPEC_FIELDS,
    status: CLUSTER_OPERATION_STATUS_FIELDS,
    columns: [
      ['Cluster', 'string', '.spec.cluster', 0],
      ['Action', 'string', '.spec.action', 0],
      ['Status', 'string', '.status.status', 0],
      ['Progress', 'string', '.status.progress.summary', 0],
      ['Age', 'date', '.metadata.creationTimestamp', 0],
      ['Failed Step', 'string', '.status.failedStep', 1],
      ['Failed Task', 'string', '.status.failedTask', 1],
      ['Ended', 'date', '.status.endTime', 1],
    ],
  },
] as const;

for (const c of crds) {
  describe(`crds/${c.plural}.${GROUP}.yaml`, () => {
    const crd = loadCrd(c.plural);

    it('names the group, version, kind and plural that types.ts exports', () => {
      assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
      assert.equal(crd.metadata.name, `${c.plural}.${GROUP}`);
      assert.equal(crd.spec.group, GROUP);
      assert.equal(`${crd.spec.group}/${VERSION}`, API_VERSION);
      assert.equal(crd.spec.scope, 'Cluster');
      assert.equal(crd.spec.names.kind, c.kind);
      assert.equal(crd.spec.names.plural, c.plural);
      assert.equal(crd.spec.versions.length, 1);
      const [version] = crd.spec.versions;
      assert.equal(version?.name, VERSION);
      assert.equal(version?.served, true);
      assert.equal(version?.storage, true);
      assert.deepEqual(version?.subresources, { status: {} });
    });

    it('has the printer columns', () => {
      const columns = crd.spec.versions[0]?.additionalPrinterColumns?.map((col) => [
        col.name,
        col.type,
        col.jsonPath,
        col.priority ?? 0,
      ]);
      assert.deepEqual(columns, c.columns);
    });

    it('has exactly apiVersion, kind, metadata, spec (required) and status at the top', () => {
      const root = schemaOf(crd);
      assert.equal(root.type, 'object');
      assert.deepEqual(Object.keys(root.properties ?? {}).sort(), [
        'apiVersion',
        'kind',
        'metadata',
        'spec',
        'status',
      ]);
      assert.deepEqual(root.required, ['spec']);
      const metadata = describeSchema(property(root, 'metadata'), 'metadata');
      assert.deepEqual(metadata, c.metadata ? { type: 'object', fields: c.metadata } : { type: 'object', fields: {} });
    });

    it('spec matches the TypeScript spec type, every nested field', () => {
      assertFieldsMatch(property(schemaOf(crd), 'spec'), 'spec', c.spec);
    });

    it('status matches the TypeScript status type, every nested field', () => {
      const status = property(schemaOf(crd), 'status');
      assert.equal(status.required, undefined, 'status has no required fields');
      assertFieldsMatch(status, 'status', c.status);
    });
  });
}

describe('the comparison itself', () => {
  it('notices a field the CRD has and types.ts lacks', () => {
    const spec = structuredClone(property(schemaOf(loadCrd(CLUSTER_PLURAL)), 'spec'));
    const hostsConfRef = property(spec, 'hostsConfRef');
    hostsConfRef.properties = { ...hostsConfRef.properties, key: { type: 'string' } };
    assert.throws(() => assertFieldsMatch(spec, 'spec', CLUSTER_SPEC_FIELDS), /spec: CRD schema/);
  });

  it('notices a field types.ts has and the CRD lacks', () => {
    const spec = structuredClone(property(schemaOf(loadCrd(CLUSTER_OPERATION_PLURAL)), 'spec'));
    const hook = property(spec, 'preHook').items;
    assert.ok(hook?.properties);
    delete hook.properties['extraArgs'];
    assert.throws(
      () => assertFieldsMatch(spec, 'spec', CLUSTER_OPERATION_SPEC_FIELDS),
      /spec: CRD schema/,
    );
  });

  it('notices a changed enum, default or required flag', () => {
    const spec = property(schemaOf(loadCrd(CLUSTER_OPERATION_PLURAL)), 'spec');
    const mutations: ((s: SchemaNode) => void)[] = [
      (s) => property(s, 'actionType').enum?.push('ansible'),
      (s) => (property(s, 'actionSource').default = 'configmap'),
      (s) => s.required?.push('image'),
      (s) => (property(s, 'activeDeadlineSeconds').minimum = 0),
      (s) => (property(s, 'activeDeadlineSeconds')['maximum'] = 1e9),
      (s) => (property(s, 'cluster')['maxLength'] = 253),
      (s) => (property(s, 'preHook')['maxItems'] = 100),
      (s) => delete property(s, 'cluster')['x-kubernetes-validations'],
      (s) => ((property(property(s, 'resources'), 'limits')['x-kubernetes-validations'] as { rule: string }[])[0]!.rule = 'true'),
    ];
    for (const mutate of mutations) {
      const copy = structuredClone(spec);
      mutate(copy);
      assert.throws(() => assertFieldsMatch(copy, 'spec', CLUSTER_OPERATION_SPEC_FIELDS));
    }
  });

  it('refuses schema keywords it does not compare', () => {
    assert.throws(
      () => describeSchema({ type: 'string', minLength: 3 }, 'spec.x'),
      /spec\.x: unexpected schema keyword minLength/,
    );
  });
});
