import { isIPv4, isIPv6 } from 'node:net';

/**
 * What Slipway's machine knows about addresses, gathered by src/operations/resolve-addresses.ts
 * before planning (the policy itself does no I/O).
 */
export interface AddressFacts {
  /** Addresses of this machine's own interfaces (os.networkInterfaces()). */
  local: readonly string[];
  /** What each host name used as an SSH address resolves to here (dns.lookup, all: true). */
  resolved: ReadonlyMap<string, readonly string[]>;
}

export interface AddressOptions {
  /**
   * Accept loopback addresses and names (refused by default: they reach the machine running
   * Ansible). Only for the operator's own stand-in hosts, e.g. --local-hosts mode; "this
   * host" addresses and this machine's interface addresses stay refused.
   */
  allowLoopback?: boolean;
  machine?: AddressFacts;
}

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/**
 * Why `value` is not acceptable as an SSH target (a host key or ansible_host), or undefined.
 * The one definition of "reaches the machine running Ansible" (Slipway or its job pod):
 * loopback and "this host" addresses, localhost names, this machine's interface addresses,
 * names that resolve to any of those here, and numeric spellings resolvers turn into
 * addresses no one meant (`2130706433`, `127.1`, `0x7f.0.0.1` all mean 127.0.0.1). Numbers
 * (a YAML 1.1 `0x7f000001` is one) are read as inet_aton reads them, to say what they mean.
 */
export function badHostAddress(value: unknown, opts: AddressOptions = {}): string | undefined {
  if (typeof value === 'number') return badNumber(value, opts);
  if (typeof value !== 'string' || value === '') return 'must be a host name or an IP address';
  let v = value;
  if (v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
  if (v.includes(':')) {
    if (!isIPv6(v)) return 'is not a valid IPv6 address';
    return badIP(v, opts);
  }
  const labels = v.replace(/\.$/, '').split('.');
  const numeric = labels.every((l) => /^(?:\d+|0[xX][0-9a-fA-F]*)$/.test(l));
  if (numeric || /^\d+$/.test(labels[labels.length - 1] ?? '')) {
    if (!isIPv4(v) || labels.some((l) => l.length > 1 && l.startsWith('0'))) {
      return 'is a numeric address that is not a plain dotted IPv4 address (resolvers read such forms in surprising ways)';
    }
    return badIP(v, opts);
  }
  if (v.length > 253 || !labels.every((l) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))) {
    return 'is not a valid host name';
  }
  const lower = v.toLowerCase().replace(/\.$/, '');
  if (!opts.allowLoopback && (LOCAL_NAMES.has(lower) || lower.endsWith('.localhost'))) {
    return 'names the machine running Ansible (loopback)';
  }
  for (const address of opts.machine?.resolved.get(v) ?? []) {
    const bad = badIP(address, opts);
    if (bad) return `resolves to ${address} on Slipway's machine, which ${bad}`;
  }
  return undefined;
}

/** Whether `address` (IPv4 or IPv6 text) is a loopback address. */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  const g = expandIPv6(address);
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true;
  return isMappedIPv4(g) && g[6]! >> 8 === 127;
}

function badNumber(n: number, opts: AddressOptions): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return 'must be a host name or an IP address, not a number';
  const dotted = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const bad = badIP(dotted, opts);
  return `is the number ${n}, which resolvers read as ${dotted}${bad ? ` (it ${bad})` : ''}; write a host name or a dotted IPv4 address, quoted`;
}

/** Why an IP address (already valid text) is refused, or undefined. */
function badIP(address: string, opts: AddressOptions): string | undefined {
  const plain = address.replace(/%.*$/, '');
  let v4 = isIPv4(plain) ? plain : undefined;
  if (!v4) {
    const g = expandIPv6(plain);
    if (g.every((x) => x === 0)) return 'is the unspecified address (it reaches the machine running Ansible)';
    if (isMappedIPv4(g)) v4 = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  if (v4?.startsWith('0.')) return 'is a "this host" address (it reaches the machine running Ansible)';
  if (isLoopbackAddress(plain)) {
    return opts.allowLoopback ? undefined : 'is a loopback address (it reaches the machine running Ansible)';
  }
  const key = canonical(v4 ?? plain);
  if (opts.machine?.local.some((l) => canonical(l.replace(/%.*$/, '')) === key)) {
    return "is an address of Slipway's own machine";
  }
  return undefined;
}

function canonical(address: string): string {
  return isIPv6(address) ? expandIPv6(address).join(':') : address;
}

function isMappedIPv4(g: number[]): boolean {
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
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
