/** The exit codes every command keeps to, and the errors that choose them. */
export const EXIT = { done: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    done (run, watch: the operation succeeded)
  1    the operation failed, or the management cluster answered with an error
  2    rejected: usage error, unknown command or flag, missing file, invalid input
  130  interrupted (Ctrl-C; an operation run here ends Cancelled); 143 on SIGTERM
`;

/** Under every command's help. */
export const EXIT_CODES_LINE = 'Exit codes: 0 done, 1 the operation failed, 2 rejected or usage error, 130 interrupted (slipway help)\n';

/** Wrong flags, arguments or files: printed as `slipway <command>: <message>`, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem the user can act on (not found, nothing to cancel…): `slipway <command>: <message>`, exit 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** SIGINT or SIGTERM arrived before anything ran: exit 128 + the signal's number. */
export class Interrupted extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }

  get exitCode(): number {
    return this.signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  }
}
