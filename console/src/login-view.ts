/** Sign in with a Kubernetes bearer token; the field is emptied whatever the answer. */
import { html, LitElement } from 'lit';
import { signIn } from './api.js';

export class LoginView extends LitElement {
  static override properties = { error: { state: true }, busy: { state: true } };
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.error = '';
    this.busy = false;
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = form.elements.namedItem('token') as HTMLInputElement;
    const token = field.value;
    field.value = '';
    this.busy = true;
    this.error = '';
    try {
      const session = await signIn(token);
      this.dispatchEvent(new CustomEvent('signed-in', { detail: session, bubbles: true }));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<section class="login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <p>Paste a Kubernetes bearer token (for example from <code>kubectl create token &lt;service-account&gt;</code>).
        Everything you do here is done as that user: Kubernetes RBAC decides what you see and may change.</p>
      <form @submit=${(e: SubmitEvent) => this.submit(e)}>
        <label for="token">Bearer token</label>
        <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false">
        <button type="submit" ?disabled=${this.busy}>Sign in</button>
      </form>
      ${this.error ? html`<p role="alert" class="error">${this.error}</p>` : ''}
    </section>`;
  }
}
customElements.define('login-view', LoginView);
