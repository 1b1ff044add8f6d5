import { createHash } from 'node:crypto';
import { Agent, type AgentOptions } from 'node:https';
import { createConfiguration, KubeConfig, ServerConfiguration, wrapHttpLibrary, type ApiConstructor, type ApiType, type RequestContext } from '@kubernetes/client-node';
import { nodeHttpLibrary } from './kube-http.js';

/** Connections per agent; more calls at once wait for one (the apiserver serves a few hundred at once in all). */
const MAX_CONNECTIONS = 64;
/** The TLS settings an agent's connections are made with; connections are only shared among equals. */
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * A KubeConfig whose API calls share keep-alive connections. client-node (1.4) gives every API
 * call a new https.Agent, so no connection is ever reused: each call pays a TLS handshake (with a
 * client certificate, RSA work at both ends) and a new secure context, and the native memory
 * that churns through shows in the process's RSS. Here calls with the same TLS settings (the
 * same cluster and user; a rotated certificate is new settings) get one agent that keeps its
 * connections open, at most MAX_CONNECTIONS (a burst of calls waits for a free one instead of
 * opening thousands), and the calls go over node:https rather than node-fetch, which misreads a
 * kept-alive connection handed to a waiting call (kube-http.ts). Watches keep their own
 * connection each, as before. Proxy agents are left as they are.
 */
export class PooledKubeConfig extends KubeConfig {
  private readonly agents = new Map<string, Agent>();

  /** `kc` if it is pooled already, else a pooled copy. */
  static from(kc: KubeConfig): PooledKubeConfig {
    return kc instanceof PooledKubeConfig ? kc : PooledKubeConfig.copy(kc);
  }

  /** A pooled copy of `kc` (its clusters, users, contexts and current context) with connections of its own. */
  static copy(kc: KubeConfig): PooledKubeConfig {
    const pooled = new PooledKubeConfig();
    pooled.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
    return pooled;
  }

  /** As KubeConfig's, but the calls go over node:https (see kube-http.ts). */
  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    return new apiClientType(
      createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: this }, httpApi: wrapHttpLibrary(nodeHttpLibrary) }),
    );
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const agent = context.getAgent();
    if (agent?.constructor === Agent) context.setAgent(this.pooled((agent as Agent).options));
  }

  private pooled(options: AgentOptions): Agent {
    const hash = createHash('sha256');
    for (const name of TLS_OPTIONS) {
      const value: unknown = options[name];
      hash.update(`${name}=`);
      for (const part of Array.isArray(value) ? value : [value]) hash.update(Buffer.isBuffer(part) || typeof part === 'string' ? part : JSON.stringify(part ?? null)).update(';');
    }
    const key = hash.digest('hex');
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({ ...Object.fromEntries(TLS_OPTIONS.map((n) => [n, options[n]])), keepAlive: true, maxSockets: MAX_CONNECTIONS });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes the pooled connections (those in use close once their call ends). */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
