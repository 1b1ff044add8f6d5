/**
 * How an operation's log is kept in the API: a run of ConfigMaps, each holding one chunk of the
 * (already redacted) text, numbered from 0. A log longer than the bound keeps its head (chunk 0)
 * and its newest chunks; the ones dropped between show as a gap in the numbers, which readers
 * print as such. Names and labels are pure functions of the operation.
 */
export const LOG_KEY = 'log';
export const LOG_OPERATION_UID_LABEL = 'slipway.io/log-of-operation-uid';
export const LOG_SEQ_LABEL = 'slipway.io/log-seq';

/** A chunk is rewritten whole at each flush: small chunks keep those writes small. */
export const CHUNK_BYTES = 64 * 1024;
/** 128 chunks: 8 MiB per operation at most. */
export const MAX_CHUNKS = 128;
/** A single line longer than this is cut (an ansible result dumped whole can be megabytes). */
export const MAX_LINE_BYTES = 16 * 1024;

export const chunkName = (operationUid: string, seq: number): string => `slipway-log-${operationUid}-${String(seq).padStart(4, '0')}`;

/** Cuts a line to MAX_LINE_BYTES (by characters, conservatively) and ends it with a newline. */
export function logLine(line: string): string {
  const text = Buffer.byteLength(line) <= MAX_LINE_BYTES ? line : `${line.slice(0, MAX_LINE_BYTES / 4)}… [line cut at ${MAX_LINE_BYTES} bytes]`;
  return `${text}\n`;
}

/** The chunk to drop when `count` chunks exist and one more is to be made: the oldest after the head. */
export function chunkToDrop(existing: readonly number[]): number | undefined {
  if (existing.length < MAX_CHUNKS) return undefined;
  const sorted = [...existing].sort((a, b) => a - b);
  return sorted[1];
}

/** Joins chunks read back (any order), marking where chunks were dropped. */
export function joinChunks(chunks: readonly { seq: number; text: string }[]): string {
  const sorted = [...chunks].sort((a, b) => a.seq - b.seq);
  let out = '';
  let expected = 0;
  for (const c of sorted) {
    if (c.seq > expected) out += `[… ${c.seq - expected} chunk(s) of this log were dropped: it grew past ${(MAX_CHUNKS * CHUNK_BYTES) / (1024 * 1024)} MiB …]\n`;
    out += c.text;
    expected = c.seq + 1;
  }
  return out;
}
