/**
 * A local imitation of TikTok's segment mapping API, for tests and for trying syncs without a
 * TikTok account. It serves `POST /open_api/{version}/segment/mapping/` on 127.0.0.1 and keeps
 * each audience in memory.
 *
 * Like the real API it returns HTTP 200 with `{ code, message, request_id, data }` and reports
 * every error as a non-zero `code`. The codes come from the TikTok Business API SDK
 * (github.com/tiktok/tiktok-business-api-sdk):
 * - 40105 for a wrong Access-Token;
 * - 40002 for a malformed request or an advertiser the token may not use;
 * - 40061 for a batch over the size limit;
 * - 40062 for an identifier that is not a SHA-256 hash;
 * - 40100 when scripted to throttle.
 * The mapping API has no per-row results, so one bad row fails the whole request and nothing is
 * applied.
 */
import { randomUUID } from 'node:crypto';
import { AudienceStore } from './ads-audience-store.js';
import { FaultQueue } from './ads-fault-queue.js';
import {
  type AdsRequest,
  type AdsResponse,
  parseJsonBody,
  startAdsImitationServer,
} from './ads-imitation-server.js';
import { isLowerHexSha256 } from './ads-value-checks.js';

export interface TikTokImitationOptions {
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** The Access-Token every request must carry. Default `tiktok-imitation-token`. */
  accessToken?: string;
  /** Advertiser IDs the token may use. Default: any. */
  advertiserIds?: string[];
  /** Rows allowed per request; more gets code 40061. Default 10,000. */
  maxBatchSize?: number;
}

/** A result code to return for the next request. */
export interface TikTokFault {
  code: number;
  message: string;
}

export interface TikTokUpload {
  action: 'add' | 'delete';
  idSchema: string[];
  rows: number;
}

export interface TikTokImitationState {
  /** Audience entries, such as `EMAIL_SHA256:<hash>`, by audience ID. */
  audiences: AudienceStore;
  uploads: TikTokUpload[];
  /** Every request received, valid or not. */
  requests: AdsRequest[];
}

export interface TikTokImitation {
  url: string;
  state: TikTokImitationState;
  /** Returns code 40100, "requests too frequent", for the next `count` requests. */
  throttle(count: number): void;
  /** Returns a result code for the next request. */
  failNext(fault: TikTokFault): void;
  /** Fails every request holding `value` with code 40002. */
  markInvalid(value: string): void;
  close(): Promise<void>;
}

/** The Access-Token the imitation accepts unless started with another. */
export const TIKTOK_IMITATION_ACCESS_TOKEN = 'tiktok-imitation-token';
const MAPPING_PATH = /^\/open_api\/v\d+\.\d+\/segment\/mapping\/?$/;
const ID_TYPES = new Set([
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'IDFA_SHA256',
  'GAID_SHA256',
  'IDFA_MD5',
  'GAID_MD5',
]);

export async function startTikTokImitation(
  options: TikTokImitationOptions = {},
): Promise<TikTokImitation> {
  const accessToken = options.accessToken ?? TIKTOK_IMITATION_ACCESS_TOKEN;
  const maxBatchSize = options.maxBatchSize ?? 10_000;
  const audiences = new AudienceStore();
  const uploads: TikTokUpload[] = [];
  const faults = new FaultQueue<TikTokFault>();
  const invalidValues = new Set<string>();

  const handle = (request: AdsRequest): AdsResponse => {
    if (request.method !== 'POST' || !MAPPING_PATH.test(request.url.pathname)) {
      return { status: 404, body: 'Not Found' };
    }
    if (request.headers['access-token'] !== accessToken) {
      return result(40_105, 'The access token is invalid or has expired.');
    }
    const fault = faults.take();
    if (fault) return result(fault.code, fault.message);

    const parsed = readMapping(parseJsonBody(request), options, maxBatchSize, invalidValues);
    if ('code' in parsed) return result(parsed.code, parsed.message);

    for (const { audienceId, entry } of parsed.entries) {
      if (parsed.action === 'add') audiences.add(audienceId, [entry]);
      else audiences.remove(audienceId, [entry]);
    }
    uploads.push({ action: parsed.action, idSchema: parsed.idSchema, rows: parsed.rows });
    return result(0, 'OK');
  };

  const server = await startAdsImitationServer(handle, { port: options.port });
  return {
    url: server.url,
    state: { audiences, uploads, requests: server.requests },
    throttle(count) {
      faults.push({ code: 40_100, message: 'Requests made too frequently.' }, count);
    },
    failNext(fault) {
      faults.push(fault);
    },
    markInvalid(value) {
      invalidValues.add(value);
    },
    close: () => server.close(),
  };
}

