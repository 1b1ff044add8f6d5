export interface SshdConfigInput {
  listenAddress: string;
  port: number;
  hostKeyPath: string;
  pidFile: string;
  authorizedKeysFile: string;
}

/** Directives in the order they are written; sshd takes the first value it sees for most keys. */
export type SshdDirectives = ReadonlyArray<readonly [keyword: string, value: string]>;

/**
 * The directives of a private sshd that serves one loopback address for the local fleet.
 * Everything it reads or writes lives in the fleet's directory; the machine's own sshd and
 * ~/.ssh are never consulted.
 */
export function sshdDirectives(input: SshdConfigInput): SshdDirectives {
  return [
    ['ListenAddress', `${input.listenAddress}:${input.port}`],
    ['HostKey', input.hostKeyPath],
    ['PidFile', input.pidFile],
    ['AuthorizedKeysFile', input.authorizedKeysFile],
    ['PubkeyAuthentication', 'yes'],
    ['PermitRootLogin', 'prohibit-password'],
    ['PasswordAuthentication', 'no'],
    ['KbdInteractiveAuthentication', 'no'],
    ['HostbasedAuthentication', 'no'],
    // Without PAM, sshd itself refuses accounts whose password field starts with "!";
    // root is "*" on Debian images, which is fine.
    ['UsePAM', 'no'],
    // The key files live in a temp dir whose ownership and modes sshd would otherwise police.
    ['StrictModes', 'no'],
    ['UseDNS', 'no'],
    ['PrintMotd', 'no'],
    ['PrintLastLog', 'no'],
    ['X11Forwarding', 'no'],
    ['PermitUserEnvironment', 'no'],
    // Ansible forks several connections at once and multiplexes sessions over ControlMaster.
    ['MaxStartups', '100:30:200'],
    ['MaxSessions', '50'],
    ['LogLevel', 'VERBOSE'],
    ['Subsystem', 'sftp internal-sftp'],
  ];
}

export function renderSshdConfig(directives: SshdDirectives): string {
  for (const [keyword, value] of directives) {
    if (/[\s#]/.test(keyword) || /[\n\r]/.test(value) || value === '') {
      throw new Error(`invalid sshd_config directive ${JSON.stringify([keyword, value])}`);
    }
  }
  return directives.map(([keyword, value]) => `${keyword} ${value}\n`).join('');
}

export function buildSshdConfig(input: SshdConfigInput): string {
  return renderSshdConfig(sshdDirectives(input));
}
