import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { addressNames, localAddresses, resolveAddresses } from '../../src/operations/resolve-addresses.js';
import { badHostAddress } from '../../src/policy/host-address.js';

test('names resolve through /etc/hosts; literal addresses are not looked up; results are cached', async () => {
  const cache = new Map<string, Promise<string[]>>();
  const facts = await resolveAddresses(['localhost', '10.0.0.1', '[fd00::1]', 'no-such-host.invalid'], { cache, timeoutMs: 2000 });
  assert.ok(facts.resolved.get('localhost')!.some((a) => a === '127.0.0.1' || a === '::1'));
  assert.equal(facts.resolved.has('10.0.0.1'), false);
  assert.equal(facts.resolved.has('[fd00::1]'), false);
  assert.deepEqual(facts.resolved.get('no-such-host.invalid'), []);
  assert.ok(cache.has('localhost'));
  assert.ok(facts.local.includes('127.0.0.1'));
});

test("this machine's own host name is refused as an SSH address", async () => {
  const name = hostname();
  const facts = await resolveAddresses([name]);
  if ((facts.resolved.get(name) ?? []).length === 0) return; // not resolvable here: nothing to check
  assert.ok(badHostAddress(name, { machine: facts }), `${name} → ${facts.resolved.get(name)!.join(', ')}; local ${localAddresses().join(', ')}`);
});

test('the names an inventory connects to', () => {
  assert.deepEqual(addressNames([{ name: 'n1', vars: { ansible_host: 'a.example' } }, { name: 'n2', vars: {} }, { name: 'n3', vars: { ansible_host: 2130706433 } }]), ['a.example', 'n2']);
});
