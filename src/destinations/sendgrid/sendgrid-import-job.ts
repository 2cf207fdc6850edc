import { redactor } from '../../core/redact.js';
import type { RowOutcome } from '../destination.js';
import { sleep } from '../http/backoff.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import type { SendgridApi } from './sendgrid-api.js';
import { readImportErrors } from './sendgrid-errors-csv.js';

/**
 * A finished contacts job. `completed`: no errors. `errored`: finished with some errors.
 * `failed`: every contact failed, or the job could not be processed at all.
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/import-contacts-status
 */
export interface FinishedJob {
  id: string;
  status: 'completed' | 'errored' | 'failed';
  erroredCount: number;
  errorsUrl: string | undefined;
}

export type JobWait =
  | { kind: 'finished'; job: FinishedJob }
  | { kind: 'not_finished'; reason: string; retryAfterMs?: number };

export interface PollTiming {
  pollIntervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

const TERMINAL_STATUSES = new Set(['completed', 'errored', 'failed']);

/**
 * Polls `GET /v3/marketing/contacts/imports/{id}` until the job reaches a terminal status or
 * `timeoutMs` passes. Upsert and delete jobs are both reported there.
 */
export async function waitForJob(
  api: SendgridApi,
  jobId: string,
  timing: PollTiming,
): Promise<JobWait> {
  const deadline = Date.now() + timing.timeoutMs;
  do {
    if (!(await sleep(timing.pollIntervalMs, timing.signal))) {
      return { kind: 'not_finished', reason: `cancelled while waiting for SendGrid job ${jobId}` };
    }

    const result = await api.send({
      method: 'GET',
      path: `/v3/marketing/contacts/imports/${encodeURIComponent(jobId)}`,
    });
    if (result.kind === 'not_delivered') {
      const reason = `status of SendGrid job ${jobId} unavailable: ${result.reason}`;
      return { kind: 'not_finished', reason, retryAfterMs: result.retryAfterMs };
    }
    const { response } = result;
    if (response.status !== 200) {
      const described = describeResponse(response.status, response.body);
      return { kind: 'not_finished', reason: `status of SendGrid job ${jobId}: ${described}` };
    }

    const job = readJob(jobId, parseJsonBody(response));
    if (job !== undefined) return { kind: 'finished', job };
  } while (Date.now() < deadline);

  return {
    kind: 'not_finished',
    reason: `SendGrid job ${jobId} had not finished after ${timing.timeoutMs} ms`,
  };
}

/** Returns the finished job, or undefined while it is pending (or in a status not known yet). */
function readJob(jobId: string, body: unknown): FinishedJob | undefined {
  const job = body as { status?: unknown; results?: Record<string, unknown> } | undefined;
  const status = typeof job?.status === 'string' ? job.status : '';
  if (!TERMINAL_STATUSES.has(status)) return undefined;

  const erroredCount = Number(job?.results?.errored_count ?? 0);
  const errorsUrl = job?.results?.errors_url;
  return {
    id: jobId,
    status: status as FinishedJob['status'],
    erroredCount: Number.isFinite(erroredCount) ? erroredCount : 0,
    errorsUrl: typeof errorsUrl === 'string' && errorsUrl !== '' ? errorsUrl : undefined,
  };
}

/**
 * Returns one outcome per contact of a finished job, matching the errors file to contacts by
 * email. Contacts the file does not name are accepted when the named ones account for every
 * error the job counted. Otherwise their fate is unknown, so they are returned as `retry`,
 * which is safe because an upsert or delete can be repeated.
 */
export async function outcomesOfJob(
  api: SendgridApi,
  job: FinishedJob,
  emails: string[],
): Promise<RowOutcome[]> {
  if (job.status === 'completed') return emails.map(() => ({ status: 'accepted' }));

  const errorsByEmail = await downloadErrors(api, job);
  const named = emails.map((email) => errorsByEmail.get(email));
  const namedCount = named.filter((message) => message !== undefined).length;

  return named.map((message, position): RowOutcome => {
    if (message !== undefined) {
      const reason = `SendGrid ${job.status} job ${job.id}: ${maskEmail(message, emails[position]!)}`;
      return { status: 'rejected', reason };
    }
    if (job.status === 'failed') {
      return { status: 'rejected', reason: `SendGrid job ${job.id} failed as a whole` };
    }
    if (namedCount >= job.erroredCount) return { status: 'accepted' };
    return {
      status: 'retry',
      reason:
        `SendGrid job ${job.id} counted ${job.erroredCount} errors but its errors file named ` +
        `${namedCount} of this request's contacts, so this one may not have been saved`,
    };
  });
}

/** Returns the error message by email, empty when there is no file or it cannot be read. */
async function downloadErrors(api: SendgridApi, job: FinishedJob): Promise<Map<string, string>> {
  if (job.errorsUrl === undefined || !URL.canParse(job.errorsUrl)) return new Map();
  const result = await api.download(new URL(job.errorsUrl));
  if (result.kind !== 'response' || result.response.status !== 200) return new Map();
  return readImportErrors(result.response.body).byEmail;
}

/** Masks the address in an error message, because rejection reasons are stored and shown. */
function maskEmail(message: string, email: string): string {
  const masked = message.replace(new RegExp(escapeRegExp(email), 'gi'), '[email]');
  return redactor.redact(masked).slice(0, 500);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
