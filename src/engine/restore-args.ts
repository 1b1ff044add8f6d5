/**
 * restore-etcd.yml replaces etcd's data on every control plane: the operation must say so in
 * its own words (`-e restore_confirmation=yes`) and name the snapshot (`-e etcd_restore_snapshot=`,
 * a name under the backup directory or an absolute path on the control planes). Refused at
 * planning time, before any host is touched; the playbook asserts the same.
 */
import type { ProblemSink } from '../api/input-error.js';

export const RESTORE_PLAYBOOK = 'restore-etcd.yml';

/** A snapshot name or path: no shell or YAML syntax, no "..". */
const SNAPSHOT = /^\/?[A-Za-z0-9_.:+-]+(\/[A-Za-z0-9_.:+-]+)*$/;

function lastValue(extraVars: readonly Record<string, unknown>[], name: string): unknown {
  let v: unknown;
  for (const vars of extraVars) if (name in vars) v = vars[name];
  return v;
}

/** Files why an action's extra variables do not confirm a restore; nothing for another action. */
export function checkRestoreArgs(action: string, extraVars: readonly Record<string, unknown>[], sink: ProblemSink): void {
  if (action !== RESTORE_PLAYBOOK) return;
  const confirmation = lastValue(extraVars, 'restore_confirmation');
  if (!['yes', 'true'].includes(String(confirmation ?? '').toLowerCase())) {
    sink.error('restore-unconfirmed', `${RESTORE_PLAYBOOK} replaces etcd's data on every control plane: confirm with -e restore_confirmation=yes`);
  }
  const snapshot = lastValue(extraVars, 'etcd_restore_snapshot');
  if (snapshot === undefined || snapshot === '') {
    sink.error('restore-no-snapshot', `${RESTORE_PLAYBOOK} needs the snapshot to restore: -e etcd_restore_snapshot=<name under /var/backups/slipway-etcd, or an absolute path>`);
  } else if (typeof snapshot !== 'string' || !SNAPSHOT.test(snapshot) || snapshot.split('/').includes('..')) {
    sink.error('restore-bad-snapshot', `-e etcd_restore_snapshot=${JSON.stringify(snapshot)} is not a snapshot name or absolute path`);
  }
}
