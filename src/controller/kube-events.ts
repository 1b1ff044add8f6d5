import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
}

export type EventType = 'Normal' | 'Warning';

/**
 * core/v1 Events about Clusters and ClusterOperations (cluster-scoped objects, so the Events go
 * to one namespace, `default` unless told). Messages must arrive redacted. An Event that cannot
 * be written is logged: it is advisory, and the status carries the same facts.
 */
export class KubeEvents {
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: { namespace: string; instance: string; logger?: Logger },
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: this.opts.namespace,
        body: {
          metadata: { generateName: `${target.name.slice(0, 200)}.` },
          involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.name, ...(target.uid ? { uid: target.uid } : {}) },
          type,
          reason,
          message: message.slice(0, 1024),
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          source: { component: 'slipway' },
          reportingComponent: 'slipway',
          reportingInstance: this.opts.instance,
        },
      });
    } catch (err) {
      this.opts.logger?.warn({ err: err instanceof Error ? err.message : String(err), reason, object: `${target.kind}/${target.name}` }, 'could not record an Event');
    }
  }
}
