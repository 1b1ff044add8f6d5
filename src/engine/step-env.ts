/**
 * The environment a step runs with, wherever it runs: the local executor and the job image's
 * entrypoint start from the same settings. Pure.
 */
import { join } from 'node:path';
import { BUILTIN_LINK, type Step } from './plan-types.js';

/** Slipway's progress callback (playbooks/callback_plugins/slipway_events.py). */
export const EVENTS_CALLBACK = 'slipway_events';
/** Relative to the work directory: ansible resolves relative plugin paths from its cwd. */
export const CALLBACK_DIR = `${BUILTIN_LINK}/callback_plugins`;

/**
 * What a step gets whatever machine it runs on: the step's own settings and our progress
 * callback added to whatever callbacks the step enables; the default stdout callback stays for
 * the human log. `callbackDir` may be relative to the work directory.
 */
export function stepSettings(step: Step, callbackDir: string = CALLBACK_DIR): Record<string, string> {
  const theirPlugins = step.env.ANSIBLE_CALLBACK_PLUGINS;
  const theirCallbacks = step.env.ANSIBLE_CALLBACKS_ENABLED;
  return {
    PYTHONUNBUFFERED: '1',
    // Keeps ansible from writing __pycache__ next to our callback plugin in the builtin dir.
    PYTHONDONTWRITEBYTECODE: '1',
    ANSIBLE_NOCOLOR: '1',
    ...step.env,
    ANSIBLE_CALLBACK_PLUGINS: theirPlugins ? `${callbackDir}:${theirPlugins}` : callbackDir,
    ANSIBLE_CALLBACKS_ENABLED: theirCallbacks ? `${EVENTS_CALLBACK},${theirCallbacks}` : EVENTS_CALLBACK,
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
    ...stepSettings(step, join(rt.workDir, CALLBACK_DIR)),
    ...(rt.agentSocket ? { SSH_AUTH_SOCK: rt.agentSocket } : {}),
  };
}
