import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Inventory } from '../inventory/inventory-model.js';
import type { AddressFacts } from '../policy/host-address.js';

export interface ResolveOptions {
  /** Per name; a name that does not resolve in time is left unresolved (ssh will fail on it too). */
  timeoutMs?: number;
  concurrency?: number;
  /** Shared across the operations of one run, so each name is looked up once. */
  cache?: Map<string, Promise<string[]>>;
}

/**
 * What the policy needs to know about this machine's addresses (I/O, so it happens before
 * planning): the addresses of its own interfaces, and what each host name resolves to here,
 * through /etc/hosts and DNS as ssh would resolve it. Literal IP addresses are not looked up.
 */
export async function resolveAddresses(names: Iterable<string>, opts: ResolveOptions = {}): Promise<AddressFacts> {
  const cache = opts.cache ?? new Map<string, Promise<string[]>>();
  const timeoutMs = opts.timeoutMs ?? 3000;
  const pending = [...new Set(names)].filter((n) => n !== '' && isIP(n.replace(/^\[|\]$/g, '')) === 0);
  const resolved = new Map<string, string[]>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const name = pending[next++]!;
      let found = cache.get(name);
      if (!found) {
        found = lookupWithin(name, timeoutMs);
        cache.set(name, found);
      }
      resolved.set(name, await found);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, pending.length)) }, worker));
  return { local: localAddresses(), resolved };
}

/** The addresses of this machine's interfaces, loopback included. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

async function lookupWithin(name: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    const found = lookup(name, { all: true, verbatim: true }).then(
      (list) => list.map((a) => a.address),
      () => [] as string[],
    );
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host names an inventory connects to: each ansible_host that is a name, else the host's key. */
export function addressNames(hosts: Iterable<{ name: string; vars: Record<string, unknown> }>): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const target = h.vars.ansible_host ?? h.vars.ansible_ssh_host ?? h.name;
    if (typeof target === 'string') out.push(target);
  }
  return out;
}

/** resolveAddresses for an operation's inventory, as parseInputs read it; an unreadable one resolves nothing (the planner reports it). */
export function resolveInventoryAddresses(inventory: Inventory | undefined, opts: ResolveOptions = {}): Promise<AddressFacts> {
  return resolveAddresses(inventory ? addressNames(inventory.hosts.values()) : [], opts);
}
