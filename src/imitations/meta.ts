/**
 * A local imitation of Meta's custom audience membership API, for tests and for trying syncs
 * without a Meta account. It serves `POST` (add) and `DELETE` (remove) on
 * `/{version}/{audience_id}/users`, and `POST` on `/{version}/{audience_id}/usersreplace`, whose
 * sessions replace an audience's members (see ads-meta-replace.ts), on 127.0.0.1, and keeps each
 * audience in memory.
 *
 * It checks what the real API checks, as far as Meta documents it
 * (https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users):
 * - the access token (Authorization: Bearer, or an access_token parameter), and appsecret_proof
 *   when started with an app secret. A bad token gets HTTP 400 with Graph error code 190;
 * - the body, as JSON or as form fields containing JSON: `payload` with `schema` and `data`,
 *   and a `session`. It takes at most 10,000 rows, each as long as the schema, or returns
 *   code 100;
 * - every value: 64 lowercase hex digits for hashed keys, a lower-case UUID for MADID. Rows with
 *   a bad value are not applied. Like Meta, the imitation counts them in `num_invalid_entries`
 *   instead of failing the request, and names up to 10 in `invalid_entry_samples` (Meta does
 *   not document how many samples it returns).
 * It can be scripted to throttle (code 17 on HTTP 400 with X-Business-Use-Case-Usage), to fail
 * the next request with any Graph error, and to count chosen values as invalid.
 */
import { appSecretProofFor, graphError, readUsersBody } from './ads-meta-request.js';
import { AudienceStore } from './ads-audience-store.js';
import { ReplaceSessions, type SessionFields } from './ads-meta-replace.js';
import { FaultQueue } from './ads-fault-queue.js';
import {
  type AdsRequest,
  type AdsResponse,
  bearerToken,
  startAdsImitationServer,
} from './ads-imitation-server.js';
import { isLowerCaseUuid, isLowerHexSha256 } from './ads-value-checks.js';

export interface MetaImitationOptions {
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** The token every request must carry. Default `meta-imitation-token`. */
  accessToken?: string;
  /** When set, every request must carry the matching appsecret_proof. */
  appSecret?: string;
  /** IDs of the audiences that exist. Default: any numeric ID exists. */
  audienceIds?: string[];
  /** Rows allowed per request. Default 10,000, Meta's limit. */
  maxRowsPerRequest?: number;
  /** Time after its last batch at which an unfinished replace is dropped. Default 90 minutes. */
  replaceTimeoutMs?: number;
}

/** A Graph error to return for the next request. */
export interface MetaFault {
  status: number;
  code: number;
  subcode?: number;
  message: string;
  isTransient?: boolean;
  headers?: Record<string, string>;
}

/** One upload the imitation applied. */
export interface MetaUpload {
  action: MetaAction;
  audienceId: string;
  schema: string[];
  rows: number;
  invalidRows: number;
  session: SessionFields;
}

/** Kind of request: an add or remove of rows, or one batch of a replace. */
export type MetaAction = 'add' | 'remove' | 'replace';

export interface MetaImitationState {
  /** Audience members as `<KEY>:<value>` entries, such as `EMAIL:<sha256 hex>`. */
  audiences: AudienceStore;
  /** Every upload that passed the request checks, in order. */
  uploads: MetaUpload[];
  /** Every request received, valid or not. */
  requests: AdsRequest[];
}

export interface MetaImitation {
  /** Base URL to put in the destination's `base_url`. */
  url: string;
  state: MetaImitationState;
  /**
   * Throttles the next `count` requests: HTTP 400 with Graph error code 17 (or `code`), and
   * X-Business-Use-Case-Usage naming `regainAccessMinutes` when given.
   */
  throttle(count: number, options?: { code?: number; regainAccessMinutes?: number }): void;
  /** Returns a Graph error for the next request. */
  failNext(fault: MetaFault): void;
  /** Counts every row containing `value` as invalid, with `reason` as its sample reason. */
  markInvalid(value: string, reason?: string): void;
  /** Whether responses name invalid rows in invalid_entry_samples. Default true. */
  includeSamples: boolean;
  close(): Promise<void>;
}

