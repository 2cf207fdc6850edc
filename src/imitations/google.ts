/**
 * A local imitation of Google's Data Manager API for Customer Match, for tests and for trying
 * syncs without a Google account. On 127.0.0.1 it serves:
 * - `POST /v1/audienceMembers:ingest` and `POST /v1/audienceMembers:remove`, which apply
 *   members to in-memory audiences keyed by productDestinationId and return `{ requestId }`;
 * - `GET /v1/requestStatus:retrieve?requestId=`, which reports a request PROCESSING for
 *   `processingPolls` reads and then SUCCESS, or FAILED for a request scripted to fail;
 * - `POST /token`, an OAuth token endpoint that trades the configured refresh token for
 *   short-lived access tokens.
 *
 * It checks what Google documents at
 * https://developers.google.com/data-manager/api/devguides/concepts/formatting and
 * https://developers.google.com/data-manager/api/devguides/limits:
 * - a bearer token, 1 to 10 destinations, `encoding` HEX or BASE64, and 1 to 10,000 members;
 * - per member, either userData or mobileData, each with 1 to 10 identifiers;
 * - per UserIdentifier, exactly one of emailAddress, phoneNumber and address (the API's oneof);
 * - SHA-256 hex for emails, phones and names.
 * Like the real API it rejects the whole request when any member is invalid, with a
 * google.rpc.BadRequest naming each bad member's index, and applies nothing. It can be scripted
 * to throttle (429 RESOURCE_EXHAUSTED with RetryInfo) and to reject members with chosen values.
 * Started with `rateLimit`, it also enforces a request quota on ingest and remove, as Google
 * does per Cloud project, and names the wait until the quota has room in RetryInfo.
 */
import { randomUUID } from 'node:crypto';
import { AudienceStore } from './ads-audience-store.js';
import { FaultQueue } from './ads-fault-queue.js';
import { type FieldViolation, readMembersRequest } from './ads-google-members.js';
import { RateWindow, type RateWindowOptions } from './ads-rate-window.js';
import {
  type AdsRequest,
  type AdsResponse,
  bearerToken,
  parseJsonBody,
  startAdsImitationServer,
} from './ads-imitation-server.js';

export interface GoogleImitationOptions {
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** A fixed access token the API accepts, besides the ones /token issues. */
  accessToken?: string;
  /** The OAuth client /token accepts. Defaults: `imitation-client`, `imitation-secret`. */
  clientId?: string;
  clientSecret?: string;
  /** The refresh token /token accepts. Default `imitation-refresh-token`. */
  refreshToken?: string;
  /** Audience IDs that exist. Default: any ID exists. */
  audienceIds?: string[];
  /** Members allowed per request. Default 10,000, Google's limit. */
  maxMembersPerRequest?: number;
  /**
   * Ingest and remove requests allowed per window; undefined for no quota. Google allows 300
   * per minute per project; tests and the benchmark use shorter windows to run in seconds.
   */
  rateLimit?: RateWindowOptions;
  /** Status reads of each request that return PROCESSING before its final status. Default 0. */
  processingPolls?: number;
}

/** One request the imitation applied. */
export interface GoogleUpload {
  action: 'add' | 'remove';
  audienceIds: string[];
  members: number;
  encoding: string;
  consent: unknown;
  requestId: string;
}

export interface GoogleImitationState {
  /** Audience entries, such as `emailAddress:<hash>`, by productDestinationId. */
  audiences: AudienceStore;
  uploads: GoogleUpload[];
  /** Access tokens issued by /token, in order. */
  issuedTokens: string[];
  /** Ingest and remove requests refused with 429 because the rate limit had no room. */
  rateLimited: AdsRequest[];
  /** Status reads received, by requestId. */
  statusReads: Map<string, number>;
  /** Every request received, valid or not. */
  requests: AdsRequest[];
}

