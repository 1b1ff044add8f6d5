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

/** Problems of each severity a ProblemList keeps; past it they are only counted (hostile input can hold millions). */
export const MAX_KEPT_PROBLEMS = 200;
/** Problems an InputError's message lists. */
const MESSAGE_PROBLEMS = 50;

/** Thrown when input is invalid; carries the problems found (`omitted`: errors past those kept, only counted). */
export class InputError extends Error {
  constructor(
    readonly problems: Problem[],
    readonly omitted = 0,
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    const more = errors.length - Math.min(errors.length, MESSAGE_PROBLEMS) + omitted;
    super(errors.slice(0, MESSAGE_PROBLEMS).map(formatProblem).join('\n') + (more > 0 ? `\nand ${more} more` : ''));
    this.name = 'InputError';
  }
}

/** Collects problems while a loader or validator walks its input: the first MAX_KEPT_PROBLEMS of each severity, and how many more errors. */
export class ProblemList {
  readonly items: Problem[] = [];
  private readonly kept = { error: 0, warning: 0 };
  /** Errors found past MAX_KEPT_PROBLEMS. */
  omitted = 0;

  error(p: Omit<Problem, 'severity'>): void {
    this.file({ severity: 'error', ...p });
  }

  warning(p: Omit<Problem, 'severity'>): void {
    this.file({ severity: 'warning', ...p });
  }

  private file(p: Problem): void {
    if (this.kept[p.severity] < MAX_KEPT_PROBLEMS) {
      this.kept[p.severity]++;
      this.items.push(p);
    } else if (p.severity === 'error') {
      this.omitted++;
    }
  }

  get hasErrors(): boolean {
    return this.kept.error > 0;
  }

  get warnings(): Problem[] {
    return this.items.filter((p) => p.severity === 'warning');
  }

  /** A sink that files problems under `object` and `key` (and a default line or path). */
  at(where: { object: string; key?: string } & ProblemAt): ProblemSink {
    const file = (severity: Problem['severity']) => (code: string, message: string, at: ProblemAt = {}) =>
      this.file({ severity, code, ...where, ...definedOnly(at), message });
    return { error: file('error'), warning: file('warning') };
  }

  /** Throws an InputError if any error was collected. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new InputError(this.items, this.omitted);
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
