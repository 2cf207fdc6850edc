import { type BodyLimits, chunkByBodySize } from '../batches.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { outcomesOfJob, profileIdsOfJob, waitForJob } from './klaviyo-import-job.js';
import { type IdentityKey, type KlaviyoProfile, buildProfile } from './klaviyo-profile.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';

/**
 * Limits of one bulk import job: 10,000 profiles and 5 MB. The byte limit uses 5,000,000, the
 * lower reading of "5 MB". https://developers.klaviyo.com/en/reference/bulk_import_profiles
 */
export const MAX_PROFILES_PER_JOB = 10_000;
const JOB_LIMITS: BodyLimits = {
  maxItems: MAX_PROFILES_PER_JOB,
  maxBytes: 5_000_000,
  /** Room for the JSON:API document around the profiles. */
  envelopeBytes: 1_024,
};

interface PendingProfile {
  position: number;
  profile: KlaviyoProfile;
  identity: IdentityKey;
}

/** One outcome per record, and for accepted rows the Klaviyo profile id when it was asked for. */
export interface ImportResult {
  outcomes: RowOutcome[];
  profileIds: (string | undefined)[];
}

/**
 * Upserts the rows as profiles with bulk import jobs (`POST /api/profile-bulk-import-jobs`),
 * waits for each job to finish and rejects the profiles its import errors name. With
 * `needProfileIds`, an accepted row's profile id is read from the job's profiles, and a row
 * whose id cannot be found is returned as `retry`. Two rows with the same identity after
 * normalisation would update one profile, so only the first is sent.
 */
export async function importProfiles(
  write: KlaviyoWriteContext,
  records: ChangeRecord[],
  needProfileIds: boolean,
): Promise<ImportResult> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const profileIds: (string | undefined)[] = new Array(records.length);
  const pending: PendingProfile[] = [];
  const firstKeyByIdentity = new Map<IdentityKey, string>();
  let duplicates = 0;

  records.forEach((record, position) => {
    const built = buildProfile(record.fields ?? {}, write.options);
    if (!built.ok) {
      outcomes[position] = rejected(built.reason);
      return;
    }
    const firstKey = firstKeyByIdentity.get(built.identity);
    if (firstKey !== undefined) {
      duplicates += 1;
      const type = built.identity.slice(0, built.identity.indexOf(':'));
      outcomes[position] = rejected(
        `duplicate ${type}: row ${JSON.stringify(firstKey)} of the same batch has the same ` +
          'identifier after normalisation, and only that row was sent',
      );
      return;
    }
    firstKeyByIdentity.set(built.identity, record.key);
    pending.push({ position, profile: built.profile, identity: built.identity });
  });

  if (duplicates > 0) {
    write.context.logger.log('warn', 'destination.duplicate_identifier', {
      destination: 'klaviyo',
      sync: write.context.syncName,
      rows: duplicates,
    });
  }

  for (const chunk of chunkByBodySize(pending, JOB_LIMITS, (entry) => entry.profile)) {
    const result = await runJob(write, chunk, needProfileIds);
    chunk.forEach((entry, index) => {
      outcomes[entry.position] = result.outcomes[index]!;
      profileIds[entry.position] = result.profileIds[index];
    });
  }
  return { outcomes, profileIds };
}

/**
 * Creates one job and reads its result. A 4xx whose errors point at profiles by index
 * (`/data/attributes/profiles/data/3/...`) rejects those alone and submits the others again.
 */