export interface GoogleImitation {
  url: string;
  state: GoogleImitationState;
  /** Throttles the next `count` API requests with 429 RESOURCE_EXHAUSTED. */
  throttle(count: number, options?: { retryDelaySeconds?: number }): void;
  /** Rejects every member holding `value` (a hash or mobile ID) with `description`. */
  markInvalid(value: string, description?: string): void;
  /**
   * Makes the next `count` valid ingest or remove requests fail in processing: they get a
   * requestId, apply nothing, and their status ends FAILED with `reason` counted for every member.
   */
  failProcessing(count: number, reason?: string): void;
  /** Makes every access token issued so far invalid, as if it expired. */
  expireTokens(): void;
  close(): Promise<void>;
}

/**
 * The OAuth client and refresh token /token accepts unless started with others. A destination
 * also needs `token_url` set to the imitation's `/token`.
 */
export const GOOGLE_IMITATION_CREDENTIALS = {
  client_id: 'imitation-client',
  client_secret: 'imitation-secret',
  refresh_token: 'imitation-refresh-token',
};
const MEMBERS_PATH = /^\/v1\/audienceMembers:(ingest|remove)$/;

export async function startGoogleImitation(
  options: GoogleImitationOptions = {},
): Promise<GoogleImitation> {
  const limits = {
    maxMembers: options.maxMembersPerRequest ?? 10_000,
    audienceIds: options.audienceIds,
  };
  const client = {
    clientId: options.clientId ?? GOOGLE_IMITATION_CREDENTIALS.client_id,
    clientSecret: options.clientSecret ?? GOOGLE_IMITATION_CREDENTIALS.client_secret,
    refreshToken: options.refreshToken ?? GOOGLE_IMITATION_CREDENTIALS.refresh_token,
  };
  const audiences = new AudienceStore();
  const uploads: GoogleUpload[] = [];
  const issuedTokens: string[] = [];
  const validTokens = new Set<string>(options.accessToken ? [options.accessToken] : []);
  const throttles = new FaultQueue<{ retryDelaySeconds?: number }>();
  const invalidValues = new Map<string, string>();
  const quota = options.rateLimit && new RateWindow(options.rateLimit);
  const rateLimited: AdsRequest[] = [];
  const processingFaults = new FaultQueue<string>();
  const statuses = new Map<string, RequestRecord>();
  const statusReads = new Map<string, number>();

  const issueToken = (request: AdsRequest): AdsResponse => {
    const problem = refreshProblem(new URLSearchParams(request.body), client);
    if (problem) return problem;

    const token = `imitation-access-${issuedTokens.length + 1}-${randomUUID()}`;
    issuedTokens.push(token);
    validTokens.add(token);
    return { status: 200, body: { access_token: token, expires_in: 3_599, token_type: 'Bearer' } };
  };

  const changeMembers = (request: AdsRequest, action: 'add' | 'remove'): AdsResponse => {
    const token = bearerToken(request);
    if (token === undefined || !validTokens.has(token)) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const throttle = throttles.take();
    if (throttle) return throttled(throttle.retryDelaySeconds);
    const waitMs = quota?.admit(request.receivedAt) ?? 0;
    if (waitMs > 0) {
      rateLimited.push(request);
      return throttled(waitMs / 1_000);
    }

    const checked = readMembersRequest(parseJsonBody(request), limits, invalidValues);
    if ('violations' in checked) return badRequest(checked.violations);

    const failure = processingFaults.take();
    for (const audienceId of failure === undefined ? checked.audienceIds : []) {
      for (const entries of checked.members) {
        if (action === 'add') audiences.add(audienceId, entries);
        else audiences.remove(audienceId, entries);
      }
    }
    const requestId = randomUUID();
    statuses.set(requestId, { action, audienceIds: checked.audienceIds, members: checked.members.length, failure });
    uploads.push({
      action,
      audienceIds: checked.audienceIds,
      members: checked.members.length,
      encoding: String(checked.encoding),
      consent: checked.consent,
      requestId,
    });
    return { status: 200, body: { requestId } };
  };

  const retrieveStatus = (request: AdsRequest): AdsResponse => {
    const token = bearerToken(request);
    if (token === undefined || !validTokens.has(token)) {
      return googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const requestId = request.url.searchParams.get('requestId') ?? '';
    const record = statuses.get(requestId);
    if (!record) return googleError(404, 'NOT_FOUND', `No request with ID ${requestId}`);

    const reads = (statusReads.get(requestId) ?? 0) + 1;
    statusReads.set(requestId, reads);
    const processing = reads <= (options.processingPolls ?? 0);
    return { status: 200, body: requestStatusBody(record, processing) };
  };

  const handle = (request: AdsRequest): AdsResponse => {
    if (request.method === 'GET' && request.url.pathname === '/v1/requestStatus:retrieve') {
      return retrieveStatus(request);
    }
    if (request.method !== 'POST') {
      return googleError(405, 'INVALID_ARGUMENT', 'Only POST is served, besides GET requestStatus:retrieve');
    }
    if (request.url.pathname === '/token') return issueToken(request);
    const route = MEMBERS_PATH.exec(request.url.pathname);
    if (!route) return googleError(404, 'NOT_FOUND', `No method at ${request.url.pathname}`);
    return changeMembers(request, route[1] === 'ingest' ? 'add' : 'remove');
  };

  const server = await startAdsImitationServer(handle, { port: options.port });
  return {
    url: server.url,
    state: { audiences, uploads, issuedTokens, rateLimited, statusReads, requests: server.requests },
    throttle(count, throttleOptions = {}) {
      throttles.push(throttleOptions, count);
    },
    markInvalid(value, description = 'The identifier is invalid') {
      invalidValues.set(value, description);
    },
    failProcessing(count, reason = 'PROCESSING_ERROR_REASON_INVALID_HASH') {
      processingFaults.push(reason, count);
    },
    expireTokens() {
      for (const token of issuedTokens) validTokens.delete(token);
    },
    close: () => server.close(),
  };
}

/** A request the imitation accepted, for requestStatus:retrieve. */
interface RequestRecord {
  action: 'add' | 'remove';
  audienceIds: string[];
  members: number;
  /** The processing error reason of a request scripted to fail. */
  failure: string | undefined;
}

/**
 * Builds a RetrieveRequestStatusResponse: one status per destination, in request order, with the
 * members counted as records and a failed request's members counted under its reason.
 */
function requestStatusBody(record: RequestRecord, processing: boolean): unknown {
  let requestStatus = record.failure === undefined ? 'SUCCESS' : 'FAILED';
  if (processing) requestStatus = 'PROCESSING';
  const counts = { recordCount: String(record.members) };
  const status =
    record.action === 'add'
      ? { audienceMembersIngestionStatus: { userDataIngestionStatus: counts } }
      : { audienceMembersRemovalStatus: { userDataRemovalStatus: counts } };
  const failed = !processing && record.failure !== undefined;
  return {
    requestStatusPerDestination: record.audienceIds.map((productDestinationId) => ({
      destination: { productDestinationId },
      requestStatus,
      ...status,
      ...(failed ? { errorInfo: { errorCounts: [{ recordCount: String(record.members), reason: record.failure }] } } : {}),
    })),
  };
}

/** Checks a refresh-token grant (RFC 6749, section 6); returns the OAuth error, if any. */
function refreshProblem(
  form: URLSearchParams,
  client: { clientId: string; clientSecret: string; refreshToken: string },
): AdsResponse | undefined {
  const knownClient =
    form.get('client_id') === client.clientId && form.get('client_secret') === client.clientSecret;
  if (!knownClient) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');

  const validGrant =
    form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === client.refreshToken;
  if (!validGrant) return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
  return undefined;
}

function googleError(
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
): AdsResponse {
  return { status: code, body: { error: { code, message, status, details } } };
}

function badRequest(violations: FieldViolation[]): AdsResponse {
  return googleError(400, 'INVALID_ARGUMENT', 'There was a problem with the request.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'INVALID_ARGUMENT',
      domain: 'datamanager.googleapis.com',
    },
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
  ]);
}

function throttled(retryDelaySeconds: number | undefined): AdsResponse {
  const details =
    retryDelaySeconds === undefined
      ? []
      : [
          {
            '@type': 'type.googleapis.com/google.rpc.RetryInfo',
            // A protobuf Duration in JSON: seconds with up to nine decimals.
            retryDelay: `${Number(retryDelaySeconds.toFixed(3))}s`,
          },
        ];
  return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for requests per minute.', details);
}

function oauthError(status: number, error: string, description: string): AdsResponse {
  return { status, body: { error, error_description: description } };
}
