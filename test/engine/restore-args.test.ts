import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/api/input-error.js';
import { preparePlan } from '../../src/engine/prepare-plan.js';
import { CATALOG as BASE, inputOf, manifestText } from './operation-fixture.js';

const CATALOG = { ...BASE, playbooks: new Set([...BASE.playbooks, 'restore-etcd.yml']) };

async function refusalCodes(extraArgs: string | undefined): Promise<string[]> {
  try {
    preparePlan(await inputOf(manifestText({ op: { action: 'restore-etcd.yml', ...(extraArgs === undefined ? {} : { extraArgs }) } })), CATALOG);
  } catch (err) {
    if (err instanceof InputError) return err.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort();
    throw err;
  }
  return [];
}

describe('restore-etcd.yml confirmation', () => {
  const cases: Array<[string | undefined, string[]]> = [
    [undefined, ['restore-no-snapshot', 'restore-unconfirmed']],
    ['-e etcd_restore_snapshot=snapshot-20261207T221500Z.db', ['restore-unconfirmed']],
    ['-e restore_confirmation=no -e etcd_restore_snapshot=snapshot-1.db', ['restore-unconfirmed']],
    ['-e restore_confirmation=yes', ['restore-no-snapshot']],
    ['-e restore_confirmation=yes -e etcd_restore_snapshot=../../etc/shadow', ['restore-bad-snapshot']],
    ['-e restore_confirmation=yes -e etcd_restore_snapshot=/var/backups/../x.db', ['restore-bad-snapshot']],
    ['-e restore_confirmation=yes -e etcd_restore_snapshot=snapshot-20261207T221500Z.db', []],
    ['-e restore_confirmation=YES -e etcd_restore_snapshot=/srv/etcd/snap.db', []],
    // The last -e wins in Ansible, so it wins here too.
    ['-e restore_confirmation=yes -e etcd_restore_snapshot=a.db -e restore_confirmation=no', ['restore-unconfirmed']],
  ];
  for (const [args, codes] of cases) {
    it(`${args ?? '(no extraArgs)'} → ${codes.join(', ') || 'planned'}`, async () => {
      assert.deepEqual(await refusalCodes(args), codes);
    });
  }

  it('plans the confirmed restore with the checked variables', async () => {
    const p = preparePlan(await inputOf(manifestText({ op: { action: 'restore-etcd.yml', extraArgs: '-e restore_confirmation=yes -e etcd_restore_snapshot=snapshot-1.db' } })), CATALOG);
    const argv = p.steps[0]!.argv.join(' ');
    assert.match(argv, /builtin\/restore-etcd\.yml -e restore_confirmation=yes -e etcd_restore_snapshot=snapshot-1\.db/);
  });
});
