/** A problem found in user input, pointing at the object, key and line it comes from. */
export interface Problem {
  severity: 'error' | 'warning';
  /** Stable machine-readable code, e.g. "host-not-in-hosts". */
  code: string;
  /** "ConfigMap kubean-system/mini-hosts-conf", "ClusterOperation cluster-mini-install". */
  object: string;
  /** Key in a ConfigMap/Secret, or field path in the object, e.g. "hosts.yml" or "spec.extraArgs". */
  key?: string;
  line?: number;
  /** Where inside the key, e.g. "all.hosts.node1.ansible_host" or "play 1, task 3". */
  path?: string;
  /** Says what is wrong; never repeats the location, which the fields above carry. */
  message: string;
}

/** "ConfigMap x, key hosts.yml, line 3, all.hosts.node1": where a problem sits, said once. */
export function problemLocation(p: Problem): string {
  return [p.object, p.key && `key ${p.key}`, p.line !== undefined && `line ${p.line}`, p.path].filter(Boolean).join(', ');
}

export function formatProblem(p: Problem): string {
  return `${p.severity}[${p.code}]: ${problemLocation(p)}: ${p.message}`;
}

/** Where a problem sits, below the object and key a sink was made for. */
export interface ProblemAt {
  line?: number;
  path?: string;
}

/**
 * The one way input checks report: a sink bound to an object and key. Checks never throw for
 * bad input and never write the location into the message; whoever drives them holds the
 * ProblemList and throws a single InputError at the end (`throwIfErrors`).
 */
export interface ProblemSink {
  error(code: string, message: string, at?: ProblemAt): void;
  warning(code: string, message: string, at?: ProblemAt): void;
}

/** Thrown when input is invalid; carries every problem found, not only the first. */
export class InputError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/** Collects problems while a loader or validator walks its input. */
export class ProblemList {
  readonly items: Problem[] = [];

  error(p: Omit<Problem, 'severity'>): void {
    this.items.push({ severity: 'error', ...p });
  }

  warning(p: Omit<Problem, 'severity'>): void {
    this.items.push({ severity: 'warning', ...p });
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  get warnings(): Problem[] {
    return this.items.filter((p) => p.severity === 'warning');
  }

  /** A sink that files problems under `object` and `key` (and a default line or path). */
  at(where: { object: string; key?: string } & ProblemAt): ProblemSink {
    const file = (severity: Problem['severity']) => (code: string, message: string, at: ProblemAt = {}) =>
      this.items.push({ severity, code, ...where, ...definedOnly(at), message });
    return { error: file('error'), warning: file('warning') };
  }

  /** Throws an InputError if any error was collected. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new InputError(this.items);
  }
}

export function describeObject(kind: string, name: string, namespace?: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function definedOnly(at: ProblemAt): ProblemAt {
  return Object.fromEntries(Object.entries(at).filter(([, v]) => v !== undefined));
}

/**
 * A user-supplied fragment for a message: at most `max` characters, so a rejected input is
 * never printed whole.
 */
export function clip(fragment: string, max = 60): string {
  const s = fragment.length > max ? `${fragment.slice(0, max)}…` : fragment;
  return JSON.stringify(s);
}
