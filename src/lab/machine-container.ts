import type { LabPlan, MachinePlan } from './lab-plan.js';
import { LAB_LABEL } from './lab-plan.js';
import { labCgroupParent } from './lab-cgroups.js';
import type { MachineLimits } from './lab-podman.js';

const BOOT = '/usr/local/sbin/slipway-lab-boot';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `podman create` arguments for one machine; no I/O. The image's config is the job image's
 * (oci_pack writes it), so user, entrypoint and PATH are set here.
 */
export function machineCreateArgs(plan: LabPlan, m: MachinePlan, image: string, limits: MachineLimits): string[] {
  return [
    'create',
    '--name', m.container,
    '--hostname', m.name,
    '--label', `${LAB_LABEL}=${plan.name}`,
    // Everything kind's nodes get: all devices and capabilities, no seccomp or labels.
    '--privileged',
    '--security-opt', 'seccomp=unconfined',
    '--security-opt', 'label=disable',
    // --systemd=always with a private cgroupns puts systemd's slices into this host's own
    // cgroup root, so podman's systemd mode stays off and the machine gets what it would set up.
    '--systemd=false',
    '--cgroupns=private',
    '--cgroup-parent', labCgroupParent(plan.name),
    '--env', 'container=podman',
    '--env', `PATH=${PATH}`,
    '--user', '0:0',
    '--workdir', '/',
    '--entrypoint', BOOT,
    '--tmpfs', '/tmp:rw,exec,nosuid,nodev',
    '--tmpfs', '/run:rw,exec,nosuid,nodev,mode=755',
    '--tmpfs', '/run/lock:rw,noexec,nosuid,nodev',
    // containerd's overlayfs snapshots cannot have the container's own overlay as upper dir.
    '--volume', `${m.varVolume}:/var:rw,suid,exec,dev`,
    '--network', `ns:/run/netns/${m.netns}`,
    '--dns', 'none',
    '--no-hosts',
    '--ulimit', `nofile=${limits.nofile}:${limits.nofile}`,
    '--ulimit', `nproc=${limits.nproc}:${limits.nproc}`,
    '--pids-limit', '-1',
    // systemd halts cleanly on SIGRTMIN+3.
    '--stop-signal', 'SIGRTMIN+3',
    '--stop-timeout', '15',
    image,
  ];
}
