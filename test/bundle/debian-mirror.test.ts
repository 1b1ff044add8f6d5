/**
 * The image builds (job, controller, lab machine, the bundle's base) take their Debian mirror
 * only from SLIPWAY_DEBIAN_MIRROR or the machine's own apt sources, and fail with a clear
 * message when there is none: scripts/lib/job-rootfs.sh's debian_mirror, run by bash against
 * apt configurations written into a temporary root.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO } from '../cli/cli-fixture.js';

const LIB = join(REPO, 'scripts', 'lib', 'job-rootfs.sh');

describe('debian_mirror (scripts/lib/job-rootfs.sh)', () => {
  let dir = '';
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-mirror-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A root whose /etc/apt holds `files`; debian_mirror run against it. */
  async function mirrorOf(files: Record<string, string>, env: Record<string, string> = {}) {
    const root = join(dir, `root-${++n}`);
    await mkdir(join(root, 'etc', 'apt', 'sources.list.d'), { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(root, 'etc', 'apt', name), text);
    return execa('bash', ['-c', 'source "$1"; debian_mirror "$2"', 'test', LIB, root], {
      reject: false,
      env: { ...env, SLIPWAY_DEBIAN_MIRROR: env.SLIPWAY_DEBIAN_MIRROR ?? '' },
      extendEnv: true,
    });
  }

  it('reads a deb822 source, skipping the security archive listed first', async () => {
    const r = await mirrorOf({
      'sources.list.d/debian.sources': 'Types: deb\nURIs: http://security.mirror.test/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.test/debian\nSuites: bookworm\n',
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'http://mirror.test/debian');
  });

  it('reads a one-line source with options and a trailing slash', async () => {
    const r = await mirrorOf({ 'sources.list': '# deb http://old.test/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] https://mirror.test/debian/ bookworm main\n' });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'https://mirror.test/debian');
  });

  it('prefers SLIPWAY_DEBIAN_MIRROR', async () => {
    const r = await mirrorOf({ 'sources.list': 'deb http://mirror.test/debian bookworm main\n' }, { SLIPWAY_DEBIAN_MIRROR: 'http://chosen.test/debian' });
    assert.equal(r.stdout, 'http://chosen.test/debian');
  });

  it('fails, saying what to set, when apt has no Debian source', async () => {
    const r = await mirrorOf({ 'sources.list': 'deb http://archive.test/ubuntu noble main\n' });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no Debian mirror: apt has no 'debian' source .* SLIPWAY_DEBIAN_MIRROR is unset/);
  });

  it('is the only place the image build scripts take a mirror from, and none names one', async () => {
    const scripts = ['scripts/build-controller-image.sh', 'scripts/build-job-image.sh', 'scripts/bundle/lib/image-rootfs.sh', 'scripts/lab/build-machine-image.sh', 'scripts/bundle/build.sh'];
    const r = await execa('grep', ['-nE', 'https?://', ...scripts], { cwd: REPO, reject: false });
    assert.equal(r.stdout, '', 'an address in an image build script');
    for (const s of scripts.slice(0, 4)) {
      const g = await execa('grep', ['-c', 'debian_mirror', s], { cwd: REPO, reject: false });
      assert.ok(Number(g.stdout) > 0, `${s} does not use debian_mirror`);
    }
  });
});
