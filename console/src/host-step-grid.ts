/**
 * The operation view's grid of hosts × steps: each host's worst result in each step, read from
 * ansible's own lines in the kept log (the console's step lines frame them), so it fills in live
 * as the log arrives.
 */
import { html } from 'lit';

export type CellState = 'skipped' | 'ok' | 'changed' | 'failed' | 'unreachable';

const RANK: Record<CellState, number> = { skipped: 0, ok: 1, changed: 2, failed: 3, unreachable: 4 };
const STEP = /^==> step (\d+)\/\d+ /;
const RESULT = /^(ok|changed|skipping|fatal|failed): \[([^\]]+?)(?: -> [^\]]+)?\](.*)$/;

/** Per host (in the order they first appear), its state in each step (by the step's position, from 0). */
export function hostStepGrid(log: string): Map<string, CellState[]> {
  const grid = new Map<string, CellState[]>();
  let step = -1;
  for (const line of log.split('\n')) {
    const s = STEP.exec(line);
    if (s) {
      step = Number(s[1]) - 1;
      continue;
    }
    const r = RESULT.exec(line);
    if (!r || step < 0) continue;
    const state: CellState = r[1] === 'skipping' ? 'skipped' : r[1] === 'fatal' || r[1] === 'failed' ? (r[3]!.includes('UNREACHABLE!') ? 'unreachable' : 'failed') : (r[1] as CellState);
    const cells = grid.get(r[2]!) ?? [];
    const before = cells[step];
    if (before === undefined || RANK[state] > RANK[before]) cells[step] = state;
    grid.set(r[2]!, cells);
  }
  return grid;
}

export function hostStepTable(steps: readonly string[], log: string) {
  const grid = hostStepGrid(log);
  if (grid.size === 0) return html`<p>No host has reported yet.</p>`;
  return html`<table aria-label="Hosts by step" class="grid">
    <thead><tr><th scope="col">Host</th>${steps.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
    <tbody>${[...grid].map(([host, cells]) => html`<tr data-host=${host}><th scope="row">${host}</th>${steps.map((_, i) => html`<td class="cell" data-state=${cells[i] ?? 'none'}>${cells[i] ?? '—'}</td>`)}</tr>`)}</tbody>
  </table>`;
}
