/**
 * One matcher for every window of every form of every secret of an operation, built once.
 * For each window length it keeps the windows in a Set and their rolling hashes in a Bloom
 * filter (two probes), so a text is scanned once per length at a few integer operations per
 * character, and only filter hits build a string to look up. Pure.
 */
import { codesToString, type CanonicalView } from './redact-canonical.js';
import type { Form } from './redact-forms.js';
import type { Range } from './redact-ranges.js';

const BASE = 0x01000193;
/** Filter bits per window: with two probes, about one false hit in 300 positions per length. */
const BITS_PER_WINDOW = 32;

interface Table {
  length: number;
  /** BASE^(length-1), to roll the first character out. */
  pow: number;
  bitmap: Uint32Array;
  /** log2 of the bitmap's size in bits. */
  bits: number;
  windows: Set<string>;
}

export interface WindowMatcher {
  /** The longest window; a text with fewer canonical characters can still end in part of one. */
  longest: number;
  /** Spans of the view's canonical units that are windows of a form. */
  find(view: CanonicalView): Range[];
}

export function buildWindowMatcher(forms: readonly Form[], publicTexts: readonly string[]): WindowMatcher {
  const byLength = new Map<number, Set<string>>();
  const add = (w: string) => {
    let set = byLength.get(w.length);
    if (!set) byLength.set(w.length, (set = new Set()));
    set.add(w);
  };
  for (const { text, window } of forms) {
    if (text.length <= window) add(text);
    else for (let i = 0; i + window <= text.length; i++) add(text.slice(i, i + window));
  }
  for (const text of publicTexts) {
    for (const [length, set] of byLength) for (let i = 0; i + length <= text.length; i++) set.delete(text.slice(i, i + length));
  }
  const tables = [...byLength].filter(([, set]) => set.size > 0).map(([length, set]) => table(length, set));
  return {
    longest: Math.max(0, ...tables.map((t) => t.length)),
    find: (view) => tables.flatMap((t) => scan(t, view)),
  };
}

function table(length: number, windows: Set<string>): Table {
  let pow = 1;
  for (let i = 1; i < length; i++) pow = Math.imul(pow, BASE);
  const bits = Math.max(10, Math.min(24, Math.ceil(Math.log2(windows.size * BITS_PER_WINDOW))));
  const bitmap = new Uint32Array(2 ** (bits - 5));
  for (const w of windows) {
    let h = 0;
    for (let i = 0; i < w.length; i++) h = (Math.imul(h, BASE) + w.charCodeAt(i)) | 0;
    for (const b of [slot1(h, bits), slot2(h, bits)]) bitmap[b >>> 5]! |= 1 << (b & 31);
  }
  return { length, pow, bitmap, bits, windows };
}

const slot1 = (hash: number, bits: number) => Math.imul(hash, 0x9e3779b1) >>> (32 - bits);
const slot2 = (hash: number, bits: number) => Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> (32 - bits);

function scan(t: Table, view: CanonicalView): Range[] {
  const { codes, length: n } = view;
  const { length: L, bitmap, bits } = t;
  if (n < L) return [];
  const found: Range[] = [];
  let h = 0;
  for (let i = 0; i < L; i++) h = (Math.imul(h, BASE) + codes[i]!) | 0;
  for (let i = 0; ; i++) {
    const b1 = slot1(h, bits);
    if (bitmap[b1 >>> 5]! & (1 << (b1 & 31))) {
      const b2 = slot2(h, bits);
      if (bitmap[b2 >>> 5]! & (1 << (b2 & 31)) && t.windows.has(codesToString(codes, i, i + L))) found.push([i, i + L]);
    }
    if (i + L >= n) break;
    h = (Math.imul((h - Math.imul(codes[i]!, t.pow)) | 0, BASE) + codes[i + L]!) | 0;
  }
  return found;
}
