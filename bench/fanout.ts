/**
 * Fan-out speed: what an operation on N hosts costs next to a raw parallel ssh to them.
 * Starts N local sshd hosts (src/hosts/local-hosts.ts) for each N and times, alternating run
 * by run:
 *   raw       `ssh host true` to all N at once
 *   ping      Slipway running the builtin ping.yml (planner, sandboxed local executor)
 *   facts     Slipway running the builtin cluster-info.yml (gathers min + hardware facts)
 *   ks-ping   plain ansible-playbook ping.yml with kubespray's ansible.cfg
 *   ks-facts  plain ansible-playbook cluster-info.yml with kubespray's ansible.cfg
 * and prints medians of wall time, of the client side's CPU (user+sys of this process and all
 * it starts: ssh, bwrap, ansible, ssh-agent; see bench/fanout-cpu.ts), of the hosts' side (the
 * sshd hosts and what they run for the connections), and the ratios to raw.
 * Numbers only, never asserted.
 *
 *   node dist/bench/fanout.js [--hosts 10,25,50] [--runs 5] [--only raw,ping] [--env KEY=VALUE ...]
 *
 * --env adds a variable to every Slipway step (a lever to try, e.g. ANSIBLE_PIPELINING=False).
 * Run as root (the sshd hosts), on an otherwise idle machine: the load is printed with each row.
 */
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalHosts, type LocalHostFleet } from '../src/hosts/local-hosts.js';
import { createCpuGroups, type CpuGroups } from './fanout-cpu.js';
import { fleetObjects, kubesprayRun, rawSsh, slipwayRun, slipwayWorkRoot } from './fanout-runs.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10,25,50' },
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const COUNTS = values.hosts.split(',').map(Number);
const RUNS = Number(values.runs);
const extraEnv = Object.fromEntries(
  values.env.map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--env wants KEY=VALUE, got ${kv}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
const TICK = 100; // USER_HZ: /proc's clock ticks per second on Linux.
let interrupted: NodeJS.Signals | undefined;

interface Sample {
  wall: number;
  cpu: number;
  hostsCpu: number;
  load: number;
}

/** user+sys of this process's waited-for children, in seconds (/proc/self/stat cutime, cstime). */
async function childrenCpu(): Promise<number> {
  return statTimes('self', [13, 14]);
}

/** Fields of /proc/<pid>/stat after the command name (0 = state), summed, in seconds. */
async function statTimes(pid: string, fields: number[]): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.reduce((sum, f) => sum + Number(rest[f] ?? 0), 0) / TICK;
}

/** CPU of the fleet's sshd listeners and every connection they served and reaped. */
async function hostsCpu(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // utime, stime, cutime, cstime.
    // sshd rewrites its title: "sshd: /usr/sbin/sshd -D -e -f <dir>/<host>/sshd_config [listener] …".
    if (cmdline.replace(/\0/g, ' ').includes(`sshd -D -e -f ${dir}/`)) total += await statTimes(entry, [11, 12, 13, 14]);
  }
  return total;
}

/** CPU seconds so far of the client side and of the hosts' side. */
interface CpuMeter {
  clients(): Promise<number>;
  hosts(): Promise<number>;
}

/**
 * From the cgroups when there are some; else from /proc, which misses what ran in a sandbox
 * (see bench/fanout-cpu.ts) and counts the hosts only once their listener reaped a connection.
 */
function cpuMeter(groups: CpuGroups | undefined, dir: string): CpuMeter {
  if (groups) return { clients: () => groups.clients.usage(), hosts: () => groups.hosts.usage() };
  return { clients: childrenCpu, hosts: () => hostsCpu(dir) };
}

