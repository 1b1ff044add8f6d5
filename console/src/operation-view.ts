/** One operation, live: status, progress, the hosts × steps grid, steps, its kept log (followed while it runs), Cancel and Retry. */
import { html, LitElement } from 'lit';
import { follow, post } from './api.js';
import { hostStepTable } from './host-step-grid.js';
import { FINISHED, when, type OperationView as View, type Refusal } from './views.js';

export class OperationView extends LitElement {
  static override properties = { name: { type: String }, op: { state: true }, log: { state: true }, problem: { state: true }, actionError: { state: true }, actionNote: { state: true } };
  declare name: string;
  declare op: View | undefined;
  declare log: string;
  declare problem: string;
  declare actionError: string;
  declare actionNote: string;
  private stop?: () => void;

  constructor() {
    super();
    this.name = '';
    this.op = undefined;
    this.log = '';
    this.problem = '';
    this.actionError = '';
    this.actionNote = '';
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('log')) {
      const pre = this.querySelector('pre.log');
      if (pre) pre.scrollTop = pre.scrollHeight;
    }
    if (!changed.has('name')) return;
    this.stop?.();
    this.op = undefined;
    this.log = '';
    this.problem = '';
    this.actionError = '';
    this.actionNote = '';
    this.stop = follow(`/api/events/operations/${encodeURIComponent(this.name)}`, {
      operation: (o) => {
        this.op = o as View;
        this.problem = '';
      },
      log: (l) => (this.log += (l as { text: string }).text),
      'log-refused': (r) => (this.log = `(Kubernetes refused to show the log: ${(r as Refusal).message})`),
      missing: (m) => (this.problem = (m as { message: string }).message),
      refused: (r) => (this.problem = `Kubernetes refused (HTTP ${(r as Refusal).status}): ${(r as Refusal).message}`),
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
  }

  private async act(what: 'cancel' | 'retry'): Promise<void> {
    this.actionError = '';
    this.actionNote = '';
    try {
      const r = await post<{ name?: string; reason?: string }>(`/api/operations/${encodeURIComponent(this.name)}/${what}`);
      if (what === 'retry' && r.name) location.hash = `#/operations/${encodeURIComponent(r.name)}`;
      else this.actionNote = 'Cancel requested.';
    } catch (err) {
      this.actionError = (err as Error).message;
    }
  }

  override render() {
    const op = this.op;
    if (this.problem) return html`<h1>Operation ${this.name}</h1><p role="alert" class="error">${this.problem}</p>`;
    if (!op) return html`<h1>Operation ${this.name}</h1><p role="status">Loading…</p>`;
    const p = op.progress;
    const running = !FINISHED.includes(op.status);
    return html`<p><a href="#/clusters/${encodeURIComponent(op.cluster)}">← Cluster ${op.cluster}</a></p>
      <h1>Operation ${op.name}</h1>
      <dl class="summary">
        <dt>Action</dt><dd>${op.action}</dd>
        <dt>Status</dt><dd class="status" data-status=${op.status} aria-live="polite">${op.status}${op.cancelRequested && running ? ' (cancel requested)' : ''}</dd>
        ${op.retryOf ? html`<dt>Retry of</dt><dd><a href="#/operations/${encodeURIComponent(op.retryOf)}">${op.retryOf}</a></dd>` : ''}
        <dt>Started</dt><dd>${when(op.startTime) || '—'}</dd>
        <dt>Ended</dt><dd>${when(op.endTime) || '—'}</dd>
        ${op.message ? html`<dt>Message</dt><dd>${op.message}</dd>` : ''}
        ${op.failedHosts.length ? html`<dt>Failed hosts</dt><dd>${op.failedHosts.join(', ')}</dd>` : ''}
      </dl>
      <div class="actions">
        ${running && !op.cancelRequested ? html`<button type="button" @click=${() => this.act('cancel')}>Cancel</button>` : ''}
        ${op.status === 'Failed' ? html`<button type="button" @click=${() => this.act('retry')}>Retry</button>` : ''}
      </div>
      ${this.actionError ? html`<p role="alert" class="error">${this.actionError}</p>` : ''}
      ${this.actionNote ? html`<p role="status">${this.actionNote}</p>` : ''}
      ${p && running
        ? html`<section aria-labelledby="progress-title">
            <h2 id="progress-title">Progress</h2>
            <progress aria-label="Steps done" max=${p.totalSteps} value=${Math.max(0, p.step - 1)}></progress>
            <p class="progress-summary" aria-live="polite">${p.summary}</p>
            ${p.task ? html`<p>Current task: <span class="task">${p.task}</span></p>` : ''}
          </section>`
        : ''}
      <section aria-labelledby="grid-title">
        <h2 id="grid-title">Hosts × steps</h2>
        ${hostStepTable(op.steps.length > 0 ? op.steps.map((s) => s.name) : p?.stepName ? Array.from({ length: p.totalSteps }, (_, i) => (i === p.step - 1 ? p.stepName! : `step ${i + 1}`)) : [], this.log)}
      </section>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <table aria-label="Steps">
          <thead><tr><th scope="col">Step</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Message</th></tr></thead>
          <tbody>${op.steps.map((s) => html`<tr><th scope="row">${s.name}</th><td>${s.role ?? ''}</td><td class="status" data-status=${s.status}>${s.status}</td><td>${when(s.startTime)}</td><td>${when(s.endTime)}</td><td>${s.message ?? ''}</td></tr>`)}</tbody>
        </table>
      </section>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        <pre class="log" tabindex="0" aria-label="Operation log">${this.log || (running ? 'Waiting for the log…' : 'No log kept.')}</pre>
      </section>`;
  }
}
customElements.define('operation-view', OperationView);
