/** Delete a cluster: its name typed and the deep deletion acknowledged, then reset.yml runs and the objects go. */
import { html, LitElement } from 'lit';
import { post } from './api.js';

export const DEEP_DELETION_ACK = 'I understand this is a deep deletion and cannot be undone';

export class ClusterDelete extends LitElement {
  static override properties = { cluster: { type: String }, typed: { state: true }, understood: { state: true }, error: { state: true }, busy: { state: true } };
  declare cluster: string;
  declare typed: string;
  declare understood: boolean;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.cluster = '';
    this.typed = '';
    this.understood = false;
    this.error = '';
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    this.busy = true;
    this.error = '';
    try {
      await post(`/api/clusters/${encodeURIComponent(this.cluster)}/delete`, { confirm: this.typed, understood: this.understood });
      location.hash = '#/';
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const ready = this.typed === this.cluster && this.understood && !this.busy;
    return html`<section aria-labelledby="delete-title" class="danger">
      <h2 id="delete-title">Delete the cluster</h2>
      <p>Runs <code>reset.yml</code> on every host (Kubernetes is removed from them), then removes the Cluster, its operations, and the inputs no other cluster uses.</p>
      <form aria-label="Delete the cluster" @submit=${(e: SubmitEvent) => this.submit(e)}>
        <label>Type the cluster name to confirm <input name="confirm" autocomplete="off" .value=${this.typed} @input=${(e: Event) => (this.typed = (e.target as HTMLInputElement).value)}></label>
        <label class="check"><input type="checkbox" name="understood" .checked=${this.understood} @change=${(e: Event) => (this.understood = (e.target as HTMLInputElement).checked)}> ${DEEP_DELETION_ACK}</label>
        <button type="submit" class="danger" ?disabled=${!ready}>Delete cluster</button>
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : ''}
    </section>`;
  }
}
customElements.define('cluster-delete', ClusterDelete);
