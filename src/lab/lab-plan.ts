import { LabError } from './lab-error.js';

/** Short enough that every interface name derived from it fits Linux's 15 characters. */
export const LAB_NAME = /^[a-z][a-z0-9]{0,7}$/;
export const MAX_MACHINES = 40;
/** Each lab gets 10.251.<slot>.0/24; the host is .1 and machine i is .(10 + i). */
const SUBNET_BASE = '10.251';
export const MIN_SLOT = 1;
export const MAX_SLOT = 254;
const PREFIX = 24;
const FIRST_MACHINE_OCTET = 11;

export interface MachinePlan {
  /** Hostname and inventory name, e.g. "lab-node1". */
  name: string;
  address: string;
  container: string;
  /** Named network namespace (ip netns) the container joins. */
  netns: string;
  /** The veth end left on the host, attached to the bridge. */
  hostVeth: string;
  /** The podman volume mounted at /var. */
  varVolume: string;
}

export interface LabPlan {
  name: string;
  slot: number;
  subnet: string;
  prefix: number;
  hostAddress: string;
  bridge: string;
  machines: MachinePlan[];
}

export function checkLabName(name: string): void {
  if (!LAB_NAME.test(name)) {
    throw new LabError(`lab name ${JSON.stringify(name)} must be 1 to 8 lower-case letters or digits, starting with a letter`);
  }
}

export function checkMachineCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_MACHINES) {
    throw new LabError(`--machines must be a whole number from 1 to ${MAX_MACHINES}, got ${count}`);
  }
}

/** Every name and address of a lab, from its name, subnet slot and size; no I/O. */
export function planLab(name: string, slot: number, count: number): LabPlan {
  checkLabName(name);
  checkMachineCount(count);
  if (!Number.isInteger(slot) || slot < MIN_SLOT || slot > MAX_SLOT) throw new LabError(`subnet slot ${slot} is out of range`);
  const net = `${SUBNET_BASE}.${slot}`;
  const machines = Array.from({ length: count }, (_, i): MachinePlan => {
    const n = i + 1;
    const machine = `${name}-node${n}`;
    return {
      name: machine,
      address: `${net}.${FIRST_MACHINE_OCTET - 1 + n}`,
      container: `slipway-lab-${machine}`,
      netns: `slipway-lab-${machine}`,
      hostVeth: `slw${n}-${name}`,
      varVolume: `slipway-lab-${machine}-var`,
    };
  });
  return { name, slot, subnet: `${net}.0/${PREFIX}`, prefix: PREFIX, hostAddress: `${net}.1`, bridge: `slw-${name}`, machines };
}

/** The podman label every container and volume of a lab carries. */
export const LAB_LABEL = 'io.slipway.lab';
