/**
 * Add a cluster: names, node rows, the SSH key (into a Secret), version, advanced settings. The
 * node check runs ansible against the rows (the check's objects exist from then on); Create is
 * enabled once a check of the rows and credentials as they are now has passed; leaving the form
 * without creating removes the check's objects.
 */
import { html, LitElement } from 'lit';
import { get, post, postOnLeave } from './api.js';

interface Row {
  name: string;
  ip: string;
  user: string;
  port: string;
}

interface HostCheck {
  name: string;
  state: string;
  message?: string;
  system?: string;
}

interface CheckResult {
  status: string;
  finished: boolean;
  passed: boolean;
  message?: string;
  hosts: HostCheck[];
}

type Kind = 'controlPlanes' | 'workers';
const LABEL: Record<Kind, string> = { controlPlanes: 'Control-plane node', workers: 'Worker node' };
const POLL_MS = 1000;
const STATE_LABEL: Record<string, string> = { checking: 'Checking…', reachable: 'Reachable', unreachable: 'Unreachable', failed: 'Failed', 'not checked': 'Not checked' };

export class ClusterForm extends LitElement {
  static override properties = {
    controlPlanes: { state: true },
    workers: { state: true },
    error: { state: true },
    busy: { state: true },
    current: { state: true },
    check: { state: true },
    result: { state: true },
  };
  declare controlPlanes: Row[];
  declare workers: Row[];
  declare error: string;
  declare busy: boolean;
  /** The rows and credentials as they are now (what a check must have checked). */
  declare current: string;
  /** The last check started: what it checked, and the objects it made. */
  declare check: { inputs: string; cluster: string; namespace: string; operation: string } | undefined;
  declare result: CheckResult | undefined;
  private poll?: ReturnType<typeof setTimeout>;
  private created = false;
  private readonly onLeave = () => this.discard(true);

  constructor() {
    super();
    this.controlPlanes = [{ name: '', ip: '', user: 'root', port: '22' }];
    this.workers = [];
    this.error = '';
    this.busy = false;
    this.current = '';
    this.check = undefined;
    this.result = undefined;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pagehide', this.onLeave);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.onLeave);
    clearTimeout(this.poll);
    this.discard(true);
  }

  override updated(): void {
    this.refreshCurrent();
  }

  /** Removes what the check made, unless Create used it. */
  private discard(leaving: boolean): Promise<unknown> | undefined {
    const c = this.check;
    if (!c || this.created) return undefined;
    this.check = undefined;
    this.result = undefined;
    const path = `/api/node-checks/${encodeURIComponent(c.cluster)}/discard`;
    if (leaving) return void postOnLeave(path);
    return post(path);
  }

  private rowsOf(kind: Kind) {
    return this[kind].map((r) => ({ name: r.name.trim(), ip: r.ip.trim(), user: r.user.trim(), ...(r.port.trim() && r.port.trim() !== '22' ? { port: Number(r.port) } : {}) }));
  }

  private formBody() {
    const form = this.querySelector('form.cluster-form') as HTMLFormElement | null;
    const f = form ? new FormData(form) : new FormData();
    const text = (k: string) => String(f.get(k) ?? '').trim();
    return {
      name: text('name'),
      namespace: text('namespace'),
      controlPlanes: this.rowsOf('controlPlanes'),
      workers: this.rowsOf('workers'),
      privateKey: String(f.get('privateKey') ?? ''),
      knownHosts: String(f.get('knownHosts') ?? ''),
      version: text('version'),
      registry: text('registry'),
      cni: text('cni'),
      podCidr: text('podCidr'),
      serviceCidr: text('serviceCidr'),
    };
  }

  /** What a check depends on: the names, the rows and the credentials (not the version or advanced settings). */
  private inputsOf(b: ReturnType<ClusterForm['formBody']>): string {
    return JSON.stringify([b.name, b.namespace, b.controlPlanes, b.workers, b.privateKey.trim(), b.knownHosts.trim()]);
  }

  private refreshCurrent(): void {
    const now = this.inputsOf(this.formBody());
    if (now !== this.current) this.current = now;
  }

  private edit(kind: Kind, i: number, field: keyof Row, value: string): void {
    this[kind] = this[kind].map((r, j) => (j === i ? { ...r, [field]: value } : r));
  }

