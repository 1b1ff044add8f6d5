/**
 * Every field of both CRDs carries a description, so `kubectl explain` never answers
 * `<no description>`; the chart's copies are checked by test/charts. `metadata` is the exception:
 * the apiserver refuses a description there and serves ObjectMeta's own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCrd, versionSchema, type SchemaNode } from '../../src/api/crd-schema.js';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, VERSION } from '../../src/api/types.js';

/** Paths of the properties under `node` (array items included) that have no description. */
function undescribed(node: SchemaNode, path = ''): string[] {
  const out: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const here = `${path}.${name}`;
    if (here === '.metadata') continue;
    if (typeof child.description !== 'string' || child.description.trim() === '') out.push(here);
    out.push(...undescribed(child, here));
    if (child.items) out.push(...undescribed(child.items, `${here}[]`));
  }
  return out;
}

for (const plural of [CLUSTER_PLURAL, CLUSTER_OPERATION_PLURAL] as const) {
  describe(`crds/${plural} descriptions`, () => {
    it('describes the object and every field, at every depth', () => {
      const root = versionSchema(loadCrd(plural), VERSION);
      assert.ok(root.description, 'the root schema has a description');
      assert.deepEqual(undescribed(root), []);
    });

    it('describes every printer column but Age (kubectl knows what it is)', () => {
      const columns = loadCrd(plural).spec.versions[0]?.additionalPrinterColumns ?? [];
      assert.deepEqual(columns.filter((c) => c.name !== 'Age' && !c.description).map((c) => c.name), []);
    });
  });
}

describe('the walk itself', () => {
  it('finds a missing description deep in array items', () => {
    const root = structuredClone(versionSchema(loadCrd(CLUSTER_OPERATION_PLURAL), VERSION));
    const failedHosts = root.properties?.['status']?.properties?.['progress']?.properties?.['failedHosts'];
    assert.ok(failedHosts?.items?.properties?.['task']);
    delete failedHosts.items.properties['task'].description;
    assert.deepEqual(undescribed(root), ['.status.progress.failedHosts[].task']);
  });
});
