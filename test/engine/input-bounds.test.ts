import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, formatProblem } from '../../src/api/input-error.js';
import { DEFAULT_DEADLINE_SECONDS } from '../../src/engine/operation-deadline.js';
import { preparePlan, type OperatorOptions } from '../../src/engine/prepare-plan.js';
import { CATALOG, HOSTS_YML, inputOf, manifestText } from './operation-fixture.js';

type Opts = Parameters<typeof manifestText>[0];

async function rejection(opts: Opts, operator: OperatorOptions = {}): Promise<InputError> {
  try {
    preparePlan(await inputOf(manifestText(opts)), CATALOG, operator);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  assert.fail('expected the input to be rejected');
}

const big = (n: number): string => `# ${'x'.repeat(n)}\n`;
const SCRIPTS = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scripts, namespace: kubean-system}\ndata:\n';

/** Every input over its bound: the code, object and key it is reported at. */
const OVERSIZED: { name: string; opts: Opts; object: string; key: string; operator?: OperatorOptions }[] = [
  { name: 'hosts.yml over 1 MiB', opts: { hosts: HOSTS_YML + big(1 << 20) }, object: 'ConfigMap kubean-system/demo-hosts', key: 'hosts.yml' },
  { name: 'group_vars.yml over 1 MiB', opts: { vars: big(1 << 20) }, object: 'ConfigMap kubean-system/demo-vars', key: 'group_vars.yml' },
  { name: 'extraArgs over 1 MiB', opts: { op: { extraArgs: `-e x=${'y'.repeat(1 << 20)}` } }, object: 'ClusterOperation demo-op', key: 'spec.extraArgs' },
  {
    name: 'a postHook extraArgs over the configured limit',
    opts: { op: { postHook: [{ actionType: 'playbook', action: 'ping.yml', extraArgs: '-v '.repeat(100) }] } },
    object: 'ClusterOperation demo-op',
    key: 'spec.postHook[0].extraArgs',
    operator: { limits: { maxExtraArgsBytes: 64 } },
  },
  {
    name: 'a ConfigMap script over 1 MiB',
    opts: {
      op: { actionType: 'shell', action: 'big.sh', actionSource: 'configmap', actionSourceRef: { namespace: 'kubean-system', name: 'scripts' } },
      extra: `${SCRIPTS}  big.sh: "${'e'.repeat((1 << 20) + 1)}"`,
    },
    object: 'ConfigMap kubean-system/scripts',
    key: 'big.sh',
  },
  { name: 'a multi-byte hosts.yml over the limit in bytes', opts: { hosts: HOSTS_YML + `# ${'ü'.repeat(600)}\n` }, object: 'ConfigMap kubean-system/demo-hosts', key: 'hosts.yml', operator: { limits: { maxTextBytes: 1500 } } },
];

describe('preparePlan bounds every input before parsing it', () => {
  for (const c of OVERSIZED) {
    it(c.name, async () => {
      const err = await rejection(c.opts, c.operator);
      const p = err.problems.find((x) => x.code === 'input-too-large');
      assert.ok(p, err.message.slice(0, 500));
      assert.equal(p.object, c.object);
      assert.equal(p.key, c.key);
      assert.ok(formatProblem(p).length < 300);
    });
  }

  it('bounds the SSH key', async () => {
    const err = await rejection({}, { limits: { maxTextBytes: 100 } });
    assert.ok(err.problems.some((p) => p.code === 'input-too-large' && p.key === 'ssh-privatekey'), err.message);
  });

  it('reports an alias bomb in group_vars.yml with its line', async () => {
    const vars = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    const err = await rejection({ vars });
    const p = err.problems.find((x) => x.code === 'yaml-alias-bomb');
    assert.deepEqual([p?.object, p?.key, p?.line], ['ConfigMap kubean-system/demo-vars', 'group_vars.yml', 4]);
  });

  it('counts hosts against the operator limit', async () => {
    const err = await rejection({}, { limits: { maxHosts: 2 } });
    assert.ok(err.problems.some((p) => p.code === 'too-many-hosts' && p.line === 2), err.message);
  });

  it('refuses integer spellings of loopback as ansible_host (YAML 1.1 ints)', async () => {
    for (const spelling of ['0x7f_00_00_01', '2_130_706_433', '0b1111111000000000000000000000001', '0_0']) {
      const err = await rejection({ hosts: HOSTS_YML.replace('ansible_host: 10.6.0.12', `ansible_host: ${spelling}`) });
      assert.ok(err.problems.some((p) => p.code === 'bad-host-address' && p.line === 8), `${spelling}: ${err.message}`);
    }
  });

  it('refuses merge keys that would add ansible_ssh_common_args', async () => {
    const hosts = `evil: &evil\n  ansible_ssh_common_args: -o ProxyCommand=id\n${HOSTS_YML.replace('ansible_host: 10.6.0.12', 'ansible_host: 10.6.0.12\n      <<: *evil')}`;
    const err = await rejection({ hosts });
    assert.ok(err.problems.some((p) => p.code === 'yaml-merge-key'), err.message);
  });
});

describe('every operation has a deadline', () => {
  it('defaults to 6 h from the operator', async () => {
    const plan = preparePlan(await inputOf(manifestText({})), CATALOG);
    assert.equal(plan.activeDeadlineSeconds, DEFAULT_DEADLINE_SECONDS);
    assert.equal(plan.deadlineSource, 'operator');
  });

  it('takes spec.activeDeadlineSeconds over the default', async () => {
    const plan = preparePlan(await inputOf(manifestText({ op: { activeDeadlineSeconds: 600 } })), CATALOG, { defaultDeadlineSeconds: 60 });
    assert.deepEqual([plan.activeDeadlineSeconds, plan.deadlineSource], [600, 'spec']);
  });

  it('refuses 0 and more than a week (a Job\'s deadline is positive; 2^63-1 is no deadline)', async () => {
    for (const activeDeadlineSeconds of [0, 7 * 24 * 3600 + 1, 2 ** 63 - 1]) {
      const err = await rejection({ op: { activeDeadlineSeconds } });
      assert.deepEqual(err.problems.map((p) => [p.code, p.key]), [['bad-deadline', 'spec.activeDeadlineSeconds']]);
    }
  });
});

describe('the files ansible reads are rendered from the checked model', () => {
  it('quotes every string and keeps YAML 1.1 types', async () => {
    const plan = preparePlan(await inputOf(manifestText({ vars: 'kube_version: v1.34.4\nflag: yes\nmode: 0755\nname: "yes"\n' })), CATALOG);
    const vars = plan.files.find((f) => f.path === 'vars/group_vars.yml')!.content;
    assert.match(vars, /^"flag": true$/m);
    assert.match(vars, /^"mode": 493$/m);
    assert.match(vars, /^"name": "yes"$/m);
    const inventory = plan.files.find((f) => f.path === 'inventory/hosts.yml')!.content;
    assert.match(inventory, /^ {6}"ansible_host": "10\.6\.0\.11"$/m);
  });
});