async function measure(meter: CpuMeter, run: () => Promise<void>): Promise<Sample> {
  const load = loadavg()[0] ?? 0;
  const [cpu0, hosts0] = [await meter.clients(), await meter.hosts()];
  const started = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  // The hosts' sshd ends a connection's processes a moment after the client saw it end.
  await new Promise((r) => setTimeout(r, 300));
  return { wall, cpu: (await meter.clients()) - cpu0, hostsCpu: (await meter.hosts()) - hosts0, load };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Variant {
  name: string;
  run: (fleet: LocalHostFleet) => Promise<void>;
}

async function benchCount(count: number, workRoot: string, groups: CpuGroups | undefined): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-fanout-hosts-${count}-`));
  await groups?.hosts.enter();
  const fleet = await startLocalHosts({
    dir,
    logDir: join(dir, 'logs'),
    count,
    addresses: Array.from({ length: count }, (_, i) => `127.0.4.${i + 1}`),
  });
  await groups?.clients.enter();
  const meter = cpuMeter(groups, dir);
  try {
    const objects = await fleetObjects(fleet);
    let hostLines = 0;
    const slipway = (playbook: string) => () => slipwayRun({ objects, workRoot, playbook, extraEnv, onHostResult: () => void hostLines++ });
    const all: Variant[] = [
      { name: 'raw', run: rawSsh },
      { name: 'ping', run: slipway('ping.yml') },
      { name: 'facts', run: slipway('cluster-info.yml') },
      { name: 'ks-ping', run: (f) => kubesprayRun(f, 'ping.yml') },
      { name: 'ks-facts', run: (f) => kubesprayRun(f, 'cluster-info.yml') },
    ];
    const only = values.only?.split(',');
    const variants = all.filter((v) => !only || v.name === 'raw' || only.includes(v.name));
    // One untimed round: first connections, python's bytecode caches, the sandbox's trial.
    for (const v of variants) await v.run(fleet);
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < RUNS; round++) {
      // Alternating, with each round starting one later so no variant always follows another.
      for (let i = 0; i < variants.length; i++) {
        if (interrupted) throw new Error(`interrupted by ${interrupted}`);
        const v = variants[(round + i) % variants.length]!;
        hostLines = 0;
        const sample = await measure(meter, () => v.run(fleet));
        if ((v.name === 'ping' || v.name === 'facts') && hostLines < count) {
          throw new Error(`${v.name}: ${hostLines} per-host progress lines for ${count} hosts`);
        }
        samples.get(v.name)!.push(sample);
      }
    }
    printTable(count, samples);
  } finally {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function printTable(count: number, samples: Map<string, Sample[]>): void {
  const med = (name: string, key: keyof Sample) => median((samples.get(name) ?? []).map((s) => s[key]));
  const raw = { wall: med('raw', 'wall'), cpu: med('raw', 'cpu') };
  console.log(`\nN=${count} (${RUNS} runs each, medians)`);
  console.log('variant    wall s   x raw   cpu s   x raw   hosts cpu s   load (min-max)');
  for (const [name, list] of samples) {
    const loads = list.map((s) => s.load);
    const row = [
      name.padEnd(9),
      med(name, 'wall').toFixed(2).padStart(7),
      (med(name, 'wall') / raw.wall).toFixed(2).padStart(7),
      med(name, 'cpu').toFixed(2).padStart(7),
      (med(name, 'cpu') / raw.cpu).toFixed(2).padStart(7),
      med(name, 'hostsCpu').toFixed(2).padStart(13),
      `   ${median(loads).toFixed(1)} (${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)})`,
    ];
    console.log(row.join(' '));
  }
}

const workRoot = await slipwayWorkRoot();
const groups = await createCpuGroups();
// Interrupted: the hosts of the current N and the cgroups still go (the finally blocks run).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (interrupted = signal));
try {
  console.log(`fan-out bench: hosts ${COUNTS.join(',')}, ${RUNS} runs, ${Object.keys(extraEnv).length ? `step env ${JSON.stringify(extraEnv)}` : 'Slipway as shipped'}`);
  if (!groups) console.log('no cgroup v1 cpuacct here: CPU from /proc, which misses sandboxed steps (see bench/fanout-cpu.ts)');
  for (const count of COUNTS) await benchCount(count, workRoot, groups);
} finally {
  await groups?.remove();
  await rm(workRoot, { recursive: true, force: true });
}
