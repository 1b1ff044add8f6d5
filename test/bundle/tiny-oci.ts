/** Minimal single-layer OCI archives (what skopeo's oci-archive: transport reads), built with tar. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes `archive`: an image whose one layer holds /hello with `content`, for linux/amd64. */
export async function writeTinyOciArchive(archive: string, content: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-tiny-oci-'));
  try {
    const rootfs = join(dir, 'rootfs');
    const layout = join(dir, 'layout');
    await mkdir(rootfs);
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(rootfs, 'hello'), content);
    const layer = (await execa('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-C', rootfs, '-cf', '-', 'hello'], { encoding: 'buffer' })).stdout;
    const blob = async (b: Buffer): Promise<{ digest: string; size: number }> => {
      const digest = sha(b);
      await writeFile(join(layout, 'blobs', 'sha256', digest), b);
      return { digest: `sha256:${digest}`, size: b.length };
    };
    const layerDesc = await blob(Buffer.from(layer));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layerDesc.digest] } }));
    const configDesc = await blob(config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configDesc },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerDesc }],
    }));
    const manifestDesc = await blob(manifest);
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestDesc }] }));
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await execa('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
