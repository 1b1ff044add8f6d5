import { fileURLToPath } from 'node:url';

/**
 * Slipway's own playbooks: SLIPWAY_BUILTIN_DIR, or playbooks/ of this checkout (this file is
 * compiled to dist/src/engine/).
 */
export function defaultBuiltinDir(): string {
  return process.env.SLIPWAY_BUILTIN_DIR ?? fileURLToPath(new URL('../../../playbooks', import.meta.url));
}
