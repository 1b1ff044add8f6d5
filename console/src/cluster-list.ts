/** The clusters the user may list, live: the server watches as the user and pushes each change. */
import { html, LitElement } from 'lit';
import { follow } from './api.js';
import type { ClusterRow, Refusal } from './views.js';

export class ClusterList extends LitElement {
  static override properties = { rows: { state: true }, refusal: { state: true } };
  declare rows: ClusterRow[] | undefined;
  declare refusal: Refusal | undefined;
  private stop?: () => void;

  constructor() {
    super();
    this.rows = undefined;
    this.refusal = undefined;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stop = follow('/api/events/clusters', {
      clusters: (rows) => {
        this.rows = rows as ClusterRow[];
        this.refusal = undefined;
      },
      refused: (r) => (this.refusal = r as Refusal),
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
  }

  override render() {
    if (this.refusal) {
      return html`<h1>Clusters</h1>
        <p role="alert" class="error">Kubernetes refused to list clusters for you (HTTP ${this.refusal.status}): ${this.refusal.message}</p>`;
    }
    if (!this.rows) return html`<h1>Clusters</h1><p role="status">Loading…</p>`;
    return html`<h1>Clusters</h1>
      <p><a class="button" href="#/new">Add cluster</a></p>
      ${this.rows.length === 0
        ? html`<p role="status">No clusters yet.</p>`
        : html`<table aria-label="Clusters">
            <thead><tr><th scope="col">Name</th><th scope="col">Phase</th><th scope="col">Nodes ready</th><th scope="col">Version</th><th scope="col">Last operation</th></tr></thead>
            <tbody>
              ${this.rows.map(
                (r) => html`<tr data-cluster=${r.name}>
                  <th scope="row"><a href="#/clusters/${encodeURIComponent(r.name)}">${r.name}</a></th>
                  <td class="phase" data-phase=${r.phase}>${r.phase || '—'}</td>
                  <td>${r.nodesReady}/${r.nodesTotal}</td>
                  <td>${r.version || '—'}</td>
                  <td>${r.lastOperation
                    ? html`<a href="#/operations/${encodeURIComponent(r.lastOperation.name)}">${r.lastOperation.name}</a>
                        ${r.lastOperation.action ? html`<span class="action">${r.lastOperation.action}</span>` : ''}
                        <span class="status" data-status=${r.lastOperation.status}>${r.lastOperation.status}</span>`
                    : '—'}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}`;
  }
}
customElements.define('cluster-list', ClusterList);
