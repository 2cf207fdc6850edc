import { redactor } from '../../core/redact.js';
import type { RowOutcome } from '../destination.js';
import { sleep } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { readAllPages } from './klaviyo-api.js';
import { type IdentityKey, identityKeysOf, identityOf } from './klaviyo-profile.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';

/** A bulk import job in a terminal status. */
export interface FinishedJob {
  id: string;
  status: 'complete' | 'cancelled';
  failedCount: number;
}

export type JobWait =
  | { kind: 'finished'; job: FinishedJob }
  | { kind: 'not_finished'; reason: string; retryAfterMs?: number };

const JOBS_PATH = '/api/profile-bulk-import-jobs';

/**
 * Polls `GET /api/profile-bulk-import-jobs/{id}` until the job is `complete` or `cancelled`
 * (it is `queued` or `processing` before), or job_timeout_ms passes.
 * https://developers.klaviyo.com/en/reference/bulk_import_profiles
 */
export async function waitForJob(write: KlaviyoWriteContext, jobId: string): Promise<JobWait> {
  const deadline = Date.now() + write.account.job_timeout_ms;
  do {
    if (!(await sleep(write.account.poll_interval_ms, write.context.signal))) {
      return { kind: 'not_finished', reason: `cancelled while waiting for Klaviyo job ${jobId}` };
    }

    const result = await write.api.send({
      family: 'bulk-import',
      method: 'GET',
      path: `${JOBS_PATH}/${encodeURIComponent(jobId)}`,
    });
    if (result.kind === 'not_delivered') {
      const reason = `status of Klaviyo job ${jobId} unavailable: ${result.reason}`;
      return { kind: 'not_finished', reason, retryAfterMs: result.retryAfterMs };
    }
    const { response } = result;
    if (response.status !== 200) {
      const described = describeResponse(response.status, response.body);
      return { kind: 'not_finished', reason: `status of Klaviyo job ${jobId}: ${described}` };
    }

    const attributes = (
      parseJsonBody(response) as { data?: { attributes?: Record<string, unknown> } }
    )?.data?.attributes;
    const status = attributes?.status;
    if (status === 'complete' || status === 'cancelled') {
      const failedCount = Number(attributes?.failed_count ?? 0);
      return {
        kind: 'finished',
        job: { id: jobId, status, failedCount: Number.isFinite(failedCount) ? failedCount : 0 },
      };
    }
  } while (Date.now() < deadline);

  return {
    kind: 'not_finished',
    reason: `Klaviyo job ${jobId} had not finished after ${write.account.job_timeout_ms} ms`,
  };
}

/**
 * Returns one outcome per profile of a finished job. Failures are read from
 * `/import-errors` (every page) and matched to profiles by the index in `source.pointer`
 * (`/data/attributes/profiles/data/3/...`), else by the identity in `original_payload`.
 * Profiles no error names are accepted when the named ones account for the job's
 * failed_count. Otherwise their fate is unknown, so they are returned as `retry`.
 */
export async function outcomesOfJob(
  write: KlaviyoWriteContext,
  job: FinishedJob,
  identities: IdentityKey[],
): Promise<RowOutcome[]> {
  if (job.status === 'cancelled') {
    return identities.map(() => retryLater(`Klaviyo job ${job.id} was cancelled`));
  }
  if (job.failedCount === 0) return identities.map(() => ({ status: 'accepted' }));

  const pages = await readAllPages(
    write.api,
    'bulk-import',
    `${JOBS_PATH}/${encodeURIComponent(job.id)}/import-errors`,
  );
  const named = new Map<number, string>();
  if (pages.kind === 'complete') {
    for (const error of pages.resources) {
      const index = errorIndex(error.attributes ?? {}, identities);
      if (index !== undefined)
        named.set(index, errorReason(error.attributes ?? {}, identities[index]!));
    }
  }

  return identities.map((_identity, index): RowOutcome => {
    const reason = named.get(index);
    if (reason !== undefined) return rejected(`Klaviyo job ${job.id}: ${reason}`);
    if (named.size >= job.failedCount) return { status: 'accepted' };
    const unread =
      pages.kind === 'failed' ? ` (its errors could not be read: ${pages.reason})` : '';
    return retryLater(
      `Klaviyo job ${job.id} counted ${job.failedCount} failed profiles but named ` +
        `${named.size} of this request's profiles${unread}, so this one may not have been saved`,
    );
  });
}

/**
 * Returns the Klaviyo profile id of each identity, from `/profiles` of the job (every page).
 * A profile is matched by any of its email, phone number and external id.
 */
export async function profileIdsOfJob(
  write: KlaviyoWriteContext,
  jobId: string,
): Promise<{ ids: Map<IdentityKey, string> } | { reason: string; retryAfterMs?: number }> {
  const pages = await readAllPages(
    write.api,
    'bulk-import',
    `${JOBS_PATH}/${encodeURIComponent(jobId)}/profiles`,
  );
  if (pages.kind === 'failed') {
    return {
      reason: `profiles of Klaviyo job ${jobId} unavailable: ${pages.reason}`,
      retryAfterMs: pages.retryAfterMs,
    };
  }

  const ids = new Map<IdentityKey, string>();
  for (const profile of pages.resources) {
    if (typeof profile.id !== 'string') continue;
    for (const key of identityKeysOf(profile.attributes ?? {})) ids.set(key, profile.id);
  }
  return { ids };
}

function errorIndex(
  attributes: Record<string, unknown>,
  identities: IdentityKey[],
): number | undefined {
  const pointer = (attributes.source as { pointer?: unknown } | undefined)?.pointer;
  const match =
    typeof pointer === 'string' ? /\/profiles\/data\/(\d+)(?:\/|$)/.exec(pointer) : null;
  if (match) {
    const index = Number(match[1]);
    if (index < identities.length) return index;
  }

  const payload = attributes.original_payload as Record<string, unknown> | undefined;
  const sent = (payload?.attributes as Record<string, unknown> | undefined) ?? payload;
  const identity = sent ? identityOf(sent) : undefined;
  const index = identity === undefined ? -1 : identities.indexOf(identity);
  return index >= 0 ? index : undefined;
}

/**
 * Returns "<title> (<code>) in <field>: <detail>". The detail may quote the value that failed,
 * such as the address, so the row's identifier is masked in it.
 */
function errorReason(attributes: Record<string, unknown>, identity: IdentityKey): string {
  const title = typeof attributes.title === 'string' ? attributes.title : 'import error';
  const code = typeof attributes.code === 'string' ? ` (${attributes.code})` : '';
  const pointer = (attributes.source as { pointer?: unknown } | undefined)?.pointer;
  const field = typeof pointer === 'string' ? pointer.split('/').pop() : undefined;
  const where = field && !/^\d+$/.test(field) ? ` in ${field}` : '';
  const detail =
    typeof attributes.detail === 'string' ? `: ${maskIdentity(attributes.detail, identity)}` : '';
  return redactor.redact(`${title}${code}${where}${detail}`).slice(0, 500);
}

function maskIdentity(text: string, identity: IdentityKey): string {
  const value = identity.slice(identity.indexOf(':') + 1);
  if (value === '') return text;
  const pattern = new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return text.replace(pattern, '[identifier]');
}
