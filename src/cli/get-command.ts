/** `slipway get clusters|operations [NAME] [-o wide|json|yaml|name] [-w]`. */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { CLUSTER_OPERATION_PLURAL, CLUSTER_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { EXIT } from './exit-codes.js';
import { listClusters, listOperations, managementKubeConfig, readCluster, readOperation, type ClusterFlags, type CommandIO } from './management-cluster.js';
import { renderObjects, type Kind, type OutputFormat } from './print-resources.js';

export interface GetFlags extends ClusterFlags {
  output?: OutputFormat;
  watch?: boolean;
}

export async function getCommand(kind: Kind, name: string | undefined, flags: GetFlags, io: CommandIO & { signal?: AbortSignal }): Promise<number> {
  const kc = managementKubeConfig(flags);
  const format = flags.output ?? 'table';
  const objects = await read(kc, kind, name);
  if (objects.items.length === 0 && !flags.watch) {
    // kubectl's words, on stderr: stdout stays exact (an empty List for json/yaml).
    if (format === 'table' || format === 'wide') io.err('No resources found\n');
    else io.out(renderObjects(objects, format, new Date()));
    return EXIT.done;
  }
  if (objects.items.length > 0 || format === 'json' || format === 'yaml') io.out(renderObjects(objects, format, new Date(), name !== undefined));
  if (!flags.watch) return EXIT.done;
  return watchChanges(kc, kind, name, format, objects, io);
}

type Read = ({ kind: 'clusters'; items: Cluster[] } | { kind: 'operations'; items: ClusterOperation[] }) & { resourceVersion: string | undefined };

async function read(kc: KubeConfig, kind: Kind, name: string | undefined): Promise<Read> {
  if (kind === 'clusters') {
    const items = name ? [await readCluster(kc, name)] : sortByName(await listClusters(kc));
    return { kind, items, resourceVersion: name ? undefined : maxVersion(items) };
  }
  const items = name ? [await readOperation(kc, name)] : sortByName(await listOperations(kc));
  return { kind, items, resourceVersion: name ? undefined : maxVersion(items) };
}

/** The list's own resourceVersion is not returned by these helpers; the newest item's is as good a start. */
const maxVersion = (items: { metadata: { resourceVersion?: string } }[]): string | undefined =>
  items.map((i) => i.metadata.resourceVersion).filter((v): v is string => !!v).sort((a, b) => Number(a) - Number(b)).at(-1);

const sortByName = <T extends { metadata: { name?: string } }>(items: T[]): T[] => items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));

/** Prints every later change as a row (or object) of its own, until Ctrl-C or the watch ends. */
async function watchChanges(kc: KubeConfig, kind: Kind, name: string | undefined, format: OutputFormat, initial: Read, io: CommandIO & { signal?: AbortSignal }): Promise<number> {
  const plural = kind === 'clusters' ? CLUSTER_PLURAL : CLUSTER_OPERATION_PLURAL;
  const { resourceVersion } = initial;
  const seen = new Map<string, string>((initial.items as (Cluster | ClusterOperation)[]).map((o) => [o.metadata.name ?? '', o.metadata.resourceVersion ?? '']));
  // The first read printed the header unless it found nothing.
  let headerShown = initial.items.length > 0 || (format !== 'table' && format !== 'wide');
  const ended = new Promise<number>((resolve, reject) => {
    io.signal?.addEventListener('abort', () => resolve(EXIT.interrupted), { once: true });
    void new Watch(kc)
      .watch(
        `/apis/${GROUP}/${VERSION}/${plural}`,
        { ...(resourceVersion ? { resourceVersion } : {}), ...(name ? { fieldSelector: `metadata.name=${name}` } : {}), allowWatchBookmarks: false },
        (type, obj: Cluster | ClusterOperation) => {
          const key = obj.metadata.name ?? '';
          // An ADDED of the version already printed repeats what the first read showed.
          if (type === 'ADDED' && seen.get(key) === obj.metadata.resourceVersion) return;
          seen.set(key, obj.metadata.resourceVersion ?? '');
          const one = kind === 'clusters' ? { kind, items: [obj as Cluster] } : { kind, items: [obj as ClusterOperation] };
          let text = renderObjects(one as Parameters<typeof renderObjects>[0], format, new Date(), true);
          if (format === 'table' || format === 'wide') {
            const [header, row] = text.split('\n');
            text = `${headerShown ? '' : `${header}\n`}${row}${type === 'DELETED' ? '   (deleted)' : ''}\n`;
            headerShown = true;
          } else if (format === 'yaml') {
            text = `---\n${text}`;
          }
          io.out(text);
        },
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(EXIT.done)),
      )
      .then((controller) => io.signal?.addEventListener('abort', () => controller.abort(), { once: true }), reject);
  });
  return ended;
}
