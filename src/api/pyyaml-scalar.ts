/**
 * How PyYAML (YAML 1.1, what Ansible uses) types a plain, untagged scalar. The regular
 * expressions and constructors are PyYAML 6's resolver.py and constructor.py, transcribed.
 * The `yaml` package's own 1.1 schema differs (it reads `y`/`n` as booleans, `1e3` as a
 * float), so Slipway resolves scalars itself.
 */

export type ScalarValue = string | number | boolean | null;

export type Resolved =
  | { ok: true; value: ScalarValue }
  /** A value Slipway cannot hold exactly as Ansible would; the code says why. */
  | { ok: false; code: 'yaml-timestamp' | 'yaml-int-range' | 'yaml-bad-scalar' | 'yaml-merge-key'; message: string };

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT = new RegExp(
  '^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?' +
    '|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?' +
    '|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*' +
    '|[-+]?\\.(?:inf|Inf|INF)' +
    '|\\.(?:nan|NaN|NAN))$',
);
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;

/** PyYAML consults only the resolvers registered for the scalar's first character, in this order. */
const FIRST_CHARS: Record<string, string> = {
  bool: 'yYnNtTfFoO',
  float: '-+0123456789.',
  int: '-+0123456789',
  merge: '<',
  null: '~nN',
  timestamp: '0123456789',
  value: '=',
};

const applies = (kind: string, text: string): boolean =>
  text === '' ? kind === 'null' : (FIRST_CHARS[kind] ?? '').includes(text[0]!);

/** Types a plain scalar the way PyYAML's SafeLoader does. */
export function resolvePlainScalar(text: string): Resolved {
  if (applies('bool', text) && BOOL.test(text)) return { ok: true, value: /^(?:yes|true|on)$/i.test(text) };
  if (applies('float', text) && FLOAT.test(text)) return { ok: true, value: constructFloat(text) };
  if (applies('int', text) && INT.test(text)) return constructInt(text);
  if (applies('merge', text) && text === '<<') {
    return { ok: false, code: 'yaml-merge-key', message: 'YAML merge keys ("<<") are not accepted: write the variables out' };
  }
  if (applies('null', text) && NULL.test(text)) return { ok: true, value: null };
  if (applies('timestamp', text) && TIMESTAMP.test(text)) {
    return { ok: false, code: 'yaml-timestamp', message: 'is a date to Ansible (YAML 1.1), not text; quote it to keep it a string' };
  }
  if (applies('value', text) && text === '=') {
    return { ok: false, code: 'yaml-bad-scalar', message: 'a bare "=" is a YAML 1.1 value key Ansible cannot read; quote it' };
  }
  return { ok: true, value: text };
}

function constructFloat(text: string): number {
  let v = text.replace(/_/g, '').toLowerCase();
  const sign = v[0] === '-' ? -1 : 1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) {
    let value = 0;
    let base = 1;
    for (const part of v.split(':').reverse()) {
      value += Number(part) * base;
      base *= 60;
    }
    return sign * value;
  }
  return sign * Number(v);
}

function constructInt(text: string): Resolved {
  let v = text.replace(/_/g, '');
  const negative = v[0] === '-';
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  let n: bigint;
  if (v === '0') n = 0n;
  else if (v.startsWith('0b') || v.startsWith('0x')) {
    if (v.length === 2) return { ok: false, code: 'yaml-bad-scalar', message: 'is a number without digits, which Ansible cannot read; quote it' };
    n = BigInt(v);
  } else if (v[0] === '0') n = BigInt(`0o${v.slice(1)}`);
  else if (v.includes(':')) {
    n = 0n;
    let base = 1n;
    for (const part of v.split(':').reverse()) {
      n += BigInt(part) * base;
      base *= 60n;
    }
  } else n = BigInt(v);
  if (negative) n = -n;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    return { ok: false, code: 'yaml-int-range', message: 'is an integer too large to check exactly; quote it if it is text' };
  }
  return { ok: true, value: Number(n) };
}
