/**
 * The environment a step runs with, wherever it runs: the local executor and the job image's
 * entrypoint start from the same settings. Pure.
 */
import { join } from 'node:path';
import { BUILTIN_LINK, type Step } from './plan-types.js';

/**
 * Slipway's callbacks (playbooks/callback_plugins/): the progress events, and the wrapper that
 * ends a stopped step's remote commands also with pipelining (slipway_hangup.py).
 */
export const SLIPWAY_CALLBACKS = 'slipway_events,slipway_hangup';
/** Relative to the work directory: ansible resolves relative plugin paths from its cwd. */
export const CALLBACK_DIR = `${BUILTIN_LINK}/callback_plugins`;
export const CACHE_PLUGIN_DIR = `${BUILTIN_LINK}/cache_plugins`;
/** The operation's fact cache, relative to the work directory: kept from step to step. */
export const FACT_CACHE_DIR = 'facts';

/**
 * What a step gets whatever machine it runs on: the operation's interpreter cache, the step's
 * own settings, and our callbacks added to whatever callbacks the step enables; the default
 * stdout callback stays for the human log. Paths are under `workDir`, or relative to the work
 * directory (the step's cwd) without one.
 */
export function stepSettings(step: Step, workDir = ''): Record<string, string> {
  const callbackDir = join(workDir, CALLBACK_DIR);
  const theirPlugins = step.env.ANSIBLE_CALLBACK_PLUGINS;
  const theirCallbacks = step.env.ANSIBLE_CALLBACKS_ENABLED;
  return {
    PYTHONUNBUFFERED: '1',
    // Keeps ansible from writing __pycache__ next to our plugins in the builtin dir.
    PYTHONDONTWRITEBYTECODE: '1',
    ANSIBLE_NOCOLOR: '1',
    // Each host's discovered python interpreter, kept from step to step of the operation so
    // only its first step pays for the discovery; facts are gathered afresh by each step
    // (playbooks/cache_plugins/slipway_interpreters.py says why).
    ANSIBLE_CACHE_PLUGIN: 'slipway_interpreters',
    ANSIBLE_CACHE_PLUGINS: join(workDir, CACHE_PLUGIN_DIR),
    ANSIBLE_CACHE_PLUGIN_CONNECTION: join(workDir, FACT_CACHE_DIR),
    ...step.env,
    ANSIBLE_CALLBACK_PLUGINS: theirPlugins ? `${callbackDir}:${theirPlugins}` : callbackDir,
    ANSIBLE_CALLBACKS_ENABLED: theirCallbacks ? `${SLIPWAY_CALLBACKS},${theirCallbacks}` : SLIPWAY_CALLBACKS,
  };
}

/** What only the machine running the step knows. */
export interface StepRuntime {
  workDir: string;
  /** Per-operation ssh ControlPersist sockets, cleaned up with the operation. */
  socketDir: string;
  path: string;
  lang: string;
  /** The operation's own ssh-agent, holding only the cluster's key; never the account's agent. */
  agentSocket?: string;
}

/**
 * The whole environment of a step: a minimal base, then {@link stepSettings}, so a step's own
 * setting wins over the base as it always has.
 */
export function stepEnv(step: Step, rt: StepRuntime): Record<string, string> {
  return {
    PATH: rt.path,
    // ansible keeps its local temp files under HOME: they go away with the work dir.
    HOME: rt.workDir,
    LANG: rt.lang,
    ANSIBLE_SSH_CONTROL_PATH_DIR: rt.socketDir,
    ...stepSettings(step, rt.workDir),
    ...(rt.agentSocket ? { SSH_AUTH_SOCK: rt.agentSocket } : {}),
  };
}
