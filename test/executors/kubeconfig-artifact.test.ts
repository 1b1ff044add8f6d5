/**
 * The admin kubeconfig is what a step left in the work directory, so a step decides what sits
 * on that path. Sandboxed playbooks plant a symlinked artifacts dir, a symlinked admin.conf and
 * a FIFO: Slipway (root) reads no foreign file, does not hang, and the operation says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executorHarness, recorder } from './harness.js';
import { buildTestPlan } from './plan-fixture.js';
import { KUBECONFIG_ARTIFACT } from '../../src/engine/plan-types.js';

const h = await executorHarness('artifact');

/** A play on the sandbox's own side (policy-refused, which is the point) running `tasks`. */
function localPlay(tasks: string): string {
  return `- hosts: localhost
  connection: local
  become: false
  gather_facts: false
  tasks:
${tasks}`;
}

/** Another directory's admin.conf, readable by root only: what a planted link aims at. */
async function foreignKubeconfig(): Promise<{ dir: string; secret: string }> {
  const dir = await h.markerDir();
  const secret = h.env.randomName('foreign-admin-conf');
  await writeFile(join(dir, 'admin.conf'), `apiVersion: v1\nkind: Config\n# ${secret}\n`, { mode: 0o600 });
  return { dir, secret };
}

async function runWith(name: string, tasks: string) {
  const plan = await buildTestPlan(h.env, {
    operation: h.env.randomName(name),
    steps: [{ role: 'action', playbookText: localPlay(tasks), name: `${name}.yml` }],
  });
  plan.kubeconfigArtifact = KUBECONFIG_ARTIFACT;
  const { events, sink } = recorder();
  const started = Date.now();
  const result = await h.executor.run(plan, sink);
  return { result, events, seconds: (Date.now() - started) / 1000 };
}

test('a regular artifacts/admin.conf is taken', async () => {
  const { result } = await runWith('plain', `    - ansible.builtin.file: { path: "{{ playbook_dir }}/../../artifacts", state: directory }
    - ansible.builtin.copy: { dest: "{{ playbook_dir }}/../../artifacts/admin.conf", content: "kind: Config\\n" }
`);
  assert.equal(result.status, 'Succeeded', JSON.stringify(result.failed));
  assert.equal(result.kubeconfig, 'kind: Config\n');
});

test('artifacts as a symlink to another directory: nothing is read through it', async () => {
  const foreign = await foreignKubeconfig();
  const { result, events } = await runWith('dirlink', `    - ansible.builtin.file: { src: "${foreign.dir}", dest: "{{ playbook_dir }}/../../artifacts", state: link, force: true, follow: false }
`);
  assert.equal(result.status, 'Failed');
  assert.equal(result.kubeconfig, undefined);
  assert.match(result.failed?.message ?? '', /admin kubeconfig .* not taken: artifacts is a symbolic link/);
  const everything = JSON.stringify({ result, events }) + (await readFile(h.logFile, 'utf8'));
  assert.ok(!everything.includes(foreign.secret), 'the foreign admin.conf was read');
});

test('admin.conf as a symlink to another file: not followed', async () => {
  const foreign = await foreignKubeconfig();
  const { result, events } = await runWith('filelink', `    - ansible.builtin.file: { path: "{{ playbook_dir }}/../../artifacts", state: directory }
    - ansible.builtin.file: { src: "${foreign.dir}/admin.conf", dest: "{{ playbook_dir }}/../../artifacts/admin.conf", state: link, force: true, follow: false }
`);
  assert.equal(result.status, 'Failed');
  assert.equal(result.kubeconfig, undefined);
  assert.match(result.failed?.message ?? '', /artifacts\/admin\.conf is a symbolic link/);
  assert.ok(!JSON.stringify({ result, events }).includes(foreign.secret));
});

test('admin.conf as a FIFO: Slipway does not wait for a writer, and says what it found', async () => {
  const { result, seconds } = await runWith('fifo', `    - ansible.builtin.file: { path: "{{ playbook_dir }}/../../artifacts", state: directory }
    - ansible.builtin.command: mkfifo "{{ playbook_dir }}/../../artifacts/admin.conf"
`);
  assert.equal(result.status, 'Failed');
  assert.match(result.failed?.message ?? '', /artifacts\/admin\.conf is not a regular file \(a FIFO\)/);
  // ansible's own start is a few seconds; a blocked open would never return.
  assert.ok(seconds < 60, `took ${seconds} s`);
});