interface ValidMapping {
  action: 'add' | 'delete';
  idSchema: string[];
  rows: number;
  entries: { audienceId: string; entry: string }[];
}

/** Checks a mapping request and returns what to apply, or the result code to return. */
function readMapping(
  body: unknown,
  options: TikTokImitationOptions,
  maxBatchSize: number,
  invalidValues: Set<string>,
): ValidMapping | TikTokFault {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { advertiser_ids: advertiserIds, action, id_schema: idSchema, batch_data: batch } = fields;

  if (!isStringList(advertiserIds) || advertiserIds.length === 0) {
    return paramError('advertiser_ids must be a non-empty list of strings');
  }
  const unknownAdvertiser = advertiserIds.find(
    (id) => options.advertiserIds?.includes(id) === false,
  );
  if (unknownAdvertiser !== undefined) {
    return paramError(`No permission to operate advertiser ${unknownAdvertiser}`);
  }
  if (action !== 'add' && action !== 'delete') return paramError('action must be add or delete');
  if (
    !isStringList(idSchema) ||
    idSchema.length === 0 ||
    new Set(idSchema).size !== idSchema.length
  ) {
    return paramError('id_schema must be a non-empty list of distinct id types');
  }
  const unknownType = idSchema.find((type) => !ID_TYPES.has(type));
  if (unknownType !== undefined) return paramError(`Unknown id type ${unknownType}`);
  if (!Array.isArray(batch) || batch.length === 0 || batch.length > maxBatchSize) {
    return { code: 40_061, message: `batch_data must hold 1 to ${maxBatchSize} rows` };
  }

  const entries: ValidMapping['entries'] = [];
  for (const [rowIndex, row] of batch.entries()) {
    const problem = readRow(row, idSchema, invalidValues, entries);
    if (problem) {
      return { code: problem.code, message: `batch_data[${rowIndex}]: ${problem.message}` };
    }
  }
  return { action, idSchema, rows: batch.length, entries };
}

/** Checks one positional row and adds its entries, or returns the result code it earns. */
function readRow(
  row: unknown,
  idSchema: string[],
  invalidValues: Set<string>,
  entries: ValidMapping['entries'],
): TikTokFault | undefined {
  if (!Array.isArray(row) || row.length !== idSchema.length) {
    return paramError('each row must hold one object per id_schema entry');
  }

  let present = 0;
  for (const [column, cell] of row.entries()) {
    const { id, audience_ids: audienceIds } = (cell ?? {}) as Record<string, unknown>;
    if (id === undefined && audienceIds === undefined) continue;
    if (!isStringList(audienceIds) || audienceIds.length === 0) {
      return paramError('audience_ids must be a non-empty list of strings');
    }
    if (!isLowerHexSha256(id)) return { code: 40_062, message: 'id is not a SHA-256 hash' };
    if (invalidValues.has(id)) return paramError('id is invalid');
    present += 1;
    for (const audienceId of audienceIds)
      entries.push({ audienceId, entry: `${idSchema[column]}:${id}` });
  }
  return present === 0 ? paramError('the row has no identifier') : undefined;
}

function paramError(message: string): TikTokFault {
  return { code: 40_002, message };
}

function result(code: number, message: string): AdsResponse {
  return { status: 200, body: { code, message, request_id: randomUUID(), data: {} } };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
