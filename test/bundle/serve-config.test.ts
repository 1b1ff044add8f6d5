import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { airgapVars, hostPort, renderNginxConfig, renderRegistryConfig } from '../../src/bundle/serve-config.js';
import { parseImagesIndex } from '../../src/bundle/bundle-layout.js';
import { repoRoot } from '../env/repo-root.js';

const template = (name: string): string => readFileSync(join(repoRoot(), 'scripts', 'bundle', name), 'utf8');

test('hostPort brackets IPv6 addresses', () => {
  const rows: [string, number, string][] = [
    ['127.0.0.1', 5000, '127.0.0.1:5000'],
    ['10.88.0.1', 8080, '10.88.0.1:8080'],
    ['fd00::1', 5000, '[fd00::1]:5000'],
  ];
  for (const [address, port, want] of rows) assert.equal(hostPort({ address, port }), want);
});

test('the registry configuration is YAML with the storage, address and read-only mode given', () => {
  for (const readOnly of [true, false]) {
    const cfg = parse(renderRegistryConfig(template('registry.yml'), { listen: { address: '10.88.0.1', port: 5001 }, storage: '/b/registry', readOnly })) as {
      storage: { filesystem: { rootdirectory: string }; maintenance: { readonly: { enabled: boolean } } };
      http: { addr: string };
    };
    assert.equal(cfg.storage.filesystem.rootdirectory, '/b/registry');
    assert.equal(cfg.storage.maintenance.readonly.enabled, readOnly);
    assert.equal(cfg.http.addr, '10.88.0.1:5001');
  }
});

test('the nginx configuration listens on every address, serves the root read-only, runs in the foreground', () => {
  const conf = renderNginxConfig(template('nginx.conf'), {
    listen: [
      { address: '127.0.0.1', port: 8080 },
      { address: '10.88.0.1', port: 8080 },
    ],
    root: '/b/files',
    stateDir: '/b/serve',
    asRoot: false,
  });
  assert.match(conf, /^ {4}listen 127\.0\.0\.1:8080;$/m);
  assert.match(conf, /^ {4}listen 10\.88\.0\.1:8080;$/m);
  assert.match(conf, /^ {4}root \/b\/files;$/m);
  assert.match(conf, /limit_except GET \{\s+deny all;/);
  assert.match(conf, /^daemon off;$/m);
  assert.doesNotMatch(conf, /@[A-Z]+@/);
  assert.doesNotMatch(conf, /^user /m);
  assert.match(renderNginxConfig(template('nginx.conf'), { listen: [], root: '/r', stateDir: '/s', asRoot: true }), /^user root;$/m);
});

test('a template placeholder without a value is an error, not an empty string', () => {
  assert.throws(() => renderRegistryConfig('addr: @ADDR@ @OTHER@', { listen: { address: 'a', port: 1 }, storage: '/s', readOnly: true }), /@OTHER@/);
});

test('airgapVars points kubespray at the file server and registry, containerd at an HTTP mirror', () => {
  const vars = parse(airgapVars({ address: '10.88.0.1', port: 8080 }, { address: '10.88.0.1', port: 5000 })) as Record<string, unknown>;
  assert.equal(vars.files_repo, 'http://10.88.0.1:8080');
  assert.equal(vars.registry_host, '10.88.0.1:5000');
  assert.equal(vars.dl_k8s_io_url, '{{ files_repo }}/dl.k8s.io');
  assert.equal(vars.github_url, '{{ files_repo }}/github.com');
  assert.equal(vars.kube_image_repo, '{{ registry_host }}/registry.k8s.io');
  assert.deepEqual(vars.containerd_registries_mirrors, [
    { prefix: '{{ registry_host }}', mirrors: [{ host: 'http://{{ registry_host }}', capabilities: ['pull', 'resolve'], skip_verify: true }] },
  ]);
});

test('parseImagesIndex reads "<archive> <ref>" lines and refuses anything else', () => {
  assert.deepEqual(parseImagesIndex('/i/a.oci.tar registry.k8s.io/pause:3.10.1\n\n/i/b.oci.tar slipway/redis:0.1.0\n'), [
    { archive: '/i/a.oci.tar', ref: 'registry.k8s.io/pause:3.10.1' },
    { archive: '/i/b.oci.tar', ref: 'slipway/redis:0.1.0' },
  ]);
  assert.throws(() => parseImagesIndex('only-one-field\n'), /malformed/);
  assert.throws(() => parseImagesIndex('a b c\n'), /malformed/);
});
