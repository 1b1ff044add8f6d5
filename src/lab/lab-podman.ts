import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool, type ToolOptions, type ToolResult } from './run-tool.js';

/**
 * Podman with a store, run root and state of its own, so lab machines never appear in (or
 * depend on) the host's podman. Every setting is a flag, so the host's containers.conf cannot
 * change how machines run: runc because crun refuses this host's hybrid cgroup layout,
 * cgroupfs and file events because the host has no systemd.
 */
export class LabPodman {
  constructor(readonly dir: string) {}

  globalArgs(): string[] {
    return [
      '--root', join(this.dir, 'root'),
      '--runroot', join(this.dir, 'run'),
      '--tmpdir', join(this.dir, 'tmp'),
      '--storage-driver', 'overlay',
      '--runtime', 'runc',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
    ];
  }

  async prepare(): Promise<void> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
  }

  run(args: string[], opts: ToolOptions = {}): Promise<ToolResult> {
    return runTool('podman', [...this.globalArgs(), ...args], opts);
  }

  async exists(kind: 'image' | 'container' | 'volume', name: string): Promise<boolean> {
    return (await this.run([kind, 'exists', name], { allowFailure: true })).exitCode === 0;
  }

  /** Names of this store's containers carrying label=value, running or not. */
  async containersLabelled(label: string, value: string): Promise<string[]> {
    const r = await this.run(['ps', '-a', '--filter', `label=${label}=${value}`, '--format', '{{.Names}}']);
    return r.stdout.split('\n').filter(Boolean);
  }
}

export interface MachineLimits {
  nofile: number;
  nproc: number;
}

/**
 * The rlimits a machine starts with. Without CAP_SYS_RESOURCE nothing may raise a hard limit,
 * so a machine gets what this process has; NPROC above 32768 is refused when runc sets it
 * (podman's own limit here), so that is the most a machine can have.
 */
export async function machineLimits(): Promise<MachineLimits> {
  const text = await readFile('/proc/self/limits', 'utf8');
  const hard = (label: string, fallback: number): number => {
    const line = text.split('\n').find((l) => l.startsWith(label));
    const value = line?.slice(label.length).trim().split(/\s+/)[1];
    return value === undefined || value === 'unlimited' ? fallback : Number(value);
  };
  return { nofile: hard('Max open files', 1_048_576), nproc: Math.min(hard('Max processes', 32_768), 32_768) };
}
