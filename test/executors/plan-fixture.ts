/** Hand-built Plans for the executor tests: an inventory of the test hosts, the key, steps. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StepRole } from '../../src/api/types.js';
import { KNOWN_HOSTS_PATH, ansibleEnv } from '../../src/engine/ansible-env.js';
import type { Plan, Step, WorkFile } from '../../src/engine/plan-types.js';
import { repoRoot } from '../env/repo-root.js';

export interface SshHosts {
  hosts: { name: string; address: string; port: number }[];
  sshUser: string;
  sshPrivateKeyPath: string;
  knownHostsPath: string;
}

/**
 * A playbook step runs a fixture playbook (copied into the work dir, as a ConfigMap playbook
 * is) or inline playbook text; a shell step runs its argv in the work dir.
 */
export type FixtureStep =
  | { role: StepRole; playbook: string; extraVars?: Record<string, string>; source?: Step['source'] }
  | { role: StepRole; playbookText: string; name: string; extraVars?: Record<string, string>; source?: Step['source'] }
  | { role: StepRole; shell: string[]; source?: Step['source'] };

export interface FixtureOptions {
  operation: string;
  steps: FixtureStep[];
  /** Added to the inventory's `all.vars` (e.g. a fake ansible_password). */
  vars?: Record<string, string>;
  /** Secrets beyond the private key. */
  secrets?: string[];
  activeDeadlineSeconds?: number;
  /** More work files (probe scripts and their arguments). */
  files?: WorkFile[];
}

export const INVENTORY_PATH = 'inventory/hosts.yml';
const SSH_ARGS = ansibleEnv({ knownHosts: true, agentKey: true }).ANSIBLE_SSH_ARGS!;

export function fixturePlaybook(name: string): string {
  return join(repoRoot(), 'test', 'fixtures', 'playbooks', name);
}

export async function buildTestPlan(env: SshHosts, opts: FixtureOptions): Promise<Plan> {
  const privateKey = await readFile(env.sshPrivateKeyPath, 'utf8');
  const hosts = Object.fromEntries(
    env.hosts.map((h) => [h.name, { ansible_host: h.address, ansible_port: h.port, ansible_user: env.sshUser }]),
  );
  const inventory = {
    all: {
      hosts,
      vars: {
        ansible_python_interpreter: '/usr/bin/python3',
        ...opts.vars,
      },
    },
  };
  const secrets = [privateKey, ...(opts.secrets ?? [])];
  const files: WorkFile[] = [
    { path: INVENTORY_PATH, content: stringify(inventory), mode: 0o600, secret: secrets.length > 1 },
    { path: KNOWN_HOSTS_PATH, content: await readFile(env.knownHostsPath, 'utf8'), mode: 0o600, secret: false },
    ...(opts.files ?? []),
  ];
  const counters: Record<StepRole, number> = { preHook: 0, action: 0, postHook: 0 };
  const texts = await Promise.all(
    opts.steps.map((s) => ('playbook' in s ? readFile(s.playbook, 'utf8').catch(() => undefined) : 'playbookText' in s ? s.playbookText : undefined)),
  );
  const steps = opts.steps.map((s, index): Step => {
    counters[s.role]++;
    if ('shell' in s) {
      return {
        name: `${s.role} ${counters[s.role]}: ${s.shell[0]}`,
        role: s.role,
        kind: 'shell',
        argv: s.shell,
        env: {},
        source: s.source ?? 'configmap',
        action: s.shell[0] ?? '',
      };
    }
    const file = 'playbook' in s ? (s.playbook.split('/').pop() ?? s.playbook) : s.name;
    // A missing fixture stays missing: its path is passed on for ansible to complain about.
    const text = texts[index];
    const path = `actions/${index}/${file}`;
    if (text !== undefined) files.push({ path, content: text, mode: 0o600, secret: false });
    const argv = ['ansible-playbook', '-i', INVENTORY_PATH, path];
    for (const [k, v] of Object.entries(s.extraVars ?? {})) argv.push('-e', `${k}=${v}`);
    return {
      name: s.role === 'action' ? `action: ${file}` : `${s.role} ${counters[s.role]}: ${file}`,
      role: s.role,
      kind: 'playbook',
      argv,
      // Only the ssh settings of a real plan (its key from the agent); ansible's defaults
      // otherwise, notably no pipelining (see the stop tests).
      env: { ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_SSH_ARGS: SSH_ARGS },
      source: s.source ?? 'configmap',
      action: file,
    };
  });
  const plan: Plan = {
    cluster: 'executor-test',
    operation: opts.operation,
    action: steps.find((s) => s.role === 'action')?.action ?? '',
    steps,
    files,
    secrets,
    sshPrivateKey: privateKey,
    targetHosts: env.hosts.map((h) => h.name),
    clusterFacts: { controlPlane: [], workers: [] },
    warnings: [],
  };
  if (opts.activeDeadlineSeconds !== undefined) plan.activeDeadlineSeconds = opts.activeDeadlineSeconds;
  return plan;
}
