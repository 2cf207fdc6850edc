import type { RunSummary } from '../run/run-summary.js';

/** Exit codes of the `sluice` command. Scripts may rely on them. */
export const EXIT = {
  success: 0,
  /** An unexpected error: a bug, or a fault Sluice has no specific handling for. */
  internal: 1,
  /** Invalid config, model SQL templates or command-line usage. Nothing ran. */
  invalid: 2,
  /** A model or sync failed. */
  failed: 3,
  /** Every sync ran, but some rows were rejected; they are retried next run. */
  partial: 4,
  /** A guard stopped a sync (or withheld its removals) before sending. */
  guarded: 5,
  /** SIGTERM or SIGINT stopped the run after its batches in flight were recorded. */
  interrupted: 6,
  /** A selected sync was skipped because another run of it is in progress. */
  locked: 7,
  /** A lookup found nothing, such as `sluice runs RUN` or `sluice identity explain`. Nothing failed. */
  notFound: 8,
} as const;

export function exitCodeForRun(summary: RunSummary): number {
  switch (summary.status) {
    case 'failed':
      return EXIT.failed;
    case 'interrupted':
      return EXIT.interrupted;
    case 'skipped':
      return EXIT.locked;
    case 'partial':
      return summary.syncs.some((sync) => sync.status === 'guarded') ? EXIT.guarded : EXIT.partial;
    default:
      return summary.syncs.some((sync) => sync.status === 'skipped') ? EXIT.locked : EXIT.success;
  }
}
