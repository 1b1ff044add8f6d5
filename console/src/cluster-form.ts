/** Add a cluster: names, node rows, the SSH key (into a Secret), version, advanced settings; then back to the list. */
import { html, LitElement } from 'lit';
import { post } from './api.js';

interface Row {
  name: string;
  ip: string;
  user: string;
}

type Kind = 'controlPlanes' | 'workers';
const LABEL: Record<Kind, string> = { controlPlanes: 'Control-plane node', workers: 'Worker node' };

export class ClusterForm extends LitElement {
  static override properties = { controlPlanes: { state: true }, workers: { state: true }, error: { state: true }, busy: { state: true } };
  declare controlPlanes: Row[];
  declare workers: Row[];
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.controlPlanes = [{ name: '', ip: '', user: 'root' }];
    this.workers = [];
    this.error = '';
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  private edit(kind: Kind, i: number, field: keyof Row, value: string): void {
    this[kind] = this[kind].map((r, j) => (j === i ? { ...r, [field]: value } : r));
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    this.busy = true;
    this.error = '';
    try {
      await post('/api/clusters', {
        name: text('name'),
        namespace: text('namespace'),
        controlPlanes: this.controlPlanes,
        workers: this.workers,
        privateKey: String(f.get('privateKey') ?? ''),
        knownHosts: String(f.get('knownHosts') ?? ''),
        version: text('version'),
        registry: text('registry'),
        cni: text('cni'),
        podCidr: text('podCidr'),
        serviceCidr: text('serviceCidr'),
      });
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
          <label>SSH user <input aria-label="${LABEL[kind]} ${i + 1} SSH user" .value=${r.user} required @input=${(e: Event) => this.edit(kind, i, 'user', (e.target as HTMLInputElement).value)}></label>
          <button type="button" aria-label="Remove ${LABEL[kind].toLowerCase()} ${i + 1}" @click=${() => (this[kind] = this[kind].filter((_, j) => j !== i))}>Remove</button>
        </div>`,
      )}
      <button type="button" @click=${() => (this[kind] = [...this[kind], { name: '', ip: '', user: 'root' }])}>Add ${LABEL[kind].toLowerCase()}</button>
    </fieldset>`;
  }

  override render() {
    return html`<p><a href="#/">← Clusters</a></p>
      <h1>Add cluster</h1>
      <form class="cluster-form" @submit=${(e: SubmitEvent) => this.submit(e)}>
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
        <button type="submit" ?disabled=${this.busy}>Create</button>
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : ''}`;
  }
}
customElements.define('cluster-form', ClusterForm);
