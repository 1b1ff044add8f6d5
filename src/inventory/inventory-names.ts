import { clip } from '../api/input-error.js';

export interface NameProblem {
  code: string;
  message: string;
}

/** ansible's range syntax in a host key: `node[1:9]`, `node[01:10:2]`, `[a:f]`. */
const HOST_RANGE = /\[[^\]]*:[^\]]*\]/;
/**
 * Host names Ansible reads as exactly one host of that name: no range, no ":port" suffix, no
 * pattern characters (",", "!", "&", "*", "[") that would change what --limit selects.
 */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/**
 * Why `name` is refused as a host key. Ranges are refused rather than expanded: Ansible's
 * range grammar (letters, steps, zero padding, several ranges, ports) is not Slipway's to
 * reimplement, one key must not become a million hosts, and each kubean host needs its own
 * address anyway.
 */
export function hostNameProblem(name: string): NameProblem | undefined {
  if (HOST_RANGE.test(name)) {
    return {
      code: 'host-range',
      message: `host ${clip(name, 40)} is a host range, which Ansible expands to many hosts; list each host`,
    };
  }
  if (!HOST_NAME.test(name)) {
    return {
      code: 'bad-host-name',
      message: `host name ${clip(name, 40)} may contain only letters, digits, ".", "_" and "-" (Ansible reads ":" as a port and "[…]" as a range)`,
    };
  }
  return undefined;
}

export function groupNameProblem(name: string): NameProblem | undefined {
  if (name === 'all') return { code: 'group-cycle', message: 'group all contains every group; it cannot be a child group' };
  if (!GROUP_NAME.test(name)) {
    return { code: 'bad-group-name', message: `group name ${clip(name, 40)} must be a letter or "_", then letters, digits, "_" or "-"` };
  }
  return undefined;
}
