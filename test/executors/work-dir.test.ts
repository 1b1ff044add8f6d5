import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkDir, WorkDirError } from '../../src/executors/work-dir.js';

const gone = (p: string) => access(p).then(() => false, () => true);

test('files are written with their modes, builtin is linked, remove() cleans up', async () => {
  const root = await mkdtemp(join(tmpdir(), 'workdir-test-'));
  try {
    const dir = await createWorkDir({
      root,
      label: 'op/with spaces',
      builtinDir: '/opt/playbooks',
      files: [
        { path: 'inventory/hosts.yml', content: 'all: {}\n', mode: 0o600, secret: false },
        { path: 'auth/ssh-privatekey', content: 'KEY', mode: 0o600, secret: true },
        { path: 'scripts/hook.sh', content: '#!/bin/sh\n', mode: 0o755, secret: false },
      ],
    });
    assert.match(dir.path, /\/slipway-op_with_spaces-[^/]+$/);
    assert.equal((await stat(dir.path)).mode & 0o777, 0o700);
    assert.equal(await readlink(join(dir.path, 'builtin')), '/opt/playbooks');
    assert.equal(await readFile(join(dir.path, 'auth/ssh-privatekey'), 'utf8'), 'KEY');
    assert.equal((await stat(join(dir.path, 'auth/ssh-privatekey'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir.path, 'scripts/hook.sh'))).mode & 0o777, 0o755);
    assert.equal((await stat(dir.socketDir)).isDirectory(), true);
    await dir.remove();
    assert.ok(await gone(dir.path));
    assert.ok(await gone(dir.socketDir));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('paths that escape the work dir or shadow builtin are refused before anything is written', async () => {
  const root = await mkdtemp(join(tmpdir(), 'workdir-test-'));
  try {
    for (const path of ['/etc/passwd', '../x', 'a/../../x', 'a/./b', 'builtin/cluster.yml', 'builtin', '']) {
      await assert.rejects(
        createWorkDir({ root, label: 'x', builtinDir: '/opt', files: [{ path, content: '', mode: 0o600, secret: false }] }),
        WorkDirError,
        path,
      );
    }
    assert.deepEqual(await import('node:fs/promises').then((fs) => fs.readdir(root)), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
