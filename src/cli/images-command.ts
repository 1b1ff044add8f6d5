import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { BundleNotBuiltError, bundleLayout, defaultBundleRoot, readBundleIndex } from '../bundle/bundle-layout.js';
import { helmValuesFor, ImagesPushError, normaliseRegistry, pinnedRef, pushImages, slipwayImagesOf, type PushedImage } from '../bundle/images-push.js';

export const IMAGES_USAGE = `Usage: slipway images push --registry <host[:port][/path]> [options]

Pushes Slipway's controller, job and Redis images from the offline bundle into your registry
(with skopeo), then prints the Helm values that pull them (pinned by digest).

Options:
  --registry <reg>      where to push, e.g. registry.example.com:5000/slipway
  --insecure            plain HTTP, or HTTPS without verifying the certificate
  --creds-file <file>   registry credentials, a containers-auth.json (podman/skopeo login,
                        ~/.docker/config.json); default: skopeo's own lookup
  --values-out <file>   also write the Helm values to this file
  --cache <dir>         the bundle (default: $SLIPWAY_BUNDLE_CACHE or ~/.cache/slipway/bundle)
  -h, --help

Exit codes: 0 pushed, 1 a push failed or no bundle, 2 usage.
`;

export interface ImagesIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: ImagesIO = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** The Helm values, led by a comment naming each pushed image. Valid YAML. */
export function valuesDocument(registry: string, pushed: PushedImage[]): string {
  const width = Math.max(...pushed.map((p) => p.name.length));
  const lines = pushed.map((p) => `#   ${p.name.padEnd(width)}  ${pinnedRef(p)}`);
  return [`# Slipway's images in ${registry} (slipway images push):`, ...lines, stringify(helmValuesFor(registry, pushed))].join('\n');
}

/** `slipway images …`; returns the exit code. */
export async function imagesCommand(argv: string[], io: ImagesIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        registry: { type: 'string' },
        insecure: { type: 'boolean', default: false },
        'creds-file': { type: 'string' },
        'values-out': { type: 'string' },
        cache: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`slipway images: ${(err as Error).message}\n\n${IMAGES_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(IMAGES_USAGE);
    return 0;
  }
  if (positionals[0] !== 'push' || positionals.length > 1) {
    io.err(`slipway images: ${positionals[0] ? `unknown subcommand ${JSON.stringify(positionals.join(' '))}` : 'needs a subcommand'}; did you mean \`slipway images push\`?\n\n${IMAGES_USAGE}`);
    return 2;
  }
  if (!values.registry) {
    io.err(`slipway images push: --registry is required\n\n${IMAGES_USAGE}`);
    return 2;
  }
  try {
    const registry = normaliseRegistry(values.registry);
    const sources = slipwayImagesOf(readBundleIndex(bundleLayout(values.cache ?? defaultBundleRoot())));
    const pushed = await pushImages(sources, { registry, insecure: values.insecure, ...(values['creds-file'] ? { authFile: values['creds-file'] } : {}) }, (ref) =>
      io.err(`pushing ${ref}\n`),
    );
    const doc = valuesDocument(registry, pushed);
    if (values['values-out']) {
      await writeFile(values['values-out'], doc);
      io.err(`wrote the Helm values to ${values['values-out']}\n`);
    }
    io.out(doc);
    return 0;
  } catch (err) {
    if (err instanceof ImagesPushError && err.code === 'registry-invalid') {
      io.err(`slipway images push: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ImagesPushError || err instanceof BundleNotBuiltError) {
      io.err(`slipway images push: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