/** The access token the imitation accepts unless started with another. */
export const META_IMITATION_ACCESS_TOKEN = 'meta-imitation-token';
const MAX_SAMPLES = 10;
const USERS_PATH = /^\/(v\d+\.\d+)\/(\d+)\/(users|usersreplace)\/?$/;
const SCHEMA_ALIASES: Record<string, string> = {
  EMAIL_SHA256: 'EMAIL',
  PHONE_SHA256: 'PHONE',
  MOBILE_ADVERTISER_ID: 'MADID',
};
/** Keys Meta takes as SHA-256 hashes; MADID and EXTERN_ID are sent in clear text. */
const HASHED_KEYS = new Set([
  'EMAIL',
  'PHONE',
  'FN',
  'LN',
  'FI',
  'CT',
  'ST',
  'ZIP',
  'COUNTRY',
  'GEN',
  'DOBY',
  'DOBM',
  'DOBD',
]);
const KNOWN_KEYS = new Set([...HASHED_KEYS, 'MADID', 'EXTERN_ID']);

export async function startMetaImitation(
  options: MetaImitationOptions = {},
): Promise<MetaImitation> {
  const settings: MetaSettings = {
    accessToken: options.accessToken ?? META_IMITATION_ACCESS_TOKEN,
    appSecret: options.appSecret,
    audienceIds: options.audienceIds,
    maxRows: options.maxRowsPerRequest ?? 10_000,
  };
  const faults = new FaultQueue<MetaFault>();
  const invalidValues = new Map<string, string>();
  const replaces = new ReplaceSessions(options.replaceTimeoutMs);
  const state: Omit<MetaImitationState, 'requests'> = {
    audiences: new AudienceStore(),
    uploads: [],
  };
  const imitation = { includeSamples: true };

  const handle = (request: AdsRequest): AdsResponse => {
    const checked = checkRequest(request, settings, faults);
    if ('status' in checked) return checked;
    const busy =
      checked.action === 'replace'
        ? replaces.checkBatch(checked.audienceId, checked.session, request.receivedAt)
        : replaces.blockedUpdate(checked.audienceId, request.receivedAt);
    if (busy) return busy;
    return applyUpload(checked, state, replaces, invalidValues, imitation.includeSamples, request.receivedAt);
  };

  const server = await startAdsImitationServer(handle, { port: options.port });
  return Object.assign(imitation, {
    url: server.url,
    state: { ...state, requests: server.requests },
    throttle(count: number, throttleOptions: { code?: number; regainAccessMinutes?: number } = {}) {
      faults.push(throttleFault(throttleOptions), count);
    },
    failNext(fault: MetaFault) {
      faults.push(fault);
    },
    markInvalid(value: string, reason = 'Invalid format') {
      invalidValues.set(value, reason);
    },
    close: () => server.close(),
  });
}

interface MetaSettings {
  accessToken: string;
  appSecret: string | undefined;
  audienceIds: string[] | undefined;
  maxRows: number;
}

/** An upload that passed the request checks. */
interface CheckedUpload {
  action: MetaAction;
  audienceId: string;
  schema: string[];
  rows: string[][];
  session: SessionFields;
}

/** Checks route, token, scripted faults, audience and body, in the order Graph reports them. */
function checkRequest(
  request: AdsRequest,
  settings: MetaSettings,
  faults: FaultQueue<MetaFault>,
): CheckedUpload | AdsResponse {
  const route = USERS_PATH.exec(request.url.pathname);
  if (!route) {
    return graphError(
      404,
      100,
      'Unknown path; the imitation serves /{version}/{audience_id}/users and /usersreplace',
    );
  }
  const replace = route[3] === 'usersreplace';
  if (request.method !== 'POST' && (replace || request.method !== 'DELETE')) {
    const allowed = replace ? 'POST' : 'POST or DELETE';
    return graphError(400, 100, `Unsupported method ${request.method}; use ${allowed}`);
  }

  const body = readUsersBody(request);
  const token = bearerToken(request) ?? body.accessToken;
  if (token !== settings.accessToken) {
    return graphError(400, 190, 'Invalid OAuth access token', { type: 'OAuthException' });
  }
  const proof = settings.appSecret && appSecretProofFor(settings.accessToken, settings.appSecret);
  if (proof && body.appSecretProof !== proof) {
    return graphError(400, 100, 'Invalid appsecret_proof provided in the API argument');
  }

  const fault = faults.take();
  if (fault) return graphError(fault.status, fault.code, fault.message, fault);

  const audienceId = route[2] ?? '';
  if (settings.audienceIds && !settings.audienceIds.includes(audienceId)) {
    return graphError(400, 100, `Object with ID '${audienceId}' does not exist`, { subcode: 33 });
  }
  if ('error' in body) return graphError(400, 100, body.error);

  const schema = body.schema.map((key) => SCHEMA_ALIASES[key] ?? key);
  const problem = schemaProblem(schema, body.rows, settings.maxRows);
  if (problem) return graphError(400, 100, problem);

  let action: MetaAction = request.method === 'POST' ? 'add' : 'remove';
  if (replace) action = 'replace';
  return { action, audienceId, schema, rows: body.rows, session: body.session };
}