async function runJob(
  write: KlaviyoWriteContext,
  entries: PendingProfile[],
  needProfileIds: boolean,
): Promise<ImportResult> {
  const noIds = entries.map(() => undefined);
  const body = {
    data: {
      type: 'profile-bulk-import-job',
      attributes: { profiles: { data: entries.map((entry) => entry.profile) } },
    },
  };
  const result = await write.api.send({
    family: 'bulk-import',
    method: 'POST',
    path: '/api/profile-bulk-import-jobs',
    body,
  });
  if (result.kind === 'not_delivered') {
    return {
      outcomes: entries.map(() => retryLater(result.reason, result.retryAfterMs)),
      profileIds: noIds,
    };
  }

  const { response } = result;
  if (response.status === 202 || response.status === 201 || response.status === 200) {
    const jobId = (parseJsonBody(response) as { data?: { id?: unknown } } | undefined)?.data?.id;
    if (typeof jobId !== 'string') {
      const reason = 'Klaviyo accepted the import but returned no job id to confirm it by';
      return { outcomes: entries.map(() => retryLater(reason)), profileIds: noIds };
    }
    return readJob(write, jobId, entries, needProfileIds);
  }

  if (response.status === 413 && entries.length > 1) {
    const half = Math.ceil(entries.length / 2);
    const first = await runJob(write, entries.slice(0, half), needProfileIds);
    const second = await runJob(write, entries.slice(half), needProfileIds);
    return {
      outcomes: [...first.outcomes, ...second.outcomes],
      profileIds: [...first.profileIds, ...second.profileIds],
    };
  }

  const named = profileErrorsByIndex(parseJsonBody(response), entries.length);
  const described = describeResponse(response.status, response.body);
  if (named.size === 0) {
    return {
      outcomes: entries.map(() => rejected(`Klaviyo rejected the import: ${described}`)),
      profileIds: noIds,
    };
  }
  return rejectNamedAndResubmit(write, entries, named, needProfileIds);
}

async function readJob(
  write: KlaviyoWriteContext,
  jobId: string,
  entries: PendingProfile[],
  needProfileIds: boolean,
): Promise<ImportResult> {
  const noIds = entries.map(() => undefined);
  const wait = await waitForJob(write, jobId);
  if (wait.kind === 'not_finished') {
    return {
      outcomes: entries.map(() => retryLater(wait.reason, wait.retryAfterMs)),
      profileIds: noIds,
    };
  }

  const identities = entries.map((entry) => entry.identity);
  const outcomes = await outcomesOfJob(write, wait.job, identities);
  if (!needProfileIds || !outcomes.some((outcome) => outcome.status === 'accepted')) {
    return { outcomes, profileIds: noIds };
  }

  const found = await profileIdsOfJob(write, jobId);
  const profileIds = identities.map((identity) =>
    'ids' in found ? found.ids.get(identity) : undefined,
  );
  const withIds = outcomes.map((outcome, index): RowOutcome => {
    if (outcome.status !== 'accepted' || profileIds[index] !== undefined) return outcome;
    if ('reason' in found) return retryLater(found.reason, found.retryAfterMs);
    return retryLater(`the profiles of Klaviyo job ${jobId} did not include this row's profile`);
  });
  return { outcomes: withIds, profileIds };
}

async function rejectNamedAndResubmit(
  write: KlaviyoWriteContext,
  entries: PendingProfile[],
  named: Map<number, string>,
  needProfileIds: boolean,
): Promise<ImportResult> {
  const outcomes: RowOutcome[] = new Array(entries.length);
  const profileIds: (string | undefined)[] = new Array(entries.length);
  const rest: number[] = [];
  entries.forEach((_entry, index) => {
    const reason = named.get(index);
    if (reason === undefined) rest.push(index);
    else outcomes[index] = rejected(`Klaviyo rejected the profile: ${reason}`);
  });

  if (rest.length > 0) {
    const resent = await runJob(
      write,
      rest.map((index) => entries[index]!),
      needProfileIds,
    );
    rest.forEach((index, position) => {
      outcomes[index] = resent.outcomes[position]!;
      profileIds[index] = resent.profileIds[position];
    });
  }
  return { outcomes, profileIds };
}

/** Reads JSON:API `errors` whose `source.pointer` names a profile by index. */
function profileErrorsByIndex(body: unknown, count: number): Map<number, string> {
  const byIndex = new Map<number, string>();
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return byIndex;

  for (const error of errors as {
    title?: unknown;
    code?: unknown;
    source?: { pointer?: unknown };
  }[]) {
    const pointer = error?.source?.pointer;
    const match =
      typeof pointer === 'string' ? /\/profiles\/data\/(\d+)(?:\/(.*))?$/.exec(pointer) : null;
    const index = Number(match?.[1]);
    if (!match || index >= count) continue;
    const title = typeof error.title === 'string' ? error.title : 'invalid profile';
    const field = match[2] ? ` in ${match[2].split('/').pop()}` : '';
    byIndex.set(index, `${title}${field}`);
  }
  return byIndex;
}
