/**
 * What a Job's pod log says about its steps: the entrypoint's `@@slipway-step` lines delimit
 * them, the ansible events between them are folded as the local executor folds them. The fold
 * takes the log a line at a time and says which executor events each line makes, so the log
 * followed while the pod runs feeds a live sink the same events the local executor emits. Pure.
 */
import type { JobPlanJson } from '../engine/job-plan.js';
import { parseJobStepLine, type JobStepLine } from '../engine/job-step-lines.js';
import type { Step } from '../engine/plan-types.js';
import { parseLine, toExecutionEvent } from './ansible-event-parser.js';
import { createTally, operationOutcome, skippedStep, stepOutcome, tallyEvent, type StepTally } from './step-outcome.js';
import type { ExecutionEvent, OperationResult, StepResult } from './types.js';

const STDERR_KEEP = 20;

function stepOf(plan: Pick<JobPlanJson, 'steps'>, index: number): Step {
  const s = plan.steps[index];
  return s
    ? { name: s.name, role: s.role, kind: s.kind, argv: s.argv, env: s.env, source: 'builtin', action: s.name }
    : { name: `step ${index + 1}`, role: 'action', kind: 'playbook', argv: [], env: {}, source: 'builtin', action: '' };
}

export interface JobLogFold {
  /**
   * Folds one (redacted) line of the log; returns the events it makes: step starts and ends,
   * plays, tasks, host results, and the text for people (the entrypoint's lines in words).
   * `endTime` ends a step whose line has no time.
   */
  push(line: string, endTime?: string): ExecutionEvent[];
  /** The result the lines so far tell, or undefined when none was a step line. `startTime`/`endTime` bound the run. */
  outcome(startTime: string, endTime: string): OperationResult | undefined;
}

export function createJobLogFold(plan: Pick<JobPlanJson, 'steps'>): JobLogFold {
  const steps: StepResult[] = [];
  let current: { index: number; tally: StepTally; startTime: string; tail: string[] } | undefined;
  let sawStepLine = false;
  let jobError: string | undefined;
  let notStored: string | undefined;
  /** The highest step index that started. */
  let reached = -1;
  const marked = (m: JobStepLine, endTime: string): ExecutionEvent[] => {
    sawStepLine = true;
    switch (m.kind) {
      case 'step-start':
        reached = Math.max(reached, m.index);
        current = { index: m.index, tally: createTally(), startTime: m.time || endTime, tail: [] };
        return [{ type: 'step-start', index: m.index, total: m.total, step: stepOf(plan, m.index) }];
      case 'step-end': {
        if (current?.index !== m.index) return [];
        const result = stepOutcome({
          step: stepOf(plan, m.index), tally: current.tally, startTime: current.startTime, endTime: m.time || endTime, exitCode: m.exitCode, stderrTail: current.tail.slice(-5),
        });
        steps.push(result);
        current = undefined;
        return [{ type: 'step-end', index: m.index, result }];
      }
      case 'job-error':
        jobError = m.code;
        return [{ type: 'output', line: `the job image gave up before running a step: ${m.code}` }];
      case 'kubeconfig':
        if (m.stored) return [{ type: 'output', line: 'the admin kubeconfig was handed back' }];
        notStored = m.message ?? 'no reason given';
        return [{ type: 'output', line: `the admin kubeconfig was not handed back: ${notStored}` }];
      case 'job-end': {
        // The steps after a failed one never start: each ends Skipped, as the local executor says.
        const skipped: ExecutionEvent[] = [];
        for (let i = reached + 1; i < plan.steps.length; i++) skipped.push({ type: 'step-end', index: i, result: skippedStep(stepOf(plan, i), m.time || endTime) });
        return skipped;
      }
    }
  };
  return {
    push(line, endTime = new Date().toISOString()) {
      const m = parseJobStepLine(line);
      if (m) return marked(m, endTime);
      const parsed = parseLine(line);
      const events: ExecutionEvent[] = [];
      if (parsed.event) {
        if (current) tallyEvent(current.tally, parsed.event);
        const event = toExecutionEvent(parsed.event);
        if (event) events.push(event);
      }
      if (parsed.output !== undefined) {
        events.push({ type: 'output', line: parsed.output });
        if (current && parsed.output.trim()) {
          current.tail.push(parsed.output);
          if (current.tail.length > STDERR_KEEP) current.tail.shift();
        }
      }
      return events;
    },
    outcome(startTime, endTime) {
      if (!sawStepLine) return undefined;
      const all = [...steps];
      if (current) {
        // The pod ended inside a step (deadline, eviction): that step did not finish.
        all.push(stepOutcome({ step: stepOf(plan, current.index), tally: current.tally, startTime: current.startTime, endTime, exitCode: null, stderrTail: current.tail.slice(-5) }));
      }
      for (let i = all.length; i < plan.steps.length; i++) all.push(skippedStep(stepOf(plan, i), endTime));
      const result = operationOutcome(all, startTime, endTime);
      if (jobError && !result.failed) return { ...result, status: 'Failed', failed: { step: 'entrypoint', hosts: [], message: `the job image gave up before running a step: ${jobError}` } };
      if (notStored !== undefined && !result.failed) {
        return { ...result, status: 'Failed', failed: { step: 'kubeconfig', hosts: [], message: `every step succeeded, but the admin kubeconfig they fetched was not handed back: ${notStored}` } };
      }
      return result;
    },
  };
}

/**
 * The result told by `log` (already redacted), or undefined when the log holds no step line
 * (it was not readable, or the entrypoint never started). `startTime`/`endTime` bound the run.
 */
export function outcomeFromJobLog(plan: JobPlanJson, log: string, startTime: string, endTime: string): OperationResult | undefined {
  const fold = createJobLogFold(plan);
  for (const line of log.split('\n')) fold.push(line, endTime);
  return fold.outcome(startTime, endTime);
}
