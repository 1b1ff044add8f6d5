/**
 * The admin kubeconfig a plan's fetch-kubeconfig.yml step left in the work directory
 * (Plan.kubeconfigArtifact), read by the executor before the work directory goes.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../engine/plan-types.js';

/** An admin kubeconfig with embedded certificates is a few KiB; anything this big is not one. */
export const MAX_KUBECONFIG_BYTES = 256 * 1024;

export class KubeconfigArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigArtifactError';
  }
}

/**
 * The kubeconfig's text, or undefined when the plan names none or the file is absent. Opened
 * without following a symlink at its last component (a step could have planted one).
 */
export async function readKubeconfigArtifact(plan: Plan, workDir: string): Promise<string | undefined> {
  if (!plan.kubeconfigArtifact) return undefined;
  const path = join(workDir, plan.kubeconfigArtifact);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubeconfigArtifactError(`cannot read ${plan.kubeconfigArtifact}: ${(err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new KubeconfigArtifactError(`${plan.kubeconfigArtifact} is not a regular file`);
    if (st.size > MAX_KUBECONFIG_BYTES) throw new KubeconfigArtifactError(`${plan.kubeconfigArtifact} is ${st.size} bytes, more than ${MAX_KUBECONFIG_BYTES}`);
    const text = await handle.readFile('utf8');
    return text.endsWith('\n') ? text : `${text}\n`;
  } finally {
    await handle.close();
  }
}

/**
 * What a redactor must know of a kubeconfig: the whole text and each credential in it
 * (client key and certificate data, tokens, passwords), which may appear on their own.
 */
export function kubeconfigSecrets(text: string): string[] {
  const values = [...text.matchAll(/^\s*(?:client-key-data|client-certificate-data|token|password):\s*["']?([^\s"']+)["']?\s*$/gm)].map((m) => m[1]!);
  return [text, text.trimEnd(), ...values];
}
