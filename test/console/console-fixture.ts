/**
 * The console's browser tests: `slipway console`'s server in this process (TLS, self-signed),
 * Debian's chromium driven by playwright-core, and tenants as real ServiceAccounts whose
 * tokens are what a user would paste.
 */
import { after, before } from 'node:test';
import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { consoleCertificate } from '../../src/console/console-tls.js';
import { startConsole, type ConsoleOptions, type RunningConsole } from '../../src/console/console-server.js';
import { createLogger } from '../../src/cli/logger.js';
import { core, env, type Cleanups } from '../controller/controller-harness.js';

export const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
export const CHROMIUM = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';

export interface ConsoleUnderTest {
  console: RunningConsole;
  browser: Browser;
  /** A fresh browser profile (its own cookies) on the console's sign-in page. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
}

/** Why the browser suite skips: it runs only in `npm run test:console` (SLIPWAY_CONSOLE_SUITE), not in `npm test`. */
export function consoleSuiteSkip(): string | false {
  return process.env.SLIPWAY_CONSOLE_SUITE ? false : 'browser suite only: npm run test:console';
}

/** Starts the console and the browser before the suite's tests (call it inside the describe); stops both after. */
export function consoleUnderTest(extra: Partial<ConsoleOptions> = {}): ConsoleUnderTest {
  const t = {} as ConsoleUnderTest;
  before(async () => {
    const tls = await consoleCertificate(undefined, ['localhost', '127.0.0.1']);
    t.console = await startConsole({ kubeConfig: env.kubeConfig, host: '127.0.0.1', port: 0, tls, logger: createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' }), ...extra });
    t.browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    t.newPage = async () => {
      const context = await t.browser.newContext({ ignoreHTTPSErrors: true, viewport: SCREEN });
      const page = await context.newPage();
      await page.goto(t.console.url);
      return { context, page };
    };
  });
  after(async () => {
    await t.browser?.close();
    await t.console?.close();
  });
  return t;
}

/** A ServiceAccount `name` in `ns` bound to a ClusterRole of `rules` (none: no rights at all), and a token for it. */
export async function tenant(ns: string, name: string, rules: V1PolicyRule[], cleanups: Cleanups): Promise<{ token: string; user: string }> {
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
  if (rules.length > 0) {
    const role = env.randomName(`console-${name}`);
    await rbac.createClusterRole({ body: { metadata: { name: role }, rules } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] } });
    cleanups.push(() => rbac.deleteClusterRoleBinding({ name: role }), () => rbac.deleteClusterRole({ name: role }));
  }
  const tr = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return { token: tr.status!.token, user: `system:serviceaccount:${ns}:${name}` };
}

/** The browser window's size, so the screenshots (docs/console/) are all one size. */
const SCREEN = { width: 1280, height: 800 };

/**
 * With SLIPWAY_CONSOLE_SCREENSHOTS=<dir>, a screenshot of the window `<dir>/<name>.png` (for the
 * README), scrolled to `focus` when given.
 */
export async function screenshot(page: Page, name: string, focus?: Locator): Promise<void> {
  const dir = process.env.SLIPWAY_CONSOLE_SCREENSHOTS;
  if (!dir) return;
  if (focus) await focus.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${dir}/${name}.png` });
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
