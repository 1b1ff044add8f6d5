/** Scale out (one worker at a time), remove a node, upgrade: each creates its operation, then shows it. */
import { html, LitElement } from 'lit';
import { post } from './api.js';

/** "name IP [user]" lines into node rows (user root by default); the server checks them. */
const rows = (text: string) =>
  text.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0]).map(([name = '', ip = '', user = 'root']) => ({ name, ip, user }));

export class ClusterChanges extends LitElement {
  static override properties = { cluster: { type: String }, upgrades: { type: Array }, error: { state: true }, busy: { state: true }, upgradeTyped: { state: true } };
  declare cluster: string;
  /** The versions the bundle serves that this cluster may upgrade to (the server filtered them). */
  declare upgrades: string[];
  declare error: string;
  declare busy: boolean;
  /** The cluster's name as typed to confirm an upgrade: Upgrade is enabled only when it matches. */
  declare upgradeTyped: string;

  constructor() {
    super();
    this.cluster = '';
    this.upgrades = [];
    this.error = '';
    this.busy = false;
    this.upgradeTyped = '';
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  private async run(e: SubmitEvent, what: 'scale-out' | 'scale-in' | 'upgrade' | 'control-plane/grow' | 'control-plane/shrink', body: (f: FormData) => unknown): Promise<void> {
    e.preventDefault();
    this.busy = true;
    this.error = '';
    try {
      const r = await post<{ operation: string }>(`/api/clusters/${encodeURIComponent(this.cluster)}/${what}`, body(new FormData(e.target as HTMLFormElement)));
      location.hash = `#/operations/${encodeURIComponent(r.operation)}`;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const text = (f: FormData, k: string) => String(f.get(k) ?? '').trim();
    return html`<section aria-labelledby="changes-title">
      <h2 id="changes-title">Change the cluster</h2>
      <form class="change" aria-label="Scale out" @submit=${(e: SubmitEvent) => this.run(e, 'scale-out', (f) => ({ workers: [{ name: text(f, 'name'), ip: text(f, 'ip'), user: text(f, 'user') }] }))}>
        <label>New worker name <input name="name" required></label>
        <label>New worker IP <input name="ip" required></label>
        <label>New worker SSH user <input name="user" required value="root"></label>
        <button type="submit" ?disabled=${this.busy}>Scale out</button>
      </form>
      <form class="change" aria-label="Remove a node" @submit=${(e: SubmitEvent) => this.run(e, 'scale-in', (f) => ({ node: text(f, 'node') }))}>
        <label>Node to remove <input name="node" required></label>
        <button type="submit" ?disabled=${this.busy}>Remove node</button>
      </form>
      <form class="change" aria-label="Add control planes" @submit=${(e: SubmitEvent) => this.run(e, 'control-plane/grow', (f) => ({ controlPlanes: rows(text(f, 'planes')) }))}>
        <label>New control planes (one per line: name IP [SSH user]) <textarea name="planes" rows="2" required spellcheck="false"></textarea></label>
        <button type="submit" ?disabled=${this.busy}>Add control planes</button>
      </form>
      <form class="change" aria-label="Remove control planes" @submit=${(e: SubmitEvent) => this.run(e, 'control-plane/shrink', (f) => ({ nodes: text(f, 'nodes').split(/[\s,]+/).filter(Boolean) }))}>
        <label>Control planes to remove (comma-separated) <input name="nodes" required></label>
        <button type="submit" ?disabled=${this.busy}>Remove control planes</button>
      </form>
      <form class="change" aria-label="Upgrade" @submit=${(e: SubmitEvent) => this.run(e, 'upgrade', (f) => ({ version: text(f, 'version'), confirm: this.upgradeTyped }))}>
        ${this.upgrades.length === 0
          ? html`<p>No upgrade available: the bundle serves no higher version at most one minor up.</p>`
          : html`<label>Upgrade to version <select name="version" required>${this.upgrades.map((v) => html`<option>${v}</option>`)}</select></label>
              <label>Type the cluster name to confirm the upgrade <input name="confirm" autocomplete="off" .value=${this.upgradeTyped} @input=${(e: Event) => (this.upgradeTyped = (e.target as HTMLInputElement).value)}></label>
              <button type="submit" ?disabled=${this.busy || this.upgradeTyped !== this.cluster}>Upgrade</button>`}
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : ''}
    </section>`;
  }
}
customElements.define('cluster-changes', ClusterChanges);
