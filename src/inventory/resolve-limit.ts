import type { ProblemSink } from '../api/input-error.js';
import { groupMembers, type Inventory } from './inventory-model.js';

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Hosts one pattern term names: a host, a group, `all`, or a `*` wildcard over both. */
function termHosts(inv: Inventory, term: string): string[] | undefined {
  if (term === 'all' || term === '*') return [...inv.hosts.keys()];
  if (inv.hosts.has(term)) return [term];
  if (inv.groups.has(term)) return groupMembers(inv, term).filter((h) => inv.hosts.has(h));
  if (term.includes('*') || term.includes('?')) {
    const re = globToRegExp(term);
    const out = new Set<string>();
    for (const h of inv.hosts.keys()) if (re.test(h)) out.add(h);
    for (const g of inv.groups.keys()) if (re.test(g)) for (const h of termHosts(inv, g) ?? []) out.add(h);
    return out.size > 0 ? [...out] : undefined;
  }
  return undefined;
}

/**
 * Resolves an ansible host pattern as used in --limit (`a,b`, `a:b`, `!x`, `&y`, `*`) to the
 * inventory's hosts, in inventory order. Every term must name something: a typo must not
 * silently shrink or empty the run, so unknown terms are reported and nothing is returned.
 */
export function resolveLimit(inv: Inventory, limit: string, sink: ProblemSink): string[] | undefined {
  const terms = limit.split(/[,:]/).map((t) => t.trim()).filter(Boolean);
  const include = new Set<string>();
  const unknown: string[] = [];
  let intersect: Set<string> | undefined;
  const exclude = new Set<string>();
  for (const raw of terms) {
    const op = raw[0] === '!' || raw[0] === '&' ? raw[0] : '';
    const term = op ? raw.slice(1) : raw;
    const hosts = termHosts(inv, term);
    if (!hosts) {
      unknown.push(term);
      continue;
    }
    if (op === '!') hosts.forEach((h) => exclude.add(h));
    else if (op === '&') intersect = new Set(hosts.filter((h) => !intersect || intersect.has(h)));
    else hosts.forEach((h) => include.add(h));
  }
  if (unknown.length > 0) {
    sink.error('unknown-limit', `--limit ${JSON.stringify(limit)} names unknown hosts or groups: ${unknown.join(', ')}`);
    return undefined;
  }
  // Like ansible, a pattern made only of exclusions/intersections starts from all hosts.
  const fromAll = terms.every((t) => t[0] === '!' || t[0] === '&');
  return [...inv.hosts.keys()].filter(
    (h) => (fromAll || include.has(h)) && !exclude.has(h) && (!intersect || intersect.has(h)),
  );
}
