import { access, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './lab-error.js';
import { labDir, type LabPaths } from './lab-paths.js';
import { MAX_SLOT, MIN_SLOT } from './lab-plan.js';

/** What `lab up` decided once and every later command reads back. */
export interface LabRecord {
  name: string;
  slot: number;
  machines: number;
  image: string;
  createdAt: string;
}

const RECORD = 'lab.json';

export async function readLabRecord(paths: LabPaths, name: string): Promise<LabRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(labDir(paths, name), RECORD), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as LabRecord;
  } catch (err) {
    throw new LabError(`lab ${name}: ${RECORD} is not JSON (${(err as Error).message}); remove ${labDir(paths, name)} by hand`);
  }
}

export async function writeLabRecord(paths: LabPaths, record: LabRecord): Promise<void> {
  await mkdir(labDir(paths, record.name), { recursive: true, mode: 0o700 });
  await writeFile(join(labDir(paths, record.name), RECORD), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

export async function listLabNames(paths: LabPaths): Promise<string[]> {
  const entries = await readdir(join(paths.stateRoot, 'labs')).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return entries.sort();
}

const slotFile = (paths: LabPaths, slot: number): string => join(paths.stateRoot, 'slots', String(slot));

/**
 * Claims the lowest free subnet slot for `lab`. Creating the slot file with 'wx' is the claim,
 * so two `lab up` at once never share a subnet. `taken` are slots in use by other means.
 */
export async function claimSlot(paths: LabPaths, lab: string, taken: ReadonlySet<number>): Promise<number> {
  await mkdir(join(paths.stateRoot, 'slots'), { recursive: true, mode: 0o700 });
  for (let slot = MIN_SLOT; slot <= MAX_SLOT; slot++) {
    if (taken.has(slot)) continue;
    try {
      await writeFile(slotFile(paths, slot), `${lab}\n`, { flag: 'wx' });
      return slot;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await reclaimable(paths, lab, slot)) {
        await writeFile(slotFile(paths, slot), `${lab}\n`);
        return slot;
      }
    }
  }
  throw new LabError(`no free lab subnet left (slots ${MIN_SLOT}-${MAX_SLOT} of 10.251.x.0/24 are taken)`);
}

/** Ours already, or left by a lab whose directory is gone (its `lab up` died before recording it). */
async function reclaimable(paths: LabPaths, lab: string, slot: number): Promise<boolean> {
  const owner = (await readFile(slotFile(paths, slot), 'utf8').catch(() => '')).trim();
  if (owner === lab) return true;
  if (!owner) return false;
  return access(labDir(paths, owner)).then(() => false, () => true);
}

export async function releaseLab(paths: LabPaths, record: LabRecord | undefined, name: string): Promise<void> {
  if (record) await rm(slotFile(paths, record.slot), { force: true });
  await rm(labDir(paths, name), { recursive: true, force: true });
}
