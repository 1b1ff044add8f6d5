/**
 * One request for a container's log, followed as it grows (`follow=true&timestamps=true`), over
 * node:https with the KubeConfig's credentials. client-node's Log class cannot be stopped before
 * the apiserver answers and does not say when a followed body breaks; this can and does. Each
 * request has its own connection, as watches do.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { SlipwayError } from '../util/slipway-error.js';

export interface PodLogTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface PodLogRequest {
  /** RFC 3339; the apiserver keeps only its seconds, so lines of that second come again. */
  sinceTime?: string;
  /** Ends the request at any point (before the answer too); the promise then rejects. */
  signal: AbortSignal;
  /** No byte for this long: the request is given up (a silent connection may be dead). */
  idleMs: number;
}

/** The apiserver refused the log (no such pod or container, the node not serving it) or answered otherwise than 200. */
export class PodLogUnavailableError extends SlipwayError {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super('pod-log-unavailable', `the pod log is not served (HTTP ${status}${detail ? `: ${detail}` : ''})`, false);
  }
}

const DETAIL_MAX = 300;

/**
 * Requests the log and passes its text to `onText` as it arrives; resolves when the apiserver
 * ends the body (the container ended, or the node closed it), rejects when the request fails,
 * is refused ({@link PodLogUnavailableError}), falls idle or is aborted.
 */
export async function streamPodLog(kc: KubeConfig, target: PodLogTarget, req: PodLogRequest, onText: (text: string) => void): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${cluster.server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`);
  url.searchParams.set('container', target.container);
  url.searchParams.set('follow', 'true');
  url.searchParams.set('timestamps', 'true');
  if (req.sinceTime) url.searchParams.set('sinceTime', req.sinceTime);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  req.signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const call = (url.protocol === 'http:' ? http : https).request(url, { ...opts, method: 'GET', signal: req.signal }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let detail = '';
        res.on('data', (chunk: string) => {
          if (detail.length < DETAIL_MAX) detail += chunk;
        });
        res.on('end', () => reject(new PodLogUnavailableError(res.statusCode ?? 0, messageOf(detail))));
        res.on('error', reject);
        return;
      }
      res.on('data', (chunk: string) => onText(chunk));
      res.on('end', () => resolve());
      res.on('error', reject);
      // After 'end' this changes nothing; without it, the connection went before the body ended.
      res.on('close', () => reject(new Error('the pod log stream was cut')));
    });
    call.setTimeout(req.idleMs, () => call.destroy(new Error(`the pod log stream was silent for ${req.idleMs / 1000} s`)));
    call.on('error', reject);
    call.end();
  });
}

/** The message of a Status body, else the body's start. */
function messageOf(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message.slice(0, DETAIL_MAX);
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, DETAIL_MAX);
}
