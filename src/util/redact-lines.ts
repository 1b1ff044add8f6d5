/** Redaction of output that arrives one line at a time (ansible's stdout and stderr). Pure. */
import { canonicalLength, canonicalTail } from './redact-canonical.js';
import { REDACTED, applyRanges, clipRanges } from './redact-ranges.js';
import type { Redactor } from './redact.js';

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;
/** Bounds what a stream of short lines can hold back. */
const MAX_HELD_LINES = 256;

export interface LineRedactor {
  /** Takes one line; returns the redacted lines now ready, in order (none while it holds some back). */
  push(line: string): string[];
  /** The lines still held back, redacted. */
  end(): string[];
}

/**
 * Short lines are held back until a longer one (or the end) arrives and are redacted together
 * with it and the end of the lines before: ansible prints `{{ secret | list }}` one character
 * per line. A PEM private key printed over several lines is recognised by its BEGIN line and
 * redacted to its END line even when no secret names the key. Redacted lines that belonged
 * to one secret may come out joined into one.
 */
export function createLineRedactor(redact: Redactor): LineRedactor {
  let inPem = false;
  const unPem = (line: string): string => {
    if (inPem) {
      if (PEM_END.test(line)) inPem = false;
      return REDACTED;
    }
    if (PEM_BEGIN.test(line) && !PEM_END.test(line)) {
      inPem = true;
      return line.replace(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*$/, REDACTED);
    }
    return line;
  };
  let held: string[] = [];
  let context = '';
  const release = (): string[] => {
    if (held.length === 0) return [];
    const group = held.join('\n');
    const before = context ? `${context}\n` : '';
    const ranges = clipRanges(redact.find(before + group), before.length, before.length + group.length);
    context = canonicalTail(before + group, redact.span);
    held = [];
    return applyRanges(group, ranges).split('\n');
  };
  return {
    push(line) {
      const clean = unPem(line);
      held.push(clean);
      if (held.length < MAX_HELD_LINES && canonicalLength(clean, redact.span) < redact.span) return [];
      return release();
    },
    end: release,
  };
}
