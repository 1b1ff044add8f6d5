import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The playbooks and scripts a builtin action may name: whatever the builtin directory holds. */
export interface BuiltinCatalog {
  playbooks: ReadonlySet<string>;
  scripts: ReadonlySet<string>;
}

export const SCRIPTS_DIR = 'scripts';

/** Reads the catalog of a builtin directory (Slipway's playbooks/ or a kubespray checkout). */
export function loadBuiltinCatalog(dir: string): BuiltinCatalog {
  const playbooks = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const scriptsDir = join(dir, SCRIPTS_DIR);
  const scripts = existsSync(scriptsDir) ? readdirSync(scriptsDir).filter((f) => /\.sh$/.test(f)) : [];
  return { playbooks: new Set(playbooks), scripts: new Set(scripts) };
}
