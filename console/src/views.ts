/** What the server sends (src/console/cluster-views.ts), as the page reads it. */

export interface ClusterRow {
  name: string;
  phase: string;
  nodesReady: number;
  nodesTotal: number;
  version: string;
  lastOperation?: { name: string; action: string; status: string };
}

export interface OperationRow {
  name: string;
  action: string;
  status: string;
  created: string;
  startTime?: string;
  endTime?: string;
  summary?: string;
  message?: string;
}

export interface NodeRow {
  name: string;
  role: string;
  address: string;
  version: string;
  ready: boolean;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ClusterDetails {
  name: string;
  phase: string;
  desiredVersion: string;
  version: string;
  nodes: NodeRow[];
  conditions: Condition[];
  operations: OperationRow[];
  kubeconfig?: { namespace: string; name: string };
  kubeconfigReadable: boolean;
  upgrades: string[];
  /** What the user's RBAC allows (the apiserver decides anyway): the controls shown. */
  may: { change: boolean; delete: boolean };
}

export interface Step {
  name: string;
  role?: string;
  status: string;
  startTime?: string;
  endTime?: string;
  message?: string;
}

export interface Progress {
  summary: string;
  step: number;
  totalSteps: number;
  stepName?: string;
  play?: string;
  task?: string;
  hosts?: Record<string, number>;
}

export interface OperationView {
  name: string;
  cluster: string;
  action: string;
  status: string;
  message?: string;
  startTime?: string;
  endTime?: string;
  progress?: Progress;
  steps: Step[];
  failedHosts: string[];
  cancelRequested: boolean;
  retryOf?: string;
}

export interface Refusal {
  status: number;
  message: string;
}

export const FINISHED = ['Succeeded', 'Failed', 'Cancelled'];

export const when = (t?: string): string => (t ? new Date(t).toLocaleString() : '');
