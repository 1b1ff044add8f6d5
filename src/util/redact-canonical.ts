/**
 * The canonical view of a text that secrets are matched in: lower case, without whitespace,
 * quotes, backslashes (with the letter of a \n, \r or \t escape), commas, brackets and
 * parentheses. A secret printed re-wrapped, JSON- or repr-escaped, upper-cased, or one
 * character per list item looks the same there as printed plainly. Pure.
 */

const DROPPED = new Uint8Array(128);
for (const c of ' \t\n\r\v\f\'"`,[]()\\') DROPPED[c.charCodeAt(0)] = 1;
const BACKSLASH = 0x5c;
const ESCAPE_LETTERS = new Set(['n', 'r', 't'].map((c) => c.charCodeAt(0)));

export interface CanonicalView {
  /** Canonical UTF-16 code units. */
  codes: Uint16Array;
  length: number;
  /** For each canonical unit, its index in the original text. */
  at: Int32Array;
}

/**
 * `scratch`: a view to reuse, when it is large enough, instead of allocating; the result then
 * shares its arrays and is valid until the next call with the same scratch.
 */
export function canonicalView(text: string, scratch?: CanonicalView): CanonicalView {
  const reuse = scratch && scratch.codes.length >= text.length;
  const codes = reuse ? scratch.codes : new Uint16Array(text.length);
  const at = reuse ? scratch.at : new Int32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 128) {
      if (DROPPED[c]) {
        if (c === BACKSLASH && ESCAPE_LETTERS.has(text.charCodeAt(i + 1))) i++;
        continue;
      }
      if (c >= 65 && c <= 90) c += 32;
    } else {
      c = lowerNonAscii(c);
    }
    codes[n] = c;
    at[n++] = i;
  }
  return { codes, length: n, at };
}

export function canonical(text: string): string {
  const v = canonicalView(text);
  return codesToString(v.codes, 0, v.length);
}

export function codesToString(codes: Uint16Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i += 4096) out += String.fromCharCode(...codes.subarray(i, Math.min(end, i + 4096)));
  return out;
}

function lowerNonAscii(c: number): number {
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** How many canonical units `text` has, counting no further than `limit`. */
export function canonicalLength(text: string, limit: number): number {
  let n = 0;
  for (let i = 0; i < text.length && n < limit; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !DROPPED[c]) n++;
    else if (c === BACKSLASH && ESCAPE_LETTERS.has(text.charCodeAt(i + 1))) i++;
  }
  return n;
}

/** The shortest end of `text` that holds `count` canonical units (escapes aside). */
export function canonicalTail(text: string, count: number): string {
  let n = 0;
  let i = text.length;
  while (i > 0 && n < count) {
    const c = text.charCodeAt(--i);
    if (c >= 128 || !DROPPED[c]) n++;
  }
  return text.slice(i);
}
