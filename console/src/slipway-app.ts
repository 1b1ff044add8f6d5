/** The console's root: the sign-in page until there is a session, then the page the URL's hash names. */
import { html, LitElement } from 'lit';
import { currentSession, SESSION_ENDED, signOut, type SessionInfo } from './api.js';
import './login-view.js';
import './cluster-list.js';
import './cluster-details.js';
import './operation-view.js';
import './cluster-form.js';

type Route = { page: 'list' } | { page: 'new' } | { page: 'cluster'; name: string } | { page: 'operation'; name: string };

function route(): Route {
  if (location.hash === '#/new') return { page: 'new' };
  const [, kind, name] = /^#\/(clusters|operations)\/([^/]+)$/.exec(location.hash) ?? [];
  if (kind && name) return { page: kind === 'clusters' ? 'cluster' : 'operation', name: decodeURIComponent(name) };
  return { page: 'list' };
}

export class SlipwayApp extends LitElement {
  static override properties = { session: { state: true }, checked: { state: true }, route: { state: true }, notice: { state: true } };
  declare session: SessionInfo | undefined;
  declare checked: boolean;
  declare route: Route;
  declare notice: string;

  constructor() {
    super();
    this.session = undefined;
    this.checked = false;
    this.route = route();
    this.notice = '';
  }

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', () => (this.route = route()));
    window.addEventListener(SESSION_ENDED, () => {
      if (!this.session) return;
      this.session = undefined;
      this.notice = 'Your session ended: sign in again.';
    });
    void currentSession().then(
      (s) => {
        this.session = s;
        this.checked = true;
      },
      () => (this.checked = true),
    );
  }

  private async signOut(): Promise<void> {
    await signOut().catch(() => undefined);
    this.session = undefined;
    this.notice = 'You are signed out.';
  }

  override render() {
    if (!this.checked) return html`<p role="status">Loading…</p>`;
    if (!this.session) {
      return html`<header class="bar"><span class="brand">Slipway</span></header>
        <main>
          ${this.notice ? html`<p role="status" class="notice">${this.notice}</p>` : ''}
          <login-view @signed-in=${(e: CustomEvent<SessionInfo>) => {
            this.session = e.detail;
            this.notice = '';
          }}></login-view>
        </main>`;
    }
    const r = this.route;
    return html`<header class="bar">
        <a class="brand" href="#/">Slipway</a>
        <nav aria-label="Main"><a href="#/">Clusters</a></nav>
        <span class="who">Signed in as <strong>${this.session.user}</strong></span>
        <button type="button" @click=${() => this.signOut()}>Sign out</button>
      </header>
      <main>
        ${r.page === 'cluster'
          ? html`<cluster-details .name=${r.name}></cluster-details>`
          : r.page === 'operation'
            ? html`<operation-view .name=${r.name}></operation-view>`
            : r.page === 'new'
              ? html`<cluster-form></cluster-form>`
              : html`<cluster-list></cluster-list>`}
      </main>`;
  }
}
customElements.define('slipway-app', SlipwayApp);
