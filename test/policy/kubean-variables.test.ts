import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { checkKubeanVariables, judgeVariable, KUBEAN_VARIABLES } from '../../src/policy/kubean-variables.js';
import { finishedStatus, runningStatus } from '../../src/status/operation-status.js';
import type { ClusterOperation } from '../../src/api/types.js';
import { REPO } from '../cli/cli-fixture.js';
import { collect } from './collect.js';

/** Every file under dir, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));
}

/** The variables each group_vars.yml of examples/ (Slipway's copies of kubean's examples) sets. */
function exampleVariables(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files(join(REPO, 'examples')).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const o = doc.toJS() as { kind?: string; data?: Record<string, string> } | null;
      const text = o?.kind === 'ConfigMap' ? o.data?.['group_vars.yml'] : undefined;
      if (text === undefined) continue;
      for (const name of Object.keys((parse(text) as Record<string, unknown> | null) ?? {})) out.set(name, file);
    }
  }
  return out;
}

/** The text of every file of playbooks/, comments dropped: what the roles read. */
const PLAYBOOK_TEXT = files(join(REPO, 'playbooks'))
  .filter((f) => /\.(ya?ml|j2)$/.test(f))
  .map((f) => readFileSync(f, 'utf8').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n'))
  .join('\n');
const readByPlaybooks = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(PLAYBOOK_TEXT);

describe('the kubean variable table', () => {
  it('knows every variable the kubean examples in examples/ set', () => {
    const missing = [...exampleVariables()].filter(([name]) => !Object.hasOwn(KUBEAN_VARIABLES, name)).map(([n, f]) => `${n} (${f})`);
    assert.deepEqual(missing, []);
  });

  it('marks implemented only what playbooks/ reads, and names the role', () => {
    for (const [name, rule] of Object.entries(KUBEAN_VARIABLES)) {
      if (rule.status !== 'implemented') continue;
      assert.ok(readByPlaybooks(name), `${name} is marked implemented but no playbook or template reads it`);
      const roles = rule.note.match(/^[a-z_]+/g) ?? [];
      assert.ok(roles.length > 0 && readdirSync(join(REPO, 'playbooks', 'roles')).includes(roles[0]!), `${name}: "${rule.note}" names no role`);
    }
  });

  it('leaves unread only variables it says are not honoured, and the read ones it does not mark implemented honour only what the roles do', () => {
    const readButNotImplemented = Object.entries(KUBEAN_VARIABLES)
      .filter(([name, rule]) => rule.status !== 'implemented' && readByPlaybooks(name))
      .map(([name]) => name)
      .sort();
    // preflight refuses other runtimes and etcd modes; restart-nginx-proxy.yml names kubeadm's fixed directories.
    assert.deepEqual(readButNotImplemented, ['container_manager', 'etcd_deployment_type', 'kube_config_dir', 'kube_manifest_dir']);
    for (const name of readButNotImplemented) assert.ok(KUBEAN_VARIABLES[name]!.honours, `${name} must say which value it behaves as`);
  });

  it('gives every not-honoured or refused variable a reason', () => {
    for (const [name, rule] of Object.entries(KUBEAN_VARIABLES)) {
      if (rule.status !== 'implemented') assert.ok(rule.note.length > 15, `${name}: no reason`);
    }
  });
});

describe('judgeVariable', () => {
  const cases: [string, unknown, string | undefined][] = [
    ['kube_network_plugin', 'calico', 'honoured'],
    ['kube_network_plugin', 'flannel', 'honoured'],
    ['kube_network_plugin', 'cilium', 'refused'],
    ['container_manager', 'containerd', 'honoured'],
    ['container_manager', 'docker', 'refused'],
    ['enable_nodelocaldns', false, 'honoured'],
    ['enable_nodelocaldns', 'no', 'honoured'],
    ['enable_nodelocaldns', true, 'refused'],
    ['kube_network_plugin_multus', true, 'refused'],
    ['metrics_server_enabled', true, 'refused'],
    ['kubernetes_audit', true, 'refused'],
    ['ntp_enabled', true, 'ignored'],
    ['ntp_enabled', false, 'honoured'],
    ['override_system_hostname', false, 'honoured'],
    ['override_system_hostname', true, 'ignored'],
    ['kube_proxy_mode', 'ipvs', 'honoured'],
    ['kube_proxy_mode', 'userspace', 'refused'],
    ['kubelet_max_pods', 64, 'honoured'],
    ['gcr_image_repo', 'gcr.m.daocloud.io', 'honoured'],
    ['kube_owner', 'root', 'honoured'],
    ['kube_owner', 'kube', 'ignored'],
    ['my_own_hook_variable', 1, undefined],
    ['toString', 1, undefined],
  ];
  for (const [name, value, kind] of cases) {
    it(`${name}: ${JSON.stringify(value)} is ${kind ?? 'unknown'}`, () => {
      assert.equal(judgeVariable(name, value)?.kind, kind);
    });
  }
});

describe('checkKubeanVariables', () => {
  const set = [
    { name: 'container_manager', value: 'docker', line: 3 },
    { name: 'ntp_enabled', value: true, line: 5 },
    { name: 'kube_version', value: '1.34.4', line: 1 },
    { name: 'download_localhost', value: true, line: 7 },
  ];

  it('refuses what Slipway does not ship and warns about what it ignores, naming the variable and line', () => {
    const { errors, warnings } = collect((sink) => checkKubeanVariables(set, sink, { refuse: true }));
    assert.deepEqual(errors.map((e) => [e.code, e.path, e.line]), [['var-refused', 'container_manager', 3]]);
    assert.match(errors[0]!.message, /^"docker" is refused: Slipway installs containerd only/);
    // download_localhost is the variable policy's (localhost-switch), not warned twice.
    assert.deepEqual(warnings.map((w) => [w.code, w.path, w.line]), [['var-not-honoured', 'ntp_enabled', 5]]);
  });

  it('only warns when the action configures nothing (reset.yml must still run)', () => {
    const { errors, warnings } = collect((sink) => checkKubeanVariables(set, sink, { refuse: false }));
    assert.equal(errors.length, 0);
    assert.deepEqual(warnings.map((w) => w.path), ['container_manager', 'ntp_enabled']);
  });
});

describe("the operation's status message", () => {
  const op = { apiVersion: 'kubean.io/v1alpha1', kind: 'ClusterOperation', metadata: { name: 'o' }, spec: { cluster: 'c', actionType: 'playbook', action: 'cluster.yml' } } as ClusterOperation;
  const warning = 'ConfigMap kubean-system/v, key group_vars.yml, line 5, ntp_enabled: true is not honoured: no time sync';

  it('names each variable Slipway will not honour, while running and once done, bounded', () => {
    assert.equal(runningStatus(op, 'now', { warnings: [warning] }).message, `running; 1 warning(s): ${warning}`);
    const result = { status: 'Succeeded' as const, steps: [], startTime: 'a', endTime: 'b' };
    assert.equal(finishedStatus(op, result, { warnings: [warning] }).message, `0 step(s) succeeded; 1 warning(s): ${warning}`);
    assert.equal(runningStatus(op, 'now', { warnings: [] }).message, 'running');
    const many = runningStatus(op, 'now', { warnings: Array.from({ length: 500 }, () => warning) }).message!;
    assert.ok(many.length < 8192, `${many.length}`);
    assert.match(many, /^running; 500 warning\(s\): .*; and 480 more$/);
  });
});
