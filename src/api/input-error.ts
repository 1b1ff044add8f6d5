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
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = [p.object, p.key && `key ${p.key}`, p.line !== undefined && `line ${p.line}`]
    .filter(Boolean)
    .join(', ');
  return `${p.severity}: ${where}: ${p.message}`;
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

  /** Throws an InputError if any error was collected. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new InputError(this.items);
  }
}

export function describeObject(kind: string, name: string, namespace?: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
