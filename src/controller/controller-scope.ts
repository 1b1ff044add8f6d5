import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectSource } from '../api/object-source.js';
import type { ClusterOperation } from '../api/types.js';
import type { OperatorOptions } from '../engine/prepare-plan.js';
import type { JobExecutor } from '../executors/job-executor.js';
import type { Executor } from '../executors/types.js';
import type { AdmissionGate } from './admission-check.js';
import type { RunRegistry } from './cluster-deletion.js';
import type { HostClaims } from './host-claims.js';
import type { KubeEvents } from './kube-events.js';
import type { KubeconfigStore } from './kubeconfig-secret.js';
import type { ControllerMetrics } from './metrics.js';
import type { StatusWriter } from './status-writer.js';

/** What the controller's phases share across operations (one per leader session). */
export interface ControllerScope {
  /** The operations' inputs; its Clusters may come from the informer's cache. */
  source: ObjectSource;
  builtinDir: string;
  operator: OperatorOptions;
  executor: Executor;
  /** Set when operations run as Jobs: a cancel deletes the Job (controller.ts). */
  jobs?: JobExecutor;
  status: StatusWriter;
  events: KubeEvents;
  /** Where an install's admin kubeconfig goes (the controller's namespace). */
  kubeconfigs: KubeconfigStore;
  custom: CustomObjectsApi;
  historyLimit: number;
  logger: Logger;
  /** The ClusterOperations the informer holds. */
  operations: () => readonly ClusterOperation[];
  /** The Waiting message written per operation uid (the informer's copy may not show it yet). */
  waitingShown: Map<string, string>;
  /** Where each operation's log is kept (src/oplog/); unset: not kept. */
  logs?: { core: CoreV1Api; namespace: string };
  /** Look at the managed cluster soon (its operation ended). */
  observeCluster?: (cluster: string) => void;
  metrics?: ControllerMetrics;
  /** The turns running here, so that deleting their Cluster can stop them (cluster-deletion.ts). */
  runs?: RunRegistry;
  /** Set when an operation whose Cluster shares a host with another Cluster is refused (host-claims.ts). */
  hostClaims?: HostClaims;
  /** Stamps and refs checked when a turn starts; undefined with `--admission off`. */
  admission?: AdmissionGate;
}
