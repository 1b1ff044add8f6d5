/**
 * `slipway.io/reconcile=Auto` carried out: the plan's first operation created as an ordinary
 * ClusterOperation (labelled generated, annotated with the Cluster generation and inputs it was
 * planned from, owned by the Cluster), through the same queue as any other; src/desired/auto-step.ts
 * decides when. With admission on, it runs as the user who set Auto (the webhook's signed
 * `slipway.io/reconcile-by`); without that annotation nothing is created.
 */
import { randomBytes } from 'node:crypto';
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Author } from '../api/admission-stamp.js';
import {
  GENERATED_ANNOTATION,
  GENERATED_BY_LABEL,
  GENERATED_BY_RECONCILE,
  GENERATED_FOR_ANNOTATION,
  GENERATED_REASON_ANNOTATION,
  RECONCILE_BY_ANNOTATION,
  signGenerated,
  verifyReconcileBy,
} from '../api/reconcile-authority.js';
import { API_VERSION, CLUSTER_KIND, CLUSTER_OPERATION_KIND, CLUSTER_OPERATION_PLURAL, GROUP, VERSION, type Cluster, type ClusterOperation } from '../api/types.js';
import { autoStep, type OperationRecord } from '../desired/auto-step.js';
import type { ClusterDiff } from '../desired/cluster-diff.js';
import type { PendingOperation } from '../desired/convergence-types.js';
import { RETRY_OF_ANNOTATION } from '../operations/retry-operation.js';

export interface AutoOperationsOptions {
  custom: CustomObjectsApi;
  /** The ClusterOperations the informer holds. */
  operations: () => readonly ClusterOperation[];
  /** The stamps' key: generated operations are signed with it; undefined with admission off. */
  key?: Buffer;
  logger: Logger;
  now?: () => Date;
}

/** What status.convergence adds in Auto: the operation created or waited on, or why it stopped. */
export interface AutoOutcome {
  operation?: string;
  stopped?: string;
  waiting?: string;
}

/** Created here and not yet seen by the informer: a pass in between must not create another. */
const UNSEEN_GRACE_MS = 60_000;

export class AutoOperations {
  private readonly created = new Map<string, { record: OperationRecord; at: number }>();

  constructor(private readonly opts: AutoOperationsOptions) {}

  async advance(cluster: Cluster, diff: ClusterDiff): Promise<AutoOutcome> {
    const name = cluster.metadata.name!;
    let author: Author | undefined;
    if (this.opts.key) {
      const by = verifyReconcileBy(this.opts.key, name, cluster.metadata.annotations?.[RECONCILE_BY_ANNOTATION]);
      if (!by.ok) {
        return { stopped: `Auto creates operations as the user who set it, which the admission webhook records in ${RECONCILE_BY_ANNOTATION}; ${by.why}: set slipway.io/reconcile=Auto again with the webhook deployed` };
      }
      author = by.body.author;
    }
    const decision = autoStep(diff.plan, this.history(cluster), diff.fingerprint);
    switch (decision.kind) {
      case 'idle':
        return {};
      case 'wait':
        return { waiting: decision.why, ...(decision.operation ? { operation: decision.operation } : {}) };
      case 'stopped':
        return { stopped: decision.why, operation: decision.operation };
      case 'create': {
        let op: ClusterOperation;
        try {
          op = await this.create(cluster, decision.operation, diff.fingerprint, author);
        } catch (err) {
          // Refused (the webhook, as the user who set Auto): said in the status, tried again next pass.
          if (err instanceof ApiException && err.code >= 400 && err.code < 500) return { stopped: `the next operation (${decision.operation.action}) could not be created: ${refusalOf(err)}` };
          throw err;
        }
        return { operation: op.metadata.name!, waiting: `${op.metadata.name} (${decision.operation.action}) created: ${decision.operation.reason}` };
      }
    }
  }

  private history(cluster: Cluster): OperationRecord[] {
    const records = this.opts.operations()
      .filter((op) => op.spec.cluster === cluster.metadata.name && !op.metadata.deletionTimestamp)
      .map(recordOf);
    const seen = new Set(records.map((r) => r.name));
    const now = Date.now();
    for (const [name, c] of this.created) {
      if (seen.has(name) || now - c.at > UNSEEN_GRACE_MS) this.created.delete(name);
      else if (c.record.generatedFor !== undefined && records.every((r) => r.name !== name)) records.push(c.record);
    }
    return records;
  }

  private async create(cluster: Cluster, step: PendingOperation, fingerprint: string, author: Author | undefined): Promise<ClusterOperation> {
    const now = this.opts.now?.() ?? new Date();
    const clusterName = cluster.metadata.name!;
    const name = `${clusterName.slice(0, 220)}-auto-${now.getTime().toString(36)}${randomBytes(2).toString('hex')}`;
    const spec: ClusterOperation['spec'] = {
      cluster: clusterName,
      actionType: 'playbook',
      action: step.action,
      ...(step.extraArgs ? { extraArgs: step.extraArgs } : {}),
      ...(step.postHook ? { postHook: step.postHook } : {}),
    };
    const body: ClusterOperation = {
      apiVersion: API_VERSION,
      kind: CLUSTER_OPERATION_KIND,
      metadata: {
        name,
        labels: { [GENERATED_BY_LABEL]: GENERATED_BY_RECONCILE },
        annotations: {
          [GENERATED_FOR_ANNOTATION]: `generation=${cluster.metadata.generation ?? 0} inputs=${fingerprint}`,
          [GENERATED_REASON_ANNOTATION]: step.reason.slice(0, 1024),
          ...(this.opts.key && author ? { [GENERATED_ANNOTATION]: signGenerated(this.opts.key, name, spec, author, now) } : {}),
        },
        ownerReferences: [{ apiVersion: API_VERSION, kind: CLUSTER_KIND, name: clusterName, uid: cluster.metadata.uid!, blockOwnerDeletion: false }],
      },
      spec,
    };
    const created = (await this.opts.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CLUSTER_OPERATION_PLURAL, body })) as ClusterOperation;
    this.created.set(name, { record: recordOf(created), at: Date.now() });
    this.opts.logger.info({ cluster: clusterName, operation: name, action: step.action, extraArgs: step.extraArgs, as: author?.username }, 'created the next operation of the declarative plan');
    return created;
  }
}

function recordOf(op: ClusterOperation): OperationRecord {
  const annotations = op.metadata.annotations ?? {};
  const generatedFor = op.metadata.labels?.[GENERATED_BY_LABEL] === GENERATED_BY_RECONCILE ? /inputs=(\S+)/.exec(annotations[GENERATED_FOR_ANNOTATION] ?? '')?.[1] ?? '' : undefined;
  return {
    name: op.metadata.name ?? '',
    ...(op.status?.status ? { status: op.status.status } : {}),
    created: new Date((op.metadata.creationTimestamp as unknown as string | undefined) ?? Date.now()).toISOString(),
    action: op.spec.action,
    ...(op.spec.extraArgs ? { extraArgs: op.spec.extraArgs } : {}),
    ...(generatedFor !== undefined ? { generatedFor } : {}),
    ...(annotations[RETRY_OF_ANNOTATION] ? { retryOf: annotations[RETRY_OF_ANNOTATION] } : {}),
  };
}

function refusalOf(err: ApiException<unknown>): string {
  const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
  const message = (body as { message?: unknown } | undefined)?.message;
  return (typeof message === 'string' ? message : `HTTP ${err.code}`).slice(0, 1024);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
