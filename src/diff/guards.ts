import type { GuardsConfig } from '../config/schema.js';

export interface GuardResult {
  guard: 'removal_share' | 'model_shrink';
  tripped: boolean;
  message: string;
}

export interface GuardInput {
  sync: string;
  /** Rows delivered and confirmed before this run. */
  deliveredRows: number;
  /** Rows the model returns now, after keys were checked. */
  modelRows: number;
  /** Rows this run would take away from the destination. */
  removals: number;
}

/**
 * Evaluates the guards against mass damage. Removals are measured against what this sync
 * delivered. A model that returns no rows after returning some always trips the shrink guard,
 * because an empty result is more often a broken upstream than a real audience of zero.
 */
export function evaluateGuards(input: GuardInput, guards: GuardsConfig): GuardResult[] {
  const { sync, deliveredRows, modelRows, removals } = input;
  const results: GuardResult[] = [];

  const share = deliveredRows === 0 ? 0 : removals / deliveredRows;
  const removalTripped = removals > guards.min_removals_to_guard && share > guards.max_removal_share;
  results.push({
    guard: 'removal_share',
    tripped: removalTripped,
    message: removalTripped
      ? `Sync ${sync} would remove ${removals} of ${deliveredRows} delivered rows (${percent(share)}), more than guards.max_removal_share (${percent(guards.max_removal_share)}). ` +
        'Check the model; if the removals are intended, run again with --allow-removals or raise the guard.'
      : `removes ${removals} of ${deliveredRows} delivered rows`,
  });

  const drop = deliveredRows - modelRows;
  const emptied = deliveredRows > 0 && modelRows === 0;
  const shrinkTripped =
    emptied || (drop > guards.min_removals_to_guard && drop / deliveredRows > guards.max_shrink_share);
  results.push({
    guard: 'model_shrink',
    tripped: shrinkTripped,
    message: shrinkTripped
      ? `Model for sync ${sync} returned ${modelRows} rows, down from ${deliveredRows} delivered` +
        (emptied ? ' (the result is empty)' : ` (${percent(drop / deliveredRows)} fewer, more than guards.max_shrink_share ${percent(guards.max_shrink_share)})`) +
        '. Check the model and its sources; if this is intended, run again with --allow-removals.'
      : `model returns ${modelRows} rows against ${deliveredRows} delivered`,
  });
  return results;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
