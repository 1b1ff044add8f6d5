/** One cluster, live: its nodes (control planes first), conditions, operations, and the kubeconfig for those who may read it. */
import { html, LitElement } from 'lit';
import { follow } from './api.js';
import './cluster-changes.js';
import './cluster-delete.js';
import { when, type ClusterDetails as Details, type Refusal } from './views.js';

export class ClusterDetails extends LitElement {
  static override properties = { name: { type: String }, details: { state: true }, problem: { state: true } };
  declare name: string;
  declare details: Details | undefined;
  declare problem: string;
  private stop?: () => void;

  constructor() {
    super();
    this.name = '';
    this.details = undefined;
    this.problem = '';
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override updated(changed: Map<string, unknown>): void {
    if (!changed.has('name')) return;
    this.stop?.();
    this.details = undefined;
    this.problem = '';
    this.stop = follow(`/api/events/clusters/${encodeURIComponent(this.name)}`, {
      cluster: (d) => {
        this.details = d as Details;
        this.problem = '';
      },
      missing: (m) => (this.problem = (m as { message: string }).message),
      refused: (r) => (this.problem = `Kubernetes refused (HTTP ${(r as Refusal).status}): ${(r as Refusal).message}`),
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
  }

  override render() {
    const d = this.details;
    const title = html`<p><a href="#/">← Clusters</a></p><h1>Cluster ${this.name}</h1>`;
    if (this.problem) return html`${title}<p role="alert" class="error">${this.problem}</p>`;
    if (!d) return html`${title}<p role="status">Loading…</p>`;
    return html`${title}
      <dl class="summary">
        <dt>Phase</dt><dd class="phase" data-phase=${d.phase}>${d.phase || '—'}</dd>
        <dt>Version</dt><dd>${d.version || '—'}${d.desiredVersion && d.desiredVersion !== d.version ? html` (installing ${d.desiredVersion})` : ''}</dd>
      </dl>
      ${d.kubeconfigReadable
        ? html`<p><a class="button" href="/api/clusters/${encodeURIComponent(d.name)}/kubeconfig" download="${d.name}.kubeconfig">Download kubeconfig</a></p>`
        : ''}
      <section aria-labelledby="nodes-title">
        <h2 id="nodes-title">Nodes</h2>
        ${d.nodes.length === 0
          ? html`<p>No nodes observed yet.</p>`
          : html`<table aria-label="Nodes">
              <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">IP</th><th scope="col">Version</th><th scope="col">Ready</th></tr></thead>
              <tbody>${d.nodes.map((n) => html`<tr><th scope="row">${n.name}</th><td>${n.role}</td><td>${n.address}</td><td>${n.version}</td><td>${n.ready ? 'Ready' : 'Not ready'}</td></tr>`)}</tbody>
            </table>`}
      </section>
      <section aria-labelledby="conditions-title">
        <h2 id="conditions-title">Conditions</h2>
        ${d.conditions.length === 0
          ? html`<p>None observed yet.</p>`
          : html`<table aria-label="Conditions">
              <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
              <tbody>${d.conditions.map((c) => html`<tr><th scope="row">${c.type}</th><td>${c.status}</td><td>${c.reason ?? ''}</td><td>${c.message ?? ''}</td></tr>`)}</tbody>
            </table>`}
      </section>
      ${d.may.change ? html`<cluster-changes .cluster=${d.name} .upgrades=${d.upgrades}></cluster-changes>` : ''}
      <section aria-labelledby="operations-title">
        <h2 id="operations-title">Operations</h2>
        ${d.operations.length === 0
          ? html`<p>No operations.</p>`
          : html`<table aria-label="Operations">
              <thead><tr><th scope="col">Name</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead>
              <tbody>${d.operations.map(
                (o) => html`<tr data-operation=${o.name}>
                  <th scope="row"><a href="#/operations/${encodeURIComponent(o.name)}">${o.name}</a></th>
                  <td>${o.action}</td><td class="status" data-status=${o.status}>${o.status}</td>
                  <td>${o.summary ?? o.message ?? ''}</td><td>${when(o.startTime)}</td><td>${when(o.endTime)}</td>
                </tr>`,
              )}</tbody>
            </table>`}
      </section>
      ${d.may.delete && d.phase !== 'Deleting' ? html`<cluster-delete .cluster=${d.name}></cluster-delete>` : ''}`;
  }
}
customElements.define('cluster-details', ClusterDetails);
