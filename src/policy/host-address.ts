import { isIPv4, isIPv6 } from 'node:net';

/**
 * Why `value` is not acceptable as an SSH target address (ansible_host), or undefined.
 * Refuses loopback and "this host" addresses (they reach the machine running Ansible, i.e.
 * Slipway or its job pod), and numeric spellings resolvers turn into addresses no one meant
 * (`2130706433`, `127.1`, `0x7f.0.0.1` all mean 127.0.0.1).
 * `allowLoopback` is for the operator's own test hosts (Slipway's --local-hosts mode), where
 * sshd processes on 127.x.y.z stand in for machines; "this host" addresses stay refused.
 */
export function badHostAddress(value: unknown, opts: { allowLoopback?: boolean } = {}): string | undefined {
  if (typeof value !== 'string' || value === '') return 'must be a host name or an IP address';
  let v = value;
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  if (v.includes(':')) {
    if (!isIPv6(v)) return 'is not a valid IPv6 address';
    const groups = expandIPv6(v);
    if (groups.slice(0, 7).every((g) => g === 0) && (groups[7] === 0 || (groups[7] === 1 && !opts.allowLoopback))) {
      return 'is a loopback or unspecified address (it reaches the machine running Ansible)';
    }
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
      const v4 = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
      return badIPv4(v4, opts);
    }
    return undefined;
  }
  const labels = v.replace(/\.$/, '').split('.');
  const numeric = labels.every((l) => /^(?:\d+|0[xX][0-9a-fA-F]*)$/.test(l));
  if (numeric || /^\d+$/.test(labels[labels.length - 1] ?? '')) {
    if (!isIPv4(v) || labels.some((l) => l.length > 1 && l.startsWith('0'))) {
      return 'is a numeric address that is not a plain dotted IPv4 address (resolvers read such forms in surprising ways)';
    }
    return badIPv4(v, opts);
  }
  if (v.length > 253 || !labels.every((l) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))) {
    return 'is not a valid host name';
  }
  const lower = v.toLowerCase().replace(/\.$/, '');
  if (!opts.allowLoopback && (LOCAL_NAMES.has(lower) || lower.endsWith('.localhost'))) {
    return 'names the machine running Ansible (loopback)';
  }
  return undefined;
}

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

function badIPv4(v: string, opts: { allowLoopback?: boolean }): string | undefined {
  const first = Number(v.split('.')[0]);
  if (first === 127 && !opts.allowLoopback) return 'is a loopback address (it reaches the machine running Ansible)';
  if (first === 0) return 'is a "this host" address (it reaches the machine running Ansible)';
  return undefined;
}

function expandIPv6(v: string): number[] {
  let text = v;
  const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (m) {
    const [a, b, c, d] = m.slice(2).map(Number) as [number, number, number, number];
    text = `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...new Array<string>(Math.max(8 - h.length - r.length, 0)).fill('0'), ...r];
  return groups.map((g) => parseInt(g, 16));
}

/** Why `value` is not a plain user name (it ends up in ssh -o User=… and in sudo -u …). */
export function badUserName(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/.test(value)) {
    return 'must be a plain user name (letters, digits, "_", ".", "@", "-"; not starting with "-")';
  }
  return undefined;
}
