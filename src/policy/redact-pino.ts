/** pino's own redaction: fields that hold secrets by name. */
import { SECRET_VARS } from './ansible-vars.js';
import { REDACTED } from '../util/redact-ranges.js';

/** Slipway's own field names for secrets; ansible's come from the policy's SECRET_VARS. */
const SECRET_FIELDS = ['password', 'privateKey', 'token'];

/**
 * pino options that censor fields holding secrets, at the top level and one level down;
 * message strings still have to be passed through a Redactor by the caller.
 */
export function pinoRedactOptions(extraPaths: readonly string[] = []): { paths: string[]; censor: string } {
  const keys = [...SECRET_FIELDS, ...SECRET_VARS];
  return { paths: [...keys.flatMap((k) => [k, `*.${k}`]), ...extraPaths], censor: REDACTED };
}
