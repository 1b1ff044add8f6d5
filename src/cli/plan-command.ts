import { InputError } from '../api/input-error.js';
import { renderRejection } from './print-rejection.js';
import { renderPlan } from './print-plan.js';
import { planOperation } from '../operations/plan-operation.js';
import { forEachOperation, type SessionOptions } from './operation-session.js';
import type { CliIO } from './run-command.js';
import { chooseJobImage, type JobImagePolicy } from '../policy/job-image.js';
import { describeJobImage } from './job-image-flags.js';

export interface PlanOptions extends Omit<SessionOptions, 'stopOnFailure'> {
  builtinDir: string;
  /** The controller's image policy: the plan says which image its Job would run. */
  jobImages?: JobImagePolicy;
}

/** `slipway plan`: the dry run of every selected operation; runs nothing. */
export async function planCommand(opts: PlanOptions, io: CliIO): Promise<number> {
  return forEachOperation({ ...opts, stopOnFailure: false, dryRun: true, signal: io.signal }, io.err, async (op, source, operator) => {
    const image = opts.jobImages ? `Job image (controller): ${describeJobImage(chooseJobImage(op.spec.image, opts.jobImages))}\n` : '';
    try {
      io.out(`${renderPlan(await planOperation(op, source, opts.builtinDir, operator))}${image}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      io.err(`${renderRejection(`ClusterOperation ${op.metadata.name} is invalid`, err)}${image}`);
      return 2;
    }
  });
}
