/**
 * Prints how fast redaction is with a realistic secret set: a 4096-bit RSA private key
 * (~3.2 KB PEM) and two passwords. Numbers only; nothing is asserted.
 *   node dist/bench/redact-throughput.js [lines=200000]
 */
import { generateKeyPairSync } from 'node:crypto';
import { createLineRedactor, createRedactor, redactDeep } from '../src/util/redact.js';

const lineCount = Number(process.argv[2] ?? 200_000);
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 4096,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const secrets = [privateKey, 'Tr0ub4dor&3-xK9q', 's3cr3t'];

// What kubespray's output looks like: task banners, per-host results, result dumps, digests.
const sample = [
  'TASK [kubernetes/preinstall : Stop if either kube_control_plane or kube_node group is empty] ***',
  'ok: [node1] => {"changed": false, "msg": "All assertions passed"}',
  'changed: [node2] => (item={\'name\': \'net.ipv4.ip_forward\', \'value\': 1})',
  'skipping: [node3]',
  '    "msg": "sha256:6a2f5d5b8c9e0a1f3b4c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d"',
  'fatal: [node1]: FAILED! => {"changed": false, "cmd": ["kubeadm", "init", "--config=/etc/kubernetes/kubeadm-config.yaml"], "rc": 1, "stderr": "error execution phase preflight"}',
  '        "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMrVENDQWVHZ0F3SUJBZ0lVVHY1SGhaMVVTallDKytHb0pB",',
  'PLAY RECAP *********************************************************************',
];
const lines = Array.from({ length: lineCount }, (_, i) => sample[i % sample.length]!);
const bytes = lines.reduce((n, l) => n + l.length + 1, 0);

function time(label: string, units: number, unit: string, fn: () => void): void {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(46)} ${(units / (ms / 1000)).toFixed(0).padStart(10)} ${unit}/s  (${ms.toFixed(0)} ms)`);
}

console.log(`secrets: ${secrets.map((s) => s.length).join(' + ')} chars; ${lineCount} lines, ${(bytes / 1e6).toFixed(1)} MB`);
let t0 = process.hrtime.bigint();
const redact = createRedactor(secrets);
console.log(`createRedactor (once per operation)             ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
const none = createRedactor([]);

time('redact(line), no secrets (PEM blocks only)', lineCount, 'lines', () => lines.forEach((l) => none(l)));
time('redact(line), key + passwords', lineCount, 'lines', () => lines.forEach((l) => redact(l)));
time('line redactor push/end, key + passwords', lineCount, 'lines', () => {
  const lr = createLineRedactor(redact);
  for (const l of lines) lr.push(l);
  lr.end();
});
time('redact(line), key + passwords', bytes / 1e6, 'MB', () => lines.forEach((l) => redact(l)));
const event = { type: 'host-result', host: 'node1', task: sample[0], outcome: 'failed', message: sample[5] };
time('redactDeep(host-result event)', lineCount, 'events', () => {
  for (let i = 0; i < lineCount; i++) redactDeep(event, redact);
});
const keyPrinted = privateKey.repeat(50);
time('redact(text full of the key), 50 copies', 50, 'keys', () => redact(keyPrinted));
t0 = process.hrtime.bigint();
for (let i = 0; i < 20; i++) createRedactor(secrets);
console.log(`createRedactor, mean of 20                      ${(Number(process.hrtime.bigint() - t0) / 1e6 / 20).toFixed(1)} ms`);
console.log(`heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
