import { execa } from 'execa';
import { LabError } from './lab-error.js';

export interface ToolOptions {
  /** Resolve with the exit code instead of throwing when the tool fails. */
  allowFailure?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 20;

/** Runs a host tool with an argv array; a failure becomes a LabError naming the command. */
export async function runTool(file: string, args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
  const r = await execa(file, args, {
    stdin: 'ignore',
    reject: false,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  });
  const result = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  if (result.exitCode !== 0 && !opts.allowFailure) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-TAIL_LINES).join('\n');
    const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited ${result.exitCode}`;
    throw new LabError(`${file} ${args.join(' ')} ${why}`, tail);
  }
  return result;
}
