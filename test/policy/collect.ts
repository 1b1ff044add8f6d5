import assert from 'node:assert/strict';
import { ProblemList, type Problem, type ProblemSink } from '../../src/api/input-error.js';
import { Refusal } from '../../src/policy/policy-error.js';

export const OBJECT = 'ConfigMap kubean-system/test';

/** Runs a sink-reporting check; returns its result and what it reported. */
export function collect<T>(check: (sink: ProblemSink) => T): { result: T; errors: Problem[]; warnings: Problem[] } {
  const list = new ProblemList();
  const result = check(list.at({ object: OBJECT, key: 'k' }));
  return { result, errors: list.items.filter((p) => p.severity === 'error'), warnings: list.warnings };
}

/** Runs an internal throwing check (the Jinja parser) as a one-problem sink check. */
export function asSink(check: () => void): (sink: ProblemSink) => void {
  return (sink) => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      sink.error(err.code, err.message, err.at);
    }
  };
}

/**
 * Asserts the check reports an error with `code` whose message or path contains every
 * fragment, and that no message repeats the object it is filed under.
 */
export function assertRefused(label: string, check: (sink: ProblemSink) => unknown, code: string, fragments: string[] = []): Problem {
  const { errors } = collect(check);
  assert.ok(errors.length > 0, `${label}: expected a refusal (${code}), got none`);
  const p = errors.find((e) => e.code === code);
  assert.ok(p, `${label}: expected code ${code}, got ${errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`);
  const text = `${p.path ?? ''} line ${p.line ?? '?'}: ${p.message}`;
  for (const f of fragments) assert.ok(text.includes(f), `${label}: ${JSON.stringify(text)} lacks ${JSON.stringify(f)}`);
  for (const e of errors) assert.ok(!e.message.includes(OBJECT), `${label}: message repeats the location: ${e.message}`);
  return p;
}

export function assertAccepted(label: string, check: (sink: ProblemSink) => unknown): void {
  const { errors } = collect(check);
  assert.deepEqual(errors.map((e) => `${e.code} ${e.path ?? ''}: ${e.message}`), [], label);
}