function schemaProblem(schema: string[], rows: string[][], maxRows: number): string | undefined {
  const unknownKey = schema.find((key) => !KNOWN_KEYS.has(key));
  if (unknownKey) return `Unknown schema key ${unknownKey}`;
  if (rows.length === 0) return 'payload.data is empty';
  if (rows.length > maxRows) {
    return `payload.data has ${rows.length} rows; at most ${maxRows} are allowed`;
  }
  if (rows.some((row) => row.length !== schema.length)) {
    return 'Data is missing or does not match schema';
  }
  return undefined;
}

/**
 * Applies the valid rows of an upload and counts the invalid ones, as Meta reports them. A
 * replace batch changes the audience only when it is the session's last.
 */
function applyUpload(
  upload: CheckedUpload,
  state: Omit<MetaImitationState, 'requests'>,
  replaces: ReplaceSessions,
  invalidValues: Map<string, string>,
  includeSamples: boolean,
  now: number,
): AdsResponse {
  const samples: Record<string, string> = {};
  const validRows: string[][] = [];
  let invalidRows = 0;
  for (const row of upload.rows) {
    const problem = rowProblem(upload.schema, row, invalidValues);
    if (problem) {
      invalidRows += 1;
      if (Object.keys(samples).length < MAX_SAMPLES) samples[problem.value] = problem.reason;
      continue;
    }
    validRows.push(row.flatMap((value, column) => (value === '' ? [] : [`${upload.schema[column]}:${value}`])));
  }

  const { action, audienceId, schema, session } = upload;
  if (action === 'add') for (const entries of validRows) state.audiences.add(audienceId, entries);
  if (action === 'remove') for (const entries of validRows) state.audiences.remove(audienceId, entries);
  if (action === 'replace') {
    const replaced = replaces.addBatch(audienceId, session, validRows, now);
    if (replaced) state.audiences.replace(audienceId, replaced.flat());
  }

  state.uploads.push({ action, audienceId, schema, rows: upload.rows.length, invalidRows, session });
  return {
    status: 200,
    body: {
      audience_id: audienceId,
      session_id: String(session.sessionId),
      num_received: upload.rows.length,
      num_invalid_entries: invalidRows,
      invalid_entry_samples: includeSamples ? samples : {},
    },
  };
}

function throttleFault(options: { code?: number; regainAccessMinutes?: number }): MetaFault {
  const usage = {
    '1234567890': [
      {
        type: 'custom_audience',
        call_count: 100,
        total_cputime: 25,
        total_time: 25,
        estimated_time_to_regain_access: options.regainAccessMinutes ?? 0,
      },
    ],
  };
  return {
    status: 400,
    code: options.code ?? 17,
    subcode: 2_446_079,
    message: 'User request limit reached',
    headers: { 'X-Business-Use-Case-Usage': JSON.stringify(usage) },
  };
}

/** Returns the first value of a row that Meta would count as invalid, with the reason. */
function rowProblem(
  schema: string[],
  row: string[],
  invalidValues: Map<string, string>,
): { value: string; reason: string } | undefined {
  if (row.every((value) => value === '')) return { value: '', reason: 'Row has no values' };
  for (const [column, value] of row.entries()) {
    if (value === '') continue;
    const scripted = invalidValues.get(value);
    if (scripted !== undefined) return { value, reason: scripted };

    const key = schema[column] ?? '';
    if (key === 'MADID' && !isLowerCaseUuid(value)) {
      return { value, reason: 'MADID must be a lower-case advertising ID with hyphens' };
    }
    if (HASHED_KEYS.has(key) && !isLowerHexSha256(value)) {
      return { value, reason: `${key} must be a SHA-256 hash in lowercase hex` };
    }
  }
  return undefined;
}
