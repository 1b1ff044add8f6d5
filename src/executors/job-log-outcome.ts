/**
 * What a Job's pod log says about its steps: the entrypoint's `@@slipway-step` lines delimit
 * them, the ansible events between them are folded as the local executor folds them. Pure.
 */
import type { JobPlanJson } from '../engine/job-plan.js';
import { parseJobStepLine } from '../engine/job-step-lines.js';
import type { Step } from '../engine/plan-types.js';
import { parseLine } from './ansible-event-parser.js';
import { createTally, operationOutcome, skippedStep, stepOutcome, tallyEvent, type StepTally } from './step-outcome.js';
import type { OperationResult, StepResult } from './types.js';

const STDERR_KEEP = 20;

function stepOf(plan: JobPlanJson, index: number): Step {
  const s = plan.steps[index];
  return s
    ? { name: s.name, role: s.role, kind: s.kind, argv: s.argv, env: s.env, source: 'builtin', action: s.name }
    : { name: `step ${index + 1}`, role: 'action', kind: 'playbook', argv: [], env: {}, source: 'builtin', action: '' };
}

/**
 * The result told by `log` (already redacted), or undefined when the log holds no step line
 * (it was not readable, or the entrypoint never started). `startTime`/`endTime` bound the run.
 */
export function outcomeFromJobLog(plan: JobPlanJson, log: string, startTime: string, endTime: string): OperationResult | undefined {
  const steps: StepResult[] = [];
  let current: { index: number; tally: StepTally; startTime: string; tail: string[] } | undefined;
  let sawStepLine = false;
  let jobError: string | undefined;
  let notStored: string | undefined;
  for (const line of log.split('\n')) {
    const marked = parseJobStepLine(line);
    if (marked) {
      sawStepLine = true;
      if (marked.kind === 'step-start') current = { index: marked.index, tally: createTally(), startTime: marked.time || startTime, tail: [] };
      else if (marked.kind === 'step-end' && current?.index === marked.index) {
        steps.push(
          stepOutcome({ step: stepOf(plan, marked.index), tally: current.tally, startTime: current.startTime, endTime: marked.time || endTime, exitCode: marked.exitCode, stderrTail: current.tail.slice(-5) }),
        );
        current = undefined;
      } else if (marked.kind === 'job-error') jobError = marked.code;
      else if (marked.kind === 'kubeconfig' && !marked.stored) notStored = marked.message ?? 'no reason given';
      continue;
    }
    if (!current) continue;
    const parsed = parseLine(line);
    if (parsed.event) tallyEvent(current.tally, parsed.event);
    if (parsed.output !== undefined && parsed.output.trim()) {
      current.tail.push(parsed.output);
      if (current.tail.length > STDERR_KEEP) current.tail.shift();
    }
  }
  if (!sawStepLine) return undefined;
  if (current) {
    // The pod ended inside a step (deadline, eviction): that step did not finish.
    steps.push(stepOutcome({ step: stepOf(plan, current.index), tally: current.tally, startTime: current.startTime, endTime, exitCode: null, stderrTail: current.tail.slice(-5) }));
  }
  for (let i = steps.length; i < plan.steps.length; i++) steps.push(skippedStep(stepOf(plan, i), endTime));
  const result = operationOutcome(steps, startTime, endTime);
  if (jobError && !result.failed) return { ...result, status: 'Failed', failed: { step: 'entrypoint', hosts: [], message: `the job image gave up before running a step: ${jobError}` } };
  if (notStored !== undefined && !result.failed) {
    return { ...result, status: 'Failed', failed: { step: 'kubeconfig', hosts: [], message: `every step succeeded, but the admin kubeconfig they fetched was not handed back: ${notStored}` } };
  }
  return result;
}
