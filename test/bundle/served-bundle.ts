import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { bundleLayout, readBundleIndex, BundleNotBuiltError, type BundleIndex, type BundleLayout } from '../../src/bundle/bundle-layout.js';
import { freePort } from '../../src/util/free-port.js';
import { repoRoot } from '../env/repo-root.js';

/**
 * The bundle tests need a built bundle (scripts/bundle/build.sh) and run in the slow suite
 * (`npm run test:lab`, which sets SLIPWAY_SLOW_SUITE). Without a bundle they skip, unless
 * SLIPWAY_REQUIRE_BUNDLE is set (CI), where a missing bundle fails them.
 */
export function bundleSkipReason(): string | false {
  if (!process.env.SLIPWAY_SLOW_SUITE) return 'slow suite only: npm run test:lab';
  try {
    readBundleIndex(bundleLayout());
    return false;
  } catch (err) {
    if (err instanceof BundleNotBuiltError && !process.env.SLIPWAY_REQUIRE_BUNDLE) {
      return `${err.message}; set SLIPWAY_REQUIRE_BUNDLE=1 to fail instead`;
    }
    throw err;
  }
}

export interface ServedBundle {
  layout: BundleLayout;
  index: BundleIndex;
  filesUrl: string;
  /** host:port of the registry, as registry_host. */
  registryHost: string;
  stop(): Promise<void>;
}

export function cli(args: string[], opts: { reject?: boolean } = {}) {
  return execa(process.execPath, [join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], { reject: opts.reject ?? true, timeout: 120_000 });
}

/** `slipway bundle serve` on free loopback ports with its own state directory. */
export async function serveBundle(): Promise<ServedBundle> {
  const layout = bundleLayout();
  const stateDir = await mkdtemp(join(tmpdir(), 'slipway-bundle-serve-'));
  const [filesPort, registryPort] = [await freePort(), await freePort()];
  await cli(['bundle', 'serve', '--state-dir', stateDir, '--files-port', String(filesPort), '--registry-port', String(registryPort)]);
  return {
    layout,
    index: readBundleIndex(layout),
    filesUrl: `http://127.0.0.1:${filesPort}`,
    registryHost: `127.0.0.1:${registryPort}`,
    async stop() {
      await cli(['bundle', 'serve', '--stop', '--state-dir', stateDir]);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
