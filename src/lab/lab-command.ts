import { parseArgs } from 'node:util';
import { DEFAULT_KUBE_VERSION } from './kubean-inputs.js';
import { LabError } from './lab-error.js';
import { labDown } from './lab-down.js';
import { listLabs } from './lab-list.js';
import { labPaths } from './lab-paths.js';
import { labUp, type LabIO } from './lab-up.js';

export const LAB_USAGE = `Usage: slipway lab <up|ls|down> [options]

Machines on this host to try Slipway on: privileged podman containers with systemd, each with
its own hostname and address on a private bridge that routes nowhere else.

  up    [--name lab] [--machines 3] [--kube-version ${DEFAULT_KUBE_VERSION}] [--inputs-dir <dir>]
        start the machines (again) and write a kubean input set for \`slipway run -f <dir>\`
  ls    list labs and their machines
  down  [--name lab]   remove the lab's machines, network and state

Settings: SLIPWAY_LAB_STATE, SLIPWAY_LAB_CACHE, SLIPWAY_LAB_PODMAN_DIR.
`;

/** `slipway lab …`; returns the exit code. LabErrors are reported here, anything else propagates. */
export async function labCommand(argv: string[], io: LabIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: 'lab' },
      machines: { type: 'string', default: '3' },
      'kube-version': { type: 'string', default: DEFAULT_KUBE_VERSION },
      'inputs-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const sub = positionals[0];
  if (values.help || !sub) {
    io.out(LAB_USAGE);
    return values.help ? 0 : 3;
  }
  const paths = labPaths();
  try {
    switch (sub) {
      case 'up': {
        if (!/^\d+$/.test(values.machines)) throw new LabError(`--machines needs a whole number, got ${JSON.stringify(values.machines)}`);
        const r = await labUp(paths, {
          name: values.name,
          machines: Number(values.machines),
          kubeVersion: values['kube-version'],
          ...(values['inputs-dir'] ? { inputsDir: values['inputs-dir'] } : {}),
        }, io);
        io.err(r.timings);
        for (const m of r.plan.machines) io.out(`${m.name}\t${m.address}\n`);
        for (const rd of r.readiness.filter((x) => x.systemState !== 'running')) {
          io.err(`slipway lab: ${rd.machine} is ${rd.systemState}; failed units: ${rd.failedUnits.join(' ') || 'none'}\n`);
        }
        io.out(`host\t${r.plan.hostAddress} (bridge ${r.plan.bridge}, ${r.plan.subnet})\n`);
        io.out(`inputs: ${r.inputsDir}\n`);
        io.err(`next: slipway run -f ${r.inputsDir}\n`);
        return 0;
      }
      case 'ls': {
        const labs = await listLabs(paths);
        if (labs.length === 0) io.out('no labs\n');
        for (const l of labs) {
          io.out(`${l.plan.name}\t${l.plan.subnet}\t${l.plan.bridge}\n`);
          for (const m of l.plan.machines) io.out(`  ${m.name}\t${m.address}\t${l.machines[m.name]}\n`);
        }
        return 0;
      }
      case 'down': {
        const r = await labDown(paths, values.name, io);
        if (!r.found) {
          io.out(`no lab named ${values.name}\n`);
          return 0;
        }
        io.err(r.timings);
        for (const s of r.restored) io.err(`restored ${s}\n`);
        io.out(`lab ${values.name} removed\n`);
        return 0;
      }
      default:
        io.err(`slipway lab: unknown command ${JSON.stringify(sub)}\n\n${LAB_USAGE}`);
        return 3;
    }
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    io.err(`slipway lab ${sub}: ${err.message}\n`);
    return 1;
  }
}
