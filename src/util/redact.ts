/** Keeps secrets (keys, passwords) out of logs, events and status. Pure. */

export const REDACTED = '[REDACTED]';

/**
 * Lines of a multi-line secret shorter than this are left alone: a PEM key's last line can be
 * a few characters of base64 that would otherwise blank out ordinary words.
 */
const MIN_FRAGMENT = 8;

const PEM_PRIVATE_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

export type Redactor = (text: string) => string;

/**
 * Returns a function that replaces every secret, every line of a multi-line secret, their
 * JSON-escaped forms (as they appear in ansible's result dumps) and any PEM private key block
 * with "[REDACTED]".
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const pattern = secretPattern(secrets);
  return (text) => {
    const withoutPem = text.replace(PEM_PRIVATE_BLOCK, REDACTED);
    return pattern ? withoutPem.replace(pattern, REDACTED) : withoutPem;
  };
}

/**
 * Like createRedactor, for a stream fed one line at a time: a PEM private key printed over
 * several lines is recognised by its BEGIN line, and every line up to its END line is redacted
 * even when no secret list names the key.
 */
export function createLineRedactor(secrets: readonly string[]): Redactor {
  const redact = createRedactor(secrets);
  let inPem = false;
  return (line) => {
    if (inPem) {
      if (PEM_END.test(line)) inPem = false;
      return REDACTED;
    }
    if (PEM_BEGIN.test(line) && !PEM_END.test(line)) {
      inPem = true;
      return redact(line.replace(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*$/, REDACTED));
    }
    return redact(line);
  };
}

/** Every string leaf of a JSON-like value passed through `redact`. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}

/**
 * pino options that censor fields commonly holding secrets; message strings still have to be
 * passed through a Redactor by the caller.
 */
export function pinoRedactOptions(extraPaths: readonly string[] = []): { paths: string[]; censor: string } {
  const keys = ['password', 'privateKey', 'ansible_password', 'ansible_become_password', 'token'];
  const paths = keys.flatMap((k) => [k, `*.${k}`]);
  return { paths: [...paths, ...extraPaths], censor: REDACTED };
}

function secretPattern(secrets: readonly string[]): RegExp | undefined {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of forms(secret)) needles.add(form);
    const lines = secret.split(/\r?\n/).map((l) => l.trim());
    if (lines.length < 2) continue;
    for (const line of lines) {
      if (line.length >= MIN_FRAGMENT) for (const form of forms(line)) needles.add(form);
    }
  }
  if (needles.size === 0) return undefined;
  // Longest first, so a whole secret wins over one of its lines.
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

/** The secret as written and as it appears inside a JSON string (ansible's result dumps). */
function forms(secret: string): string[] {
  const out = [secret, JSON.stringify(secret).slice(1, -1)];
  const trimmed = secret.trim();
  if (trimmed !== secret && trimmed.length >= MIN_FRAGMENT) out.push(trimmed, JSON.stringify(trimmed).slice(1, -1));
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
