/**
 * Keeps secrets (keys, passwords) out of logs, events and status, also when a playbook prints
 * them transformed: see redact-forms.ts for what is looked for. Pure.
 */
import { canonicalView } from './redact-canonical.js';
import { publicTexts, secretForms } from './redact-forms.js';
import { pemBlockRanges } from './redact-pem.js';
import { applyRanges, clipRanges, mergeRanges, type Range } from './redact-ranges.js';
import { buildWindowMatcher } from './redact-windows.js';

export { REDACTED, type Range } from './redact-ranges.js';
export { createLineRedactor, type LineRedactor } from './redact-lines.js';

export interface Redactor {
  /** `text` with every secret, in every form looked for, and every PEM private key block replaced by "[REDACTED]". */
  (text: string): string;
  /** The spans of `text` that would be replaced, sorted and merged. */
  find(text: string): Range[];
  /**
   * The most canonical characters one match takes. A line with fewer may hold part of a
   * secret that goes on in the next lines (ansible prints a list one item per line).
   */
  readonly span: number;
}

/** Builds the matchers once per operation (with a 3 KB private key: some 20–60 ms). */
export function createRedactor(secrets: readonly string[]): Redactor {
  const given = secrets.filter((s) => s.length > 0);
  const literals = [...new Set(given.flatMap(literalForms))];
  const windows = buildWindowMatcher(given.flatMap(secretForms), given.flatMap(publicTexts));
  let scratch = canonicalView(' '.repeat(4096));
  const find = (text: string): Range[] => {
    const ranges = [...pemBlockRanges(text), ...literalRanges(text, literals)];
    if (windows.longest > 0) {
      const view = canonicalView(text, scratch);
      if (view.codes.length > scratch.codes.length) scratch = view;
      for (const [s, e] of windows.find(view)) ranges.push([view.at[s]!, view.at[e - 1]! + 1]);
    }
    return mergeRanges(ranges);
  };
  return Object.assign((text: string) => applyRanges(text, find(text)), { find, span: windows.longest });
}

/**
 * Every string of a JSON-like value, object keys included, redacted as one text: a secret
 * split over several strings (a list of its characters) is found too.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  const leaves: string[] = [];
  visit(value, (s) => (leaves.push(s), s));
  if (leaves.length === 0) return value;
  const ranges = redact.find(leaves.join('\n'));
  let start = 0;
  const redacted = leaves.map((leaf) => {
    const out = applyRanges(leaf, clipRanges(ranges, start, start + leaf.length));
    start += leaf.length + 1;
    return out;
  });
  let next = 0;
  return visit(value, () => redacted[next++]!);
}

/** Rebuilds `value` with each string (keys included, in a fixed order) replaced by `map`'s. */
function visit<T>(value: T, map: (s: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((v) => visit(v, map)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = map(k);
      out[key] = visit(v, map);
    }
    return out as T;
  }
  return value;
}

/** The secret exactly as given and JSON-escaped: also secrets too short for redact-forms.ts. */
function literalForms(secret: string): string[] {
  const trimmed = secret.trim();
  const forms = trimmed && trimmed !== secret ? [secret, trimmed] : [secret];
  return forms.flatMap((f) => [f, JSON.stringify(f).slice(1, -1)]);
}

function literalRanges(text: string, literals: readonly string[]): Range[] {
  const out: Range[] = [];
  for (const l of literals) {
    for (let at = text.indexOf(l); at >= 0; at = text.indexOf(l, at + l.length)) out.push([at, at + l.length]);
  }
  return out;
}
