import { parseArgs } from 'node:util';
import { bundleLayout, defaultBundleRoot, BundleNotBuiltError } from './bundle-layout.js';
import { runBundleBuild } from './bundle-build.js';
import { startServe, stopServe, ServeError } from './bundle-serve.js';
import { airgapVars, hostPort } from './serve-config.js';
import { DaemonError } from '../util/daemon.js';

export const BUNDLE_USAGE = `Usage: slipway bundle <build|serve> [options]

  build [--kube-version v1.34.4,v1.35.4]
      build every binary and image of the offline bundle (scripts/bundle/build.sh; root)
  serve [--listen 127.0.0.1] [--extra-address <ip>]... [--files-port 8080] [--registry-port 5000]
      serve the bundle: files_repo (nginx) and registry_host (docker-registry), read-only
  serve --stop
      stop what serve started

Options:
  --cache <dir>       the bundle (default: $SLIPWAY_BUNDLE_CACHE or ~/.cache/slipway/bundle)
  --state-dir <dir>   serve's pid file, configurations and logs (default: <cache>/serve)
`;

export interface BundleIO {
  out(text: string): void;
  err(text: string): void;
}

function port(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new ServeError(`--${flag} needs a port (1-65535), got ${JSON.stringify(text)}`);
  return n;
}

/** `slipway bundle …`; returns the exit code. */
export async function bundleCommand(argv: string[], io: BundleIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'kube-version': { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1' },
      'extra-address': { type: 'string', multiple: true },
      'files-port': { type: 'string', default: '8080' },
      'registry-port': { type: 'string', default: '5000' },
      stop: { type: 'boolean', default: false },
      cache: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const sub = positionals[0];
  if (values.help || !sub) {
    io.out(BUNDLE_USAGE);
    return sub || values.help ? 0 : 3;
  }
  const layout = bundleLayout(values.cache ?? defaultBundleRoot());
  const stateDir = values['state-dir'] ?? layout.serveState;
  try {
    switch (sub) {
      case 'build': {
        const kubeVersions = values['kube-version'] ? values['kube-version'].split(',').filter(Boolean) : [];
        return await runBundleBuild({ kubeVersions, cacheDir: layout.root });
      }
      case 'serve': {
        if (values.stop) {
          const stopped = await stopServe(stateDir);
          io.err(stopped.length > 0 ? `slipway: stopped ${stopped.join(', ')}\n` : 'slipway: nothing was serving\n');
          return 0;
        }
        const state = await startServe({
          layout,
          addresses: [values.listen, ...(values['extra-address'] ?? [])],
          filesPort: port('files-port', values['files-port']),
          registryPort: port('registry-port', values['registry-port']),
          stateDir,
        });
        io.err(`slipway: serving ${layout.root}: files on ${state.files.map(hostPort).join(', ')}, registry on ${state.registries.map(hostPort).join(', ')} (pid file ${stateDir}/serve.json)\n`);
        io.err('slipway: the registry is plain HTTP: containerd needs it as an insecure mirror (containerd_registries_mirrors below)\n');
        for (const [i, files] of state.files.entries()) {
          io.out(`# hosts that reach ${files.address}:\n${airgapVars(files, state.registries[i]!)}`);
        }
        return 0;
      }
      default:
        io.err(`slipway: unknown bundle command ${JSON.stringify(sub)}\n\n${BUNDLE_USAGE}`);
        return 3;
    }
  } catch (err) {
    if (err instanceof ServeError || err instanceof BundleNotBuiltError || err instanceof DaemonError) {
      io.err(`slipway: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