  private async runCheck(): Promise<void> {
    const body = this.formBody();
    this.busy = true;
    this.error = '';
    clearTimeout(this.poll);
    try {
      if (this.check && (this.check.cluster !== body.name || this.check.namespace !== body.namespace)) await this.discard(false);
      this.result = undefined;
      const started = await post<{ cluster: string; operation: string }>('/api/node-checks', body);
      this.check = { inputs: this.inputsOf(body), cluster: started.cluster, namespace: body.namespace, operation: started.operation };
      await this.follow(started.operation);
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private async follow(operation: string): Promise<void> {
    if (this.check?.operation !== operation) return;
    try {
      this.result = await get<CheckResult>(`/api/node-checks/${encodeURIComponent(operation)}`);
    } catch (err) {
      this.error = (err as Error).message;
      return;
    }
    if (!this.result.finished) this.poll = setTimeout(() => void this.follow(operation), POLL_MS);
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    this.busy = true;
    this.error = '';
    try {
      await post('/api/clusters', { ...this.formBody(), check: this.check?.operation });
      this.created = true;
      location.hash = '#/';
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private rows(kind: Kind) {
    return html`<fieldset>
      <legend>${LABEL[kind]}s</legend>
      ${this[kind].map(
        (r, i) => html`<div class="row" role="group" aria-label="${LABEL[kind]} ${i + 1}">
          <label>Name <input aria-label="${LABEL[kind]} ${i + 1} name" .value=${r.name} required @input=${(e: Event) => this.edit(kind, i, 'name', (e.target as HTMLInputElement).value)}></label>
          <label>IP <input aria-label="${LABEL[kind]} ${i + 1} IP" .value=${r.ip} required @input=${(e: Event) => this.edit(kind, i, 'ip', (e.target as HTMLInputElement).value)}></label>
          <label>SSH port <input aria-label="${LABEL[kind]} ${i + 1} SSH port" class="port" inputmode="numeric" .value=${r.port} @input=${(e: Event) => this.edit(kind, i, 'port', (e.target as HTMLInputElement).value)}></label>
          <label>SSH user <input aria-label="${LABEL[kind]} ${i + 1} SSH user" .value=${r.user} required @input=${(e: Event) => this.edit(kind, i, 'user', (e.target as HTMLInputElement).value)}></label>
          <button type="button" aria-label="Remove ${LABEL[kind].toLowerCase()} ${i + 1}" @click=${() => (this[kind] = this[kind].filter((_, j) => j !== i))}>Remove</button>
        </div>`,
      )}
      <button type="button" @click=${() => (this[kind] = [...this[kind], { name: '', ip: '', user: 'root', port: '22' }])}>Add ${LABEL[kind].toLowerCase()}</button>
    </fieldset>`;
  }

  private checkView() {
    const r = this.result;
    const c = this.check;
    if (!c) return html`<p>Check the nodes before creating: ansible runs <code>ping.yml</code> and <code>cluster-info.yml</code> against them, as you.</p>`;
    const stale = c.inputs !== this.current;
    return html`<section aria-labelledby="check-title" class="node-check">
      <h2 id="check-title">Node check</h2>
      <p class="note">The check made the cluster's objects (ConfigMaps <code>${c.cluster}-hosts</code> and <code>${c.cluster}-vars</code>, Secret <code>${c.cluster}-ssh</code>, Cluster <code>${c.cluster}</code>, operation <a href="#/operations/${encodeURIComponent(c.operation)}">${c.operation}</a>) in namespace ${c.namespace}. Create uses them; leaving this form without creating removes them.</p>
      ${stale ? html`<p role="status" class="stale">The nodes or credentials changed since this check: check them again.</p>` : ''}
      ${!r
        ? html`<p role="status">Starting the check…</p>`
        : html`<p role="status" class="check-summary">${r.finished ? (r.passed ? 'Every node answered.' : `The check did not pass (${r.status}).`) : `Checking (${r.status})…`}</p>
            <table aria-label="Node check">
              <thead><tr><th scope="col">Node</th><th scope="col">Result</th><th scope="col">Details</th></tr></thead>
              <tbody>${r.hosts.map((h) => html`<tr data-host=${h.name}><th scope="row">${h.name}</th><td class="status" data-state=${h.state}>${STATE_LABEL[h.state] ?? h.state}</td><td>${h.message ?? h.system ?? ''}</td></tr>`)}</tbody>
            </table>`}
    </section>`;
  }

  override render() {
    const passed = !!this.result?.passed && this.check?.inputs === this.current;
    return html`<p><a href="#/">← Clusters</a></p>
      <h1>Add cluster</h1>
      <form class="cluster-form" @submit=${(e: SubmitEvent) => this.submit(e)} @input=${() => this.refreshCurrent()}>
        <label>Cluster name <input name="name" required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"></label>
        <label>Namespace for its inputs <input name="namespace" required></label>
        ${this.rows('controlPlanes')} ${this.rows('workers')}
        <label>SSH private key (stored in a Secret) <textarea name="privateKey" rows="4" required spellcheck="false"></textarea></label>
        <label>Known hosts (optional) <textarea name="knownHosts" rows="2" spellcheck="false"></textarea></label>
        <label>Kubernetes version <input name="version" required placeholder="v1.33.2"></label>
        <details>
          <summary>Advanced</summary>
          <label>Image registry <input name="registry" placeholder="registry.example.com:5000"></label>
          <label>CNI <select name="cni"><option>calico</option><option>cilium</option><option>flannel</option></select></label>
          <label>Pod CIDR <input name="podCidr" placeholder="10.233.64.0/18"></label>
          <label>Service CIDR <input name="serviceCidr" placeholder="10.233.0.0/18"></label>
        </details>
        ${this.checkView()}
        <div class="actions">
          <button type="button" ?disabled=${this.busy} @click=${() => this.runCheck()}>Check nodes</button>
          <button type="submit" ?disabled=${this.busy || !passed}>Create</button>
        </div>
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : ''}`;
  }
}
customElements.define('cluster-form', ClusterForm);
