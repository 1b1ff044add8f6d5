/**
 * What to look for, for one secret: its canonical forms (itself, reversed, URL-encoded,
 * \u-escaped, hex, base64 in three alignments) and the window length of each. Any run of
 * `window` canonical characters of a form is redacted, so slices of the secret are too.
 * Pure.
 */
import { canonical } from './redact-canonical.js';
import { base64Alignments, hex, jsonAscii, reversed, urlEncodings, utf8 } from './redact-encodings.js';
import { pemParts, PUBLIC_KEY_BYTES } from './redact-pem.js';

export interface Form {
  /** Canonical text (see redact-canonical.ts). */
  text: string;
  /** Shorter forms are matched whole; longer ones by every window of this many characters. */
  window: number;
}

/** No form shorter than this is looked for: it would match ordinary words. */
export const MIN_NEEDLE = 4;

/**
 * How many characters of a secret of `length` (canonical) characters it takes to redact:
 * 12 of long ones (keys, tokens), 8 of 10–31 characters, and all but 2 of shorter ones.
 */
export function baseWindow(length: number): number {
  if (length >= 32) return 12;
  if (length >= 10) return 8;
  return Math.max(MIN_NEEDLE, length - 2);
}

/** Bytes of a key's decoded body it takes to redact (72 bits). */
const KEY_BYTES_WINDOW = 9;

export function secretForms(secret: string): Form[] {
  const length = canonical(secret).length;
  if (length < MIN_NEEDLE) return [];
  const window = baseWindow(length);
  const forms = [...textForms(secret, window), ...byteForms(utf8(secret), window)];
  const pem = pemParts(secret);
  if (pem) forms.push(...byteForms(pem.der, KEY_BYTES_WINDOW));
  return forms.filter((f) => f.text.length >= MIN_NEEDLE);
}

/** Canonical encodings of a secret's boilerplate (a key's armour and format constants). */
export function publicTexts(secret: string): string[] {
  const pem = pemParts(secret);
  if (!pem) return [];
  const armour = pem.armour.flatMap((l) => [l, `${l}\n`, `\n${l}`, `\n${l}\n`]);
  return [
    ...armour.flatMap((t) => [...textForms(t, 0), ...byteForms(utf8(t), 0, 0)]),
    ...PUBLIC_KEY_BYTES.flatMap((b) => byteForms(b, 0, 0)),
  ].map((f) => f.text);
}

function textForms(text: string, window: number): Form[] {
  return [text, reversed(text), jsonAscii(text), ...urlEncodings(text)].map((t) => ({ text: canonical(t), window }));
}

function byteForms(bytes: Uint8Array, window: number, minShifted?: number): Form[] {
  return [
    { text: hex(bytes), window: 2 * window },
    ...base64Alignments(bytes, minShifted).map((t) => ({ text: canonical(t), window: Math.ceil((4 * window) / 3) })),
  ];
}
