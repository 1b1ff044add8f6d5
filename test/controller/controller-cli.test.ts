import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort } from '../../src/util/free-port.js';
import { loadTestEnv } from '../env/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const env = loadTestEnv();

describe('slipway controller (command line)', () => {
  it('stops at once with a clear error, password hidden, when Redis is unreachable', async () => {
    const port = await freePort();
    const r = await execa('node', [CLI, 'controller', '--namespace=default', `--redis-url=redis://user:hunter2@127.0.0.1:${port}`, `--kubeconfig=${env.kubeconfigPath}`], {
      reject: false,
      timeout: 30_000,
      env: { SLIPWAY_LOG_LEVEL: 'silent' },
    });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  it('warns loudly with --admission off, and refuses another mode', async () => {
    const port = await freePort();
    const r = await execa('node', [CLI, 'controller', '--namespace=default', `--redis-url=redis://127.0.0.1:${port}`, `--kubeconfig=${env.kubeconfigPath}`, '--admission=off'], {
      reject: false,
      timeout: 30_000,
      env: { SLIPWAY_LOG_LEVEL: 'warn' },
    });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout + r.stderr, /WARNING: --admission off: refs are not authorised as their author/);
    const m = await execa('node', [CLI, 'controller', '--namespace=x', '--redis-url=redis://127.0.0.1:1', '--admission=optional'], { reject: false });
    assert.equal(m.exitCode, 2);
    assert.match(m.stderr, /--admission must be required or off, not "optional"/);
  });

  it('refuses a missing namespace or Redis URL as usage errors', async () => {
    const r = await execa('node', [CLI, 'controller', '--redis-url=redis://127.0.0.1:1'], { reject: false, env: { SLIPWAY_REDIS_URL: '' } });
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /--namespace is required/);
    const s = await execa('node', [CLI, 'controller', '--namespace=x'], { reject: false, env: { SLIPWAY_REDIS_URL: '' } });
    assert.equal(s.exitCode, 2);
    assert.match(s.stderr, /SLIPWAY_REDIS_URL is required/);
    const c = await execa('node', [CLI, 'controller', '--namespace=x', '--redis-url=redis://127.0.0.1:1', '--concurrency=0'], { reject: false });
    assert.equal(c.exitCode, 2);
    assert.match(c.stderr, /--concurrency needs a whole number >= 1, got "0"/);
    const p = await execa('node', [CLI, 'controller', '--namespace=x', '--redis-url=redis://127.0.0.1:1', '--job-image-pull-secret=regcred', '--job-image-pull-secret=Not_A_Name'], { reject: false });
    assert.equal(p.exitCode, 2);
    assert.match(p.stderr, /--job-image-pull-secret needs a Secret name, got "Not_A_Name"/);
  });
});
