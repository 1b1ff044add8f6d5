import { InputError } from '../api/input-error.js';
import { ManifestSource } from '../api/manifest-source.js';
import { loadManifestFiles } from '../api/manifests.js';
import type { ClusterOperation } from '../api/types.js';

/** The ClusterOperations of the manifest files, in file order, or the one named. */
export function selectOperations(files: string[], name?: string, maxManifestBytes?: number): { source: ManifestSource; operations: ClusterOperation[] } {
  const source = new ManifestSource(loadManifestFiles(files, maxManifestBytes));
  const all = source.operations();
  const operations = name ? all.filter((o) => o.metadata.name === name) : all;
  if (operations.length === 0) {
    const object = name ? `ClusterOperation ${name}` : files.join(', ');
    const message = name
      ? `not found in the given files (found: ${all.map((o) => o.metadata.name).join(', ') || 'none'})`
      : 'no kubean.io/v1alpha1 ClusterOperation in the given files';
    throw new InputError([{ severity: 'error', code: 'no-operation', object, message }]);
  }
  return { source, operations };
}
