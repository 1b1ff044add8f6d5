import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { manifestText } from '../engine/operation-fixture.js';
import { CLI, REPO } from './cli-fixture.js';

const op = (name: string, image: string) => `apiVersion: kubean.io/v1alpha1
kind: ClusterOperation
metadata: {name: ${name}}
spec: {cluster: demo, actionType: playbook, action: ping.yml, image: ${JSON.stringify(image)}}`;

describe('slipway plan: the image an operation\'s Job would run, and why', () => {
  let dir = '';
  let file = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-plan-image-'));
    file = join(dir, 'ops.yml');
    const extra = [op('kubean', 'ghcr.io/kubean-io/spray-job:v0.37.0'), op('allowed', 'registry.local/tools/kubespray:v2.27.0'), op('refused', 'attacker.example/steal:1')].join('\n---\n');
    await writeFile(file, manifestText({ extra }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const plan = (name: string, flags: string[] = []) => execa('node', [CLI, 'plan', '-f', file, '--operation', name, ...flags], { cwd: REPO, reject: false });

  it('shows the default, mapped, allowed and refused image under the controller\'s flags', async () => {
    const flags = ['--job-image', 'registry.local/slipway/job:1', '--allow-job-image', 'registry.local/tools/*'];
    const expected: [string, RegExp][] = [
      ['demo-op', /^Job image \(controller\): registry\.local\/slipway\/job:1 \(default: spec\.image is empty: the operator's job image\)$/m],
      ['kubean', /^Job image \(controller\): registry\.local\/slipway\/job:1 \(mapped: ghcr\.io\/kubean-io\/spray-job:v0\.37\.0 is mapped by the operator \(ghcr\.io\/kubean-io\/spray-job\) to the operator's job image registry\.local\/slipway\/job:1\)$/m],
      ['allowed', /^Job image \(controller\): registry\.local\/tools\/kubespray:v2\.27\.0 \(allowed: spec\.image is allowed by the operator \(registry\.local\/tools\/\*\)\)$/m],
      ['refused', /^Job image \(controller\): refused \(job-image-refused\): image "attacker\.example\/steal:1" is not allowed for operation Jobs; the operator allows registry\.local\/slipway\/job:1, registry\.local\/tools\/\*$/m],
    ];
    for (const [name, line] of expected) {
      const r = await plan(name, flags);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, line, name);
    }
  });

  it('uses the controller\'s defaults without flags, and refuses a malformed flag', async () => {
    const r = await plan('kubean');
    assert.match(r.stdout, /Job image \(controller\): slipway\/job:latest \(mapped: /);
    const allowed = await plan('allowed');
    assert.match(allowed.stdout, /Job image \(controller\): refused \(job-image-refused\): .*the operator allows slipway\/job:latest$/m);
    const bad = await plan('allowed', ['--map-job-image', 'no-equals-sign']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /must be FROM=TO/);
  });
});
