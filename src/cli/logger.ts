import { pino, type Logger } from 'pino';
import { pinoRedactOptions } from '../policy/redact-pino.js';

/** The one structured logger; components take child loggers ({cluster, operation, step}). */
export function createLogger(opts: { level?: string; destination?: number | string } = {}): Logger {
  return pino(
    {
      name: 'slipway',
      level: opts.level ?? process.env.SLIPWAY_LOG_LEVEL ?? 'info',
      redact: pinoRedactOptions(),
    },
    pino.destination({ dest: opts.destination ?? 2, sync: true }),
  );
}

export type { Logger };
