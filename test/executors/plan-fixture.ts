/** Hand-built Plans for the executor tests: an inventory of the test hosts, the key, steps. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StepRole } from '../../src/api/types.js';
import type { Plan, Step, WorkFile } from '../../src/engine/plan-types.js';
import { repoRoot } from '../env/repo-root.js';

export interface SshHosts {
  hosts: { name: string; address: string; port: number }[];
  sshUser: string;
  sshPrivateKeyPath: string;
  knownHostsPath: string;
}

export type FixtureStep =
  | { role: StepRole; playbook: string; extraVars?: Record<string, string> }
  | { role: StepRole; shell: string[] };

export interface FixtureOptions {
  operation: string;
  steps: FixtureStep[];
  /** Added to the inventory's `all.vars` (e.g. a fake ansible_password). */
  vars?: Record<string, string>;
  /** Secrets beyond the private key. */
  secrets?: string[];
  activeDeadlineSeconds?: number;
}

export const INVENTORY_PATH = 'inventory/hosts.yml';
export const KEY_PATH = 'auth/ssh-privatekey';

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
        ansible_ssh_common_args: `-o UserKnownHostsFile=${env.knownHostsPath} -o StrictHostKeyChecking=yes`,
        ansible_python_interpreter: '/usr/bin/python3',
        ...opts.vars,
      },
    },
  };
  const secrets = [privateKey, ...(opts.secrets ?? [])];
  const files: WorkFile[] = [
    { path: INVENTORY_PATH, content: stringify(inventory), mode: 0o600, secret: secrets.length > 1 },
    { path: KEY_PATH, content: privateKey, mode: 0o600, secret: true },
  ];
  const counters: Record<StepRole, number> = { preHook: 0, action: 0, postHook: 0 };
  const steps = opts.steps.map((s): Step => {
    counters[s.role]++;
    if ('shell' in s) {
      return {
        name: `${s.role} ${counters[s.role]}: ${s.shell[0]}`,
        role: s.role,
        kind: 'shell',
        argv: s.shell,
        env: {},
        source: 'configmap',
        action: s.shell[0] ?? '',
      };
    }
    const argv = ['ansible-playbook', '-i', INVENTORY_PATH, '--private-key', KEY_PATH, s.playbook];
    for (const [k, v] of Object.entries(s.extraVars ?? {})) argv.push('-e', `${k}=${v}`);
    const file = s.playbook.split('/').pop() ?? s.playbook;
    return {
      name: s.role === 'action' ? `action: ${file}` : `${s.role} ${counters[s.role]}: ${file}`,
      role: s.role,
      kind: 'playbook',
      argv,
      env: { ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_RETRY_FILES_ENABLED: 'False' },
      source: 'configmap',
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
    targetHosts: env.hosts.map((h) => h.name),
    clusterFacts: { controlPlane: [], workers: [] },
    warnings: [],
  };
  if (opts.activeDeadlineSeconds !== undefined) plan.activeDeadlineSeconds = opts.activeDeadlineSeconds;
  return plan;
}
