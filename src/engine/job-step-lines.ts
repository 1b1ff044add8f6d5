/**
 * The lines job-image/entrypoint.sh prints around the steps, so whoever reads the pod log can
 * tell which step ran, which failed and why the job ended. Beside them, the steps' own output
 * carries the ansible events (`@@slipway-event `, see executors/ansible-event-parser.ts). Pure.
 *
 *   @@slipway-step {"e":"step-start","index":0,"total":2,"name":"preHook 1: ping.yml","time":"…"}
 *   @@slipway-step {"e":"step-end","index":0,"exitCode":0,"time":"…"}
 *   @@slipway-step {"e":"job-end","exitCode":2,"failedStep":1,"time":"…"}
 *   @@slipway-step {"e":"job-error","code":"bad-plan","time":"…"}    (before any step ran)
 *   @@slipway-step {"e":"kubeconfig","stored":false,"message":"…","time":"…"}
 *       (after the last step, when the pod has the kubeconfig-upload sidecar and a step fetched
 *       the admin kubeconfig: whether the sidecar stored it; if not, the job's exit code is
 *       KUBECONFIG_EXIT)
 */

export const JOB_STEP_MARKER = '@@slipway-step ';

/** Why the entrypoint gave up before running a step; its exit code is JOB_ERROR_EXIT. */
export const JOB_ERROR_CODES = ['bad-plan', 'missing-file', 'ssh-agent', 'ssh-key'] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];
export const JOB_ERROR_EXIT = 70;
/** Every step succeeded but the admin kubeconfig they fetched was not stored. */
export const KUBECONFIG_EXIT = 71;
const MESSAGE_MAX = 500;

export type JobStepLine =
  | { kind: 'step-start'; index: number; total: number; name: string; time: string }
  | { kind: 'step-end'; index: number; exitCode: number; time: string }
  | { kind: 'job-end'; exitCode: number; failedStep?: number; time: string }
  | { kind: 'job-error'; code: JobErrorCode; time: string }
  | { kind: 'kubeconfig'; stored: boolean; message?: string; time: string };

/** The entrypoint's line on `line`, or undefined for any other line. */
export function parseJobStepLine(line: string): JobStepLine | undefined {
  if (!line.startsWith(JOB_STEP_MARKER)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(JOB_STEP_MARKER.length));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const time = typeof r.time === 'string' ? r.time : '';
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (r.e) {
    case 'step-start':
      return int(r.index) && int(r.total) && typeof r.name === 'string' ? { kind: 'step-start', index: r.index, total: r.total, name: r.name, time } : undefined;
    case 'step-end':
      return int(r.index) && int(r.exitCode) ? { kind: 'step-end', index: r.index, exitCode: r.exitCode, time } : undefined;
    case 'job-end':
      if (!int(r.exitCode)) return undefined;
      return int(r.failedStep) ? { kind: 'job-end', exitCode: r.exitCode, failedStep: r.failedStep, time } : { kind: 'job-end', exitCode: r.exitCode, time };
    case 'job-error': {
      const code = JOB_ERROR_CODES.find((c) => c === r.code);
      return code ? { kind: 'job-error', code, time } : undefined;
    }
    case 'kubeconfig':
      if (typeof r.stored !== 'boolean') return undefined;
      return typeof r.message === 'string' ? { kind: 'kubeconfig', stored: r.stored, message: r.message.slice(0, MESSAGE_MAX), time } : { kind: 'kubeconfig', stored: r.stored, time };
    default:
      return undefined;
  }
}
