/**
 * `npm test`: starts the whole test environment once, runs the compiled tests against it with
 * Node's test runner, tears everything down and exits with the tests' exit code.
 * Arguments, if any, are the test files to run instead of every dist/test/**\/*.test.js.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonError, logTail } from '../../src/util/daemon.js';
import { startTestEnvironment } from './environment.js';
import { TEST_ENV_VAR } from './index.js';
import { MissingBinariesError, resolveKubeBinaries } from './kube-binaries.js';
import { repoRoot } from './repo-root.js';
import { Teardown } from './teardown.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** After a signal, how long startup may take to wind down before we exit anyway. */
const SIGNAL_GRACE_MS = 15_000;

const log = (message: string): void => console.error(`test-env: ${message}`);

function defaultTestFiles(): string[] {
  const dir = join(repoRoot(), 'dist', 'test');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(dir, f));
}

/** Typed errors of the environment explain themselves; anything else gets its stack. */
function describe(err: unknown): string {
  if (err instanceof MissingBinariesError || err instanceof DaemonError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

function runTests(files: string[], stateFile: string, kubeconfig: string): { done: Promise<number>; kill(sig: NodeJS.Signals): void } {
  // One file at a time: the controllers that test files start each watch every (cluster-scoped)
  // ClusterOperation, so two files' controllers would take each other's operations. Files that
  // start none may run side by side with SLIPWAY_TEST_CONCURRENCY.
  const concurrency = process.env.SLIPWAY_TEST_CONCURRENCY ?? '1';
  const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    // KUBECONFIG too, so nothing in a test can reach the developer's real cluster by accident.
    env: { ...process.env, [TEST_ENV_VAR]: stateFile, KUBECONFIG: kubeconfig },
  });
  const done = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
    child.once('error', (err) => {
      log(`could not start the test runner: ${err.message}`);
      resolve(1);
    });
  });
  return { done, kill: (sig) => void child.kill(sig) };
}

function printLogTails(logsDir: string): void {
  let files: string[];
  try {
    files = readdirSync(logsDir).filter((f) => f.endsWith('.log')).sort();
  } catch {
    return;
  }
  for (const f of files) {
    const tail = logTail(join(logsDir, f), 30);
    if (tail) console.error(`\n----- ${f} (last 30 lines) -----\n${tail}`);
  }
}

async function main(args: string[]): Promise<number> {
  try {
    resolveKubeBinaries();
  } catch (err) {
    log(describe(err));
    return 1;
  }
  const runDir = await mkdtemp(join(tmpdir(), 'slipway-test-'));
  const logsDir = join(runDir, 'logs');
  const teardown = new Teardown();
  const abort = new AbortController();
  let tests: ReturnType<typeof runTests> | undefined;
  let signalled: NodeJS.Signals | undefined;

  process.on('exit', () => teardown.killAllSync());
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (signalled) {
        log(`second ${sig}: exiting now`);
        process.exit(exitCodeOf(null, sig));
      }
      signalled = sig;
      log(`${sig}: stopping the tests and the environment`);
      tests?.kill(sig);
      abort.abort(new Error(`interrupted by ${sig}`));
      void teardown.stopAll();
      setTimeout(() => process.exit(exitCodeOf(null, sig)), SIGNAL_GRACE_MS).unref();
    });
  }

  let code: number;
  try {
    const t0 = Date.now();
    const { stateFile, state } = await startTestEnvironment(runDir, teardown, { log, signal: abort.signal });
    log(`environment up in ${Date.now() - t0} ms (${runDir})`);
    if (signalled) {
      code = exitCodeOf(null, signalled);
    } else {
      tests = runTests(args.length > 0 ? args : defaultTestFiles(), stateFile, state.kubeconfigPath);
      code = await tests.done;
    }
  } catch (err) {
    if (signalled) log('environment start interrupted');
    else log(`environment failed to start: ${describe(err)}`);
    code = 1;
  }

  const failedStops = await teardown.stopAll();
  if (failedStops.length > 0) log(`could not stop: ${failedStops.join(', ')}`);
  if (signalled) {
    if (!process.env.SLIPWAY_KEEP_RUN_DIR) await rm(runDir, { recursive: true, force: true });
    return exitCodeOf(null, signalled);
  }
  if (code !== 0) {
    printLogTails(logsDir);
    log(`run failed (exit ${code}); run directory kept: ${runDir}`);
  } else if (process.env.SLIPWAY_KEEP_RUN_DIR) {
    log(`run directory kept: ${runDir}`);
  } else {
    await rm(runDir, { recursive: true, force: true });
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`unexpected failure: ${describe(err)}`);
    process.exit(1);
  },
);
