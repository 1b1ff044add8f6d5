/** The encodings a secret is looked for in besides itself. Pure. */

export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** By code point, as Python's `s[::-1]` (Jinja's `reverse`). */
export function reversed(text: string): string {
  return Array.from(text).reverse().join('');
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Base64 (standard and URL-safe) of `bytes` starting at each of the three offsets in a 3-byte
 * group: whatever precedes the secret in the encoded input, one of these is a substring of
 * the output. Padding and a last character that mixes in the following input are left out.
 * Offsets 1 and 2 only for inputs of at least `minShifted` bytes: of a short secret they keep
 * too little to be told from chance.
 */
export function base64Alignments(bytes: Uint8Array, minShifted = 10): string[] {
  const out: string[] = [];
  for (let a = 0; a < 3 && a < bytes.length; a++) {
    if (a > 0 && bytes.length < minShifted) break;
    const part = bytes.subarray(a);
    let b64 = Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64').replace(/=+$/, '');
    if (part.length % 3 !== 0) b64 = b64.slice(0, -1);
    out.push(b64, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Python's quote() with safe "/" (Jinja's urlencode) and with nothing safe, and quote_plus(). */
export function urlEncodings(text: string): string[] {
  const bytes = utf8(text);
  const quote = (safe: RegExp, space: string) =>
    Array.from(bytes, (b) => {
      const c = String.fromCharCode(b);
      if (b < 128 && safe.test(c)) return c;
      return b === 0x20 && space ? space : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }).join('');
  return [quote(/[A-Za-z0-9_.~/-]/, ''), quote(/[A-Za-z0-9_.~-]/, ''), quote(/[A-Za-z0-9_.~-]/, '+')];
}

/** JSON with non-ASCII escaped, as Python's json.dumps (ansible's to_json) writes it. */
export function jsonAscii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
