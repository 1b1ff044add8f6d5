/** Half-open [start, end) spans of a text, and replacing them. Pure. */

export const REDACTED = '[REDACTED]';

export type Range = readonly [start: number, end: number];

/** Sorted, with overlapping and touching spans joined. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** `text` with each of the (merged) spans replaced by "[REDACTED]". */
export function applyRanges(text: string, ranges: readonly Range[]): string {
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [s, e] of ranges) {
    out += text.slice(at, s) + REDACTED;
    at = e;
  }
  return out + text.slice(at);
}

/** The parts of `ranges` inside [from, to), moved so that `from` becomes 0. */
export function clipRanges(ranges: readonly Range[], from: number, to: number): Range[] {
  const out: Range[] = [];
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    out.push([Math.max(s, from) - from, Math.min(e, to) - from]);
  }
  return out;
}
