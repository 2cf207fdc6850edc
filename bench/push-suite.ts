import { count, perSecond, seconds, table } from './format.js';
import { round } from './measure.js';
import { type EnginePush, type LoopPush, type PushBenchResult, runPushBench } from './push-bench.js';
import { atLeast, atMost, figureLine, type BenchSuite } from './suite.js';

const PUSH_ROWS = 200_000;
/**
 * The quota the imitation imposes in the third sync: 2 requests in any 4-second window, so
 * 5,000 members per second. It is below the engine's unthrottled throughput on a busy 2-core
 * machine (about 12,000 rows per second), so the figure measures pacing rather than CPU. It is
 * also below the connector's default of 5 requests per second (Google's 300 per minute), so the
 * client has to find the limit from the 429 responses.
 */
const RATE_LIMIT = { limit: 2, windowMs: 4_000 };

const CALLS_TARGET = 1;
const UTILISATION_TARGET = 0.9;

/**
 * Pushes 200k changed rows to the local Google Data Manager imitation through the engine, and
 * compares it with a plain loop that posts full batches one at a time.
 */
export const pushSuite: BenchSuite = {
  name: 'push',
  async run({ rows, tempPath, log }) {
    const push = await runPushBench({ rows: rows(PUSH_ROWS), projectDir: tempPath('push-project'), rateLimit: RATE_LIMIT, log });

    const rowsPerSecond = Math.round(push.changed.counts.accepted / push.changed.syncSeconds);
    const minimum = minimumCalls(push);
    const callsOverMinimum = round(push.changed.imitation.calls / minimum, 3);
    const allowed = allowedRowsPerSecond(push);
    const utilisation = round(achievedRowsPerSecond(push.limited.imitation.membersApplied, push.limited, push) / allowed, 3);
    const loopRowsPerSecond = Math.round(push.loop.rows / push.loop.seconds);
    const loopUtilisation = round(achievedRowsPerSecond(push.loopLimited.imitation.membersApplied, push.loopLimited, push) / allowed, 3);

    const targets = {
      push_calls_over_minimum: atMost(callsOverMinimum, CALLS_TARGET),
      push_rate_utilisation: atLeast(utilisation, UTILISATION_TARGET),
    };
    return {
      figures: {
        push_rows_per_second: rowsPerSecond,
        push_calls_over_minimum: callsOverMinimum,
        push_rate_utilisation: utilisation,
        push_throttled_requests: push.limited.imitation.throttled,
        push_loop_rows_per_second: loopRowsPerSecond,
        push_loop_rate_utilisation: loopUtilisation,
        push_loop_throttled_requests: push.loopLimited.imitation.throttled,
      },
      targets,
      detail: { ...push, minimumCalls: minimum, allowedRowsPerSecond: allowed },
      report: [
        `Push of ${count(push.rows)} rows to the Google Data Manager imitation (at most ${count(push.maxBatchSize)} members per request), each run in its own Node process`,
        table([
          ['run', 'rows sent', 'data calls', 'of which 429', 'sync step', 'rows/s'],
          engineRow(`sync, first run (${count(push.initial.counts.added)} added)`, push.initial),
          engineRow(`sync, ${count(push.changed.counts.changed)} changed, ${count(push.changed.counts.removed)} removed`, push.changed),
          engineRow(`sync, all back, limit ${RATE_LIMIT.limit} per ${RATE_LIMIT.windowMs} ms`, push.limited),
          loopRow('plain loop, no limit', push.loop),
          loopRow(`plain loop, limit ${RATE_LIMIT.limit} per ${RATE_LIMIT.windowMs} ms`, push.loopLimited),
        ]),
        'Data calls are ingest and remove requests as the imitation received them; OAuth token requests are not counted.',
        'rows/s: accepted rows over the sync step (plan, send, snapshot commit), or over the whole loop, which reads the model and sends every row.',
        `Minimum calls for the second sync: ${minimum} (each action in full batches). Allowed under the limit: ${perSecond(allowed)} rows/s.`,
        `push_rows_per_second = ${perSecond(rowsPerSecond)}  (plain loop ${perSecond(loopRowsPerSecond)}; sync / loop = ${round(rowsPerSecond / loopRowsPerSecond, 2)})`,
        figureLine('push_calls_over_minimum', callsOverMinimum, targets.push_calls_over_minimum),
        figureLine(
          'push_rate_utilisation',
          utilisation,
          targets.push_rate_utilisation,
          `${push.limited.imitation.throttled} requests throttled; plain loop ${loopUtilisation} with ${push.loopLimited.imitation.throttled} throttled`,
        ),
      ],
    };
  },
};

/**
 * The fewest data calls the second sync could make: a request carries one action, so each
 * action's rows in full batches, rounded up.
 */
function minimumCalls(push: PushBenchResult): number {
  const { changed, added, removed } = push.changed.counts;
  return Math.ceil((changed + added) / push.maxBatchSize) + Math.ceil(removed / push.maxBatchSize);
}

function allowedRowsPerSecond(push: PushBenchResult): number {
  return (push.rateLimit.limit / push.rateLimit.windowMs) * 1_000 * push.maxBatchSize;
}

/**
 * Members applied per second of the push, as the imitation recorded it. The time runs from the
 * first data request to the last accepted one, plus one request interval at the allowed rate,
 * because N requests sent exactly at that rate span N - 1 intervals.
 */
function achievedRowsPerSecond(applied: number, run: EnginePush | LoopPush, push: PushBenchResult): number {
  const intervalSeconds = push.rateLimit.windowMs / push.rateLimit.limit / 1_000;
  return applied / (run.imitation.spanSeconds + intervalSeconds);
}

function engineRow(label: string, run: EnginePush): string[] {
  return [
    label,
    count(run.imitation.membersApplied),
    String(run.imitation.calls),
    String(run.imitation.throttled),
    seconds(run.syncSeconds),
    perSecond(run.counts.accepted / run.syncSeconds),
  ];
}

function loopRow(label: string, run: LoopPush): string[] {
  return [label, count(run.imitation.membersApplied), String(run.imitation.calls), String(run.imitation.throttled), seconds(run.seconds), perSecond(run.rows / run.seconds)];
}
