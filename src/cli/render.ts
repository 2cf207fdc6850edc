import type { SyncPlan } from '../diff/plan.js';
import type { RunSummary } from '../run/run-summary.js';
import type { ModelRunRecord, RejectionRecord, RunRecord, SyncRunRecord } from '../state/store.js';

/** Plain-text renderings for a terminal. `--json` prints the data structures instead. */

export function renderRunSummary(summary: RunSummary): string {
  const lines = [`Run ${summary.runId}: ${summary.status}`];
  const failedModels = summary.models.filter((model) => model.status !== 'success');
  lines.push(`  models: ${summary.models.length - failedModels.length} of ${summary.models.length} built`);
  for (const model of failedModels) lines.push(`    ${model.name}: ${model.status}: ${model.error ?? ''}`);

  if (summary.syncs.length > 0) {
    lines.push('', `  ${'sync'.padEnd(28)} ${'status'.padEnd(11)} added changed removed accepted rejected skipped`);
    for (const sync of summary.syncs) {
      const c = sync.counts;
      const counts = [c.added, c.changed, c.removed, c.accepted, c.rejected, c.skipped];
      const widths = [5, 7, 7, 8, 8, 7];
      lines.push(`  ${sync.name.padEnd(28)} ${sync.status.padEnd(11)} ${counts.map((n, i) => String(n).padStart(widths[i]!)).join(' ')}`);
      if (sync.error) lines.push(`    error: ${sync.error}`);
      if (sync.detail) lines.push(`    ${sync.detail}`);
      for (const rejection of sync.rejections) lines.push(`    rejected ${rejection.key}: ${rejection.reason}`);
    }
  }
  if (summary.error) lines.push('', `  error: ${summary.error}`);
  return lines.join('\n');
}

export function renderPlan(plan: SyncPlan): string {
  const lines = [
    `Plan for sync ${plan.sync} (${plan.spec.mode} from model ${plan.spec.model.name})`,
    plan.initialSync ? '  first run of this sync or of its mapping: every current row counts as added or changed' : '',
    `  model rows: ${plan.modelRows}, delivered so far: ${plan.deliveredRows}`,
    `  added: ${plan.counts.added}, changed: ${plan.counts.changed}, removed: ${plan.counts.removed}`,
    `  to send: ${Object.entries(plan.operations).map(([op, n]) => `${op} ${n}`).join(', ') || 'nothing'}`,
    `  snapshot only (mode sends nothing for these): ${plan.advanceOnly}`,
  ].filter(Boolean);
  if (plan.excluded.nullKeyRows + plan.excluded.duplicateKeyRows > 0) {
    lines.push(`  left out: ${plan.excluded.nullKeyRows} rows with a NULL key, ${plan.excluded.duplicateKeyRows} rows with a duplicate key`);
  }
  for (const guard of plan.guards.filter((g) => g.tripped)) lines.push(`  GUARD ${guard.guard}: ${guard.message}`);
  if (plan.withheldRemovals > 0) lines.push(`  ${plan.withheldRemovals} removals withheld`);
  if (plan.samples.length > 0) {
    lines.push('  samples:');
    for (const sample of plan.samples) {
      const action = sample.sent ? sample.operation : 'not sent';
      lines.push(`    ${action} (${sample.change}) ${sample.key} ${JSON.stringify(sample.fields ?? sample.previous)}`);
    }
  }
  return lines.join('\n');
}

export function renderRunList(runs: RunRecord[]): string {
  if (runs.length === 0) return 'No runs recorded yet.';
  return runs.map((run) => `${run.id}  ${run.status.padEnd(11)} ${run.trigger.padEnd(8)} ${run.startedAt}`).join('\n');
}

export function renderRunDetail(
  run: RunRecord,
  models: ModelRunRecord[],
  syncs: SyncRunRecord[],
  rejections: RejectionRecord[],
): string {
  const lines = [`Run ${run.id}: ${run.status} (${run.trigger}, started ${run.startedAt}, finished ${run.finishedAt ?? '-'})`];
  if (run.error) lines.push(`  error: ${run.error}`);
  lines.push('  models:');
  for (const model of models) lines.push(`    ${model.model.padEnd(34)} ${model.version} ${model.status.padEnd(8)} rows ${model.rowCount ?? '-'}`);
  lines.push('  syncs:');
  for (const sync of syncs) {
    const c = sync.counts;
    lines.push(`    ${sync.sync.padEnd(28)} ${sync.status.padEnd(11)} +${c.added} ~${c.changed} -${c.removed} accepted ${c.accepted} rejected ${c.rejected} skipped ${c.skipped}`);
    if (sync.error) lines.push(`      error: ${sync.error}`);
    if (sync.detail) lines.push(`      ${sync.detail}`);
  }
  if (rejections.length > 0) {
    lines.push('  rejected rows:');
    for (const rejection of rejections) lines.push(`    ${rejection.sync} ${rejection.key} ${rejection.operation}: ${rejection.reason}`);
  }
  return lines.join('\n');
}
