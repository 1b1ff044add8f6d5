import { InputError, formatProblem } from '../api/input-error.js';
import { renderPlan } from './print-plan.js';
import { planFor, selectOperations } from './operation-inputs.js';
import type { CliIO } from './run-command.js';

export interface PlanOptions {
  files: string[];
  operation?: string;
  builtinDir: string;
}

/** `slipway plan`: the dry run of every selected operation; runs nothing. */
export async function planCommand(opts: PlanOptions, io: CliIO): Promise<number> {
  const { source, operations } = selectOperations(opts.files, opts.operation);
  let code = 0;
  for (const op of operations) {
    try {
      io.out(renderPlan(await planFor(op, source, opts.builtinDir)));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      io.err(`slipway: ClusterOperation ${op.metadata.name} is invalid:\n`);
      for (const p of err.problems) io.err(`  ${formatProblem(p)}\n`);
      code = 2;
    }
    io.out('\n');
  }
  return code;
}
