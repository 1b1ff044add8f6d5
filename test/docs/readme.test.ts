import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { probeTcp } from '../../src/hosts/tcp-probe.js';
import { binCacheDir } from '../env/kube-binaries.js';
import { repoRoot } from '../env/repo-root.js';
import { anchorsOf, blockNamed, relativeLinks, shellBlocks } from './readme-blocks.js';

const REPO = repoRoot();
const README = join(REPO, 'README.md');
const pages = [README, ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(REPO, 'docs', f))];
const RUNNERS = ['try-run', 'demo-controller'];

/** Runs a README block as a newcomer would paste it: bash from the repository, a HOME of its own. */
function runBlock(code: string, home: string) {
  return execa('bash', ['-euo', 'pipefail', '-c', code], {
    cwd: REPO,
    reject: false,
    all: true,
    timeout: 300_000,
    env: { HOME: home, SLIPWAY_BIN_CACHE: binCacheDir(), XDG_STATE_HOME: '', XDG_CACHE_HOME: '' },
  });
}

describe('README', () => {
  it('marks every shell block as run by a test here or says why not', () => {
    const blocks = shellBlocks(readFileSync(README, 'utf8'));
    assert.ok(blocks.length >= 5, `only ${blocks.length} shell blocks found`);
    for (const b of blocks) {
      assert.ok(b.marker, `README.md line ${b.line}: a shell block without a readme-test marker`);
      assert.ok(b.marker.startsWith('skip (') || RUNNERS.includes(b.marker), `README.md line ${b.line}: no test runs block "${b.marker}"`);
    }
  });

  it('links only to files and headings that exist', () => {
    for (const page of pages) {
      for (const { target, line } of relativeLinks(readFileSync(page, 'utf8'))) {
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const path = file ? resolve(dirname(page), file) : page;
        assert.ok(existsSync(path), `${page.slice(REPO.length)} line ${line}: ${target} does not exist`);
        if (anchor) assert.ok(anchorsOf(readFileSync(path, 'utf8')).has(anchor), `${page.slice(REPO.length)} line ${line}: no heading for #${anchor}`);
      }
    }
  });

  it('"try it": plan and run examples/local on local sshd hosts', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-readme-'));
    try {
      const r = await runBlock(blockNamed(readFileSync(README, 'utf8'), 'try-run').code, home);
      assert.equal(r.exitCode, 0, r.all);
      assert.match(r.all ?? '', /local-demo-check/);
      assert.match(r.all ?? '', /Succeeded/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('"the controller, watched live": demo:controller, then the commands of the second terminal', async () => {
    const home = await mkdtemp(join(tmpdir(), 'slipway-readme-'));
    const demo = spawn('bash', [join(REPO, 'scripts', 'demo-controller.sh')], {
      cwd: REPO,
      env: { ...process.env, HOME: home, SLIPWAY_BIN_CACHE: binCacheDir(), XDG_STATE_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((res) => demo.once('exit', (code) => res(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!/Ctrl-C here stops everything/.test(output)) {
        assert.ok(Date.now() < deadline && demo.exitCode === null, `the demo did not get ready:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await runBlock(blockNamed(readFileSync(README, 'utf8'), 'demo-controller').code, home);
      assert.equal(r.exitCode, 0, `${r.all}\n--- demo:\n${output}`);
      assert.match(r.all ?? '', /local-demo-check.*Succeeded/);
      assert.match(r.all ?? '', /local-demo/);
      assert.match(r.all ?? '', /ping\.yml/, 'the kept log shows the steps');
    } finally {
      demo.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 0, output);
      assert.ok(!existsSync(join(home, '.local', 'state', 'slipway', 'demo-controller')), 'the demo removed its state');
      assert.equal(await probeTcp({ host: '127.0.0.11', port: 2222, expect: '', timeoutMs: 500 }), false, 'its sshd hosts are gone');
      await rm(home, { recursive: true, force: true });
    }
  });
});
