/**
 * The conventions every command keeps: help, version, completion, "did you mean", and the
 * exit-code table (each kind of outcome run for real, its code checked).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { loadTestEnv } from '../env/index.js';
import { CLI, REPO, clusterManifests } from './cli-fixture.js';

const env = loadTestEnv();
const CM = { actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'actions' } };
const slipway = (args: string[], extra: { env?: Record<string, string> } = {}) =>
  execa('node', [CLI, ...args], { cwd: REPO, reject: false, timeout: 60_000, ...(extra.env ? { env: extra.env } : {}) });

describe('slipway help, version and completion', () => {
  it('prints help on stdout with exit 0 when asked for, on stderr with exit 2 when no command is given', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const r = await slipway(args);
      assert.equal(r.exitCode, 0, args.join(' '));
      assert.match(r.stdout, /^Usage: slipway \[options\] \[command\]/);
      assert.match(r.stdout, /Exit codes:\n {2}0 {4}done/);
      assert.equal(r.stderr, '');
    }
    const bare = await slipway([]);
    assert.equal(bare.exitCode, 2);
    assert.equal(bare.stdout, '');
    assert.match(bare.stderr, /^Usage: slipway/);
    for (const args of [['help', 'retry'], ['retry', '--help']]) {
      const r = await slipway(args);
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, /^Usage: slipway retry \[options\] <operation>/);
      assert.match(r.stdout, /--dry-run/);
      assert.match(r.stdout, /--context <name>/);
    }
    const lab = await slipway(['help', 'lab']);
    assert.equal(lab.exitCode, 0);
    assert.match(lab.stdout, /^Usage: slipway lab <up\|ls\|down>/);
  });

  it('prints the version from package.json, with the commit, also as JSON', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const head = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO })).stdout;
    for (const args of [['version'], ['--version']]) {
      const r = await slipway(args);
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout.split('\n')[0], `slipway ${pkg.version} (commit ${head})`);
    }
    const json = JSON.parse((await slipway(['version', '-o', 'json'])).stdout) as { version: string; commit: string; node: string };
    assert.deepEqual([json.version, json.commit, json.node], [pkg.version, head, process.version]);
  });

  it('generates a bash completion that completes commands, subcommands and flags', async () => {
    const script = (await slipway(['completion', 'bash'])).stdout;
    const dir = await mkdtemp(join(tmpdir(), 'slipway-completion-'));
    try {
      await writeFile(join(dir, 'slipway.bash'), script);
      const complete = async (...words: string[]): Promise<string[]> => {
        const line = ['slipway', ...words];
        const r = await execa('bash', ['-c', `source ${join(dir, 'slipway.bash')}
COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}
_slipway_complete; printf '%s\\n' "\${COMPREPLY[@]}"`]);
        return r.stdout.split('\n').filter(Boolean).sort();
      };
      assert.deepEqual(await complete('re'), ['retry']);
      assert.deepEqual(await complete('co'), ['completion', 'console', 'controller']);
      assert.deepEqual(await complete('completion', ''), ['--help', '-h']);
      assert.deepEqual(await complete('logs', 'x', '--f'), ['--follow']);
      assert.ok((await complete('')).includes('run'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    for (const shell of ['zsh', 'fish']) {
      const r = await slipway(['completion', shell]);
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, shell === 'zsh' ? /^#compdef slipway/ : /complete -c slipway -n '__fish_use_subcommand' -a run/m);
    }
    const bad = await slipway(['completion', 'tcsh']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /Allowed choices are bash, zsh, fish/);
  });
});

describe('exit codes', () => {
  it('2: unknown command or flag (with the nearest match), missing argument, missing file', async () => {
    const cases: [string[], RegExp][] = [
      [['rnu'], /slipway: unknown command 'rnu'\n\(Did you mean run\?\)/],
      [['help', 'rety'], /unknown command 'rety'\n\(Did you mean retry\?\)/],
      [['run', '-f', 'x', '--operatoin', 'a'], /slipway run: unknown option '--operatoin'\n\(Did you mean --operation\?\)/],
      [['logs'], /slipway logs: missing required argument 'operation'/],
      [['plan'], /required option '-f, --filename <path>' not specified/],
      [['plan', '-f', '/nonexistent/manifests.yml'], /^slipway plan: -f \/nonexistent\/manifests\.yml: no such file or directory$/],
      [['logs', 'op', '--kubeconfig', '/nonexistent/kubeconfig'], /^slipway logs: --kubeconfig \/nonexistent\/kubeconfig: no such file or directory$/],
      [['logs', 'op', '--kubeconfig', env.kubeconfigPath, '--context', 'nope'], /--context nope: no such context/],
      [['run', '-f', REPO, '--max-hosts', 'many'], /--max-hosts needs a whole number >= 1, got "many"/],
      [['lab', '--bogus'], /slipway lab: Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await slipway(args);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /ENOENT|at .*\.js:\d+/);
    }
  });

  it('2: input rejected before anything ran; 1: the management cluster says no', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-exit-'));
    try {
      await writeFile(join(dir, 'op.yml'), 'apiVersion: kubean.io/v1alpha1\nkind: ClusterOperation\nmetadata:\n  name: no-cluster\nspec:\n  cluster: missing\n  actionType: playbook\n  action: ping.yml\n');
      const rejected = await slipway(['plan', '-f', join(dir, 'op.yml')]);
      assert.equal(rejected.exitCode, 2, rejected.stderr);
      assert.match(rejected.stderr, /missing-cluster|not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const missing = await slipway(['cancel', env.randomName('none'), '--kubeconfig', env.kubeconfigPath]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /^slipway cancel: ClusterOperation \S+ not found$/);
  });

  it('1: the operation failed; 130: interrupted, the operation ends Cancelled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-exit-'));
    try {
      await writeFile(join(dir, 'fail.yml'), await clusterManifests(env, { operation: { actionType: 'shell', action: 'fail.sh', ...CM }, actions: { 'fail.sh': 'exit 3\n' } }));
      const failed = await slipway(['run', '--allow-loopback-hosts', '-f', join(dir, 'fail.yml'), '--log-dir', join(dir, 'logs')]);
      assert.equal(failed.exitCode, 1, failed.stderr);
      assert.match(failed.stdout, /Result: Failed/);
      // Not a terminal: no colour codes in the output.
      assert.ok(!failed.stdout.includes('\x1b['), 'no colour codes');
      // Structured logs only with -v: no JSON lines amid the human view.
      assert.doesNotMatch(failed.stderr, /"level":/);

      await writeFile(join(dir, 'slow.yml'), await clusterManifests(env, { operation: { actionType: 'shell', action: 'slow.sh', ...CM }, actions: { 'slow.sh': 'sleep 120\n' } }));
      const statusOut = join(dir, 'status.json');
      const child = spawn(process.execPath, [CLI, 'run', '--allow-loopback-hosts', '-f', join(dir, 'slow.yml'), '--log-dir', join(dir, 'logs'), '--status-out', statusOut], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('[1/1]')) resolve();
      }));
      child.stderr.resume();
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, stdout);
      const status = JSON.parse(await readFile(statusOut, 'utf8')) as Record<string, { status?: string }>;
      assert.equal(status['ClusterOperation/t-op']?.status, 'Cancelled', JSON.stringify(status));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
