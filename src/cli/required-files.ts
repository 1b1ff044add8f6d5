import { existsSync } from 'node:fs';
import { UsageError } from './exit-codes.js';

/** Every path must exist: a missing one is a usage error naming it, not a raw ENOENT later. */
export function requireFiles(flag: string, paths: readonly string[]): void {
  for (const p of paths) if (!existsSync(p)) throw new UsageError(`${flag} ${p}: no such file or directory`);
}
