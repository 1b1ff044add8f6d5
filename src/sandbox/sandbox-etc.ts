/**
 * The /etc files a sandbox gets generated rather than taken from the host: its own account
 * (ssh refuses to run for a uid without a passwd entry), name resolution, and the resolver
 * of its network. Pure.
 */
import { SANDBOX_WORK_DIR, SLIRP_DNS } from './sandbox-layout.js';

export interface SandboxIdentity {
  uid: number;
  gid: number;
}

export const SANDBOX_ACCOUNT = 'slipway';

export interface GeneratedEtc {
  /** File name under /etc → content. */
  files: Record<string, string>;
  /** Host /etc files bound read-only instead (resolv.conf when the host network is shared). */
  fromHost: string[];
}

export function sandboxEtc(id: SandboxIdentity, network: 'host' | 'isolated'): GeneratedEtc {
  const files: Record<string, string> = {
    passwd:
      `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n` +
      `${SANDBOX_ACCOUNT}:x:${id.uid}:${id.gid}:Slipway sandbox:${SANDBOX_WORK_DIR}:/bin/sh\n` +
      `nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\n${SANDBOX_ACCOUNT}:x:${id.gid}:\nnogroup:x:65534:\n`,
    'nsswitch.conf': 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
    hosts: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
    hostname: 'slipway-sandbox\n',
  };
  if (network === 'isolated') {
    files['resolv.conf'] = `nameserver ${SLIRP_DNS}\n`;
    return { files, fromHost: [] };
  }
  return { files, fromHost: ['resolv.conf'] };
}
