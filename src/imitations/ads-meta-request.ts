/** Request parsing and Graph error responses for the Meta imitation (meta.ts). */
import { createHmac } from 'node:crypto';
import type { AdsRequest, AdsResponse } from './ads-imitation-server.js';
import type { SessionFields } from './ads-meta-replace.js';

/** The parts of a /users request the imitation checks. */
export type UsersBody = {
  accessToken: string | undefined;
  appSecretProof: string | undefined;
} & ({ schema: string[]; rows: string[][]; session: SessionFields } | { error: string });

/**
 * Reads a /users request body sent as JSON or as form fields whose values are JSON, the two
 * forms Meta accepts. The token and proof may also come in the query string.
 */
export function readUsersBody(request: AdsRequest): UsersBody {
  const fields = readFields(request);
  const credentials = {
    accessToken:
      textField(fields.access_token) ?? request.url.searchParams.get('access_token') ?? undefined,
    appSecretProof:
      textField(fields.appsecret_proof) ??
      request.url.searchParams.get('appsecret_proof') ??
      undefined,
  };
  if (fields === INVALID_BODY) {
    return { ...credentials, error: 'The request body is not JSON or form fields' };
  }

  const payload = jsonField(fields.payload);
  if (typeof payload !== 'object' || payload === null) {
    return { ...credentials, error: 'The parameter payload is required' };
  }
  const { schema: rawSchema, data } = payload as Record<string, unknown>;
  const singleKey = typeof rawSchema === 'string';
  const schema = singleKey ? [rawSchema] : rawSchema;
  if (!isStringList(schema) || schema.length === 0) {
    return { ...credentials, error: 'payload.schema must be a key or a list of keys' };
  }
  if (!Array.isArray(data)) return { ...credentials, error: 'payload.data must be a list' };

  const rows = data.map((row: unknown) => (singleKey && typeof row === 'string' ? [row] : row));
  if (!rows.every(isStringList)) {
    return { ...credentials, error: 'Every row of payload.data must be a list of strings' };
  }

  const session = readSession(jsonField(fields.session));
  if (session === undefined) {
    return {
      ...credentials,
      error: 'The parameter session is required: { session_id, batch_seq, last_batch_flag }',
    };
  }
  return { ...credentials, schema, rows, session };
}

const INVALID_BODY: Record<string, unknown> = Object.freeze({});

function readFields(request: AdsRequest): Record<string, unknown> {
  const contentType = request.headers['content-type'] ?? '';
  if (request.body.trim() === '') return {};
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(request.body));
  }
  try {
    const parsed: unknown = JSON.parse(request.body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : INVALID_BODY;
  } catch {
    return INVALID_BODY;
  }
}

/** Parses a form field, which contains JSON text; a JSON body contains the value itself. */
function jsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function textField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function readSession(session: unknown): SessionFields | undefined {
  if (typeof session !== 'object' || session === null) return undefined;
  const {
    session_id: id,
    batch_seq: batchSeq,
    last_batch_flag: last,
  } = session as Record<string, unknown>;
  const sessionId = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  const valid =
    typeof sessionId === 'number' &&
    Number.isInteger(sessionId) &&
    typeof batchSeq === 'number' &&
    Number.isInteger(batchSeq) &&
    batchSeq >= 1 &&
    typeof last === 'boolean';
  return valid ? { sessionId, batchSeq, last } : undefined;
}

let traceCounter = 0;

/** Builds a Graph API error: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
export function graphError(
  status: number,
  code: number,
  message: string,
  extra: {
    subcode?: number;
    type?: string;
    isTransient?: boolean;
    headers?: Record<string, string>;
  } = {},
): AdsResponse {
  traceCounter += 1;
  const error: Record<string, unknown> = {
    message,
    type: extra.type ?? (code === 190 ? 'OAuthException' : 'GraphMethodException'),
    code,
    fbtrace_id: `imitation-${traceCounter}`,
  };
  if (extra.subcode !== undefined) error.error_subcode = extra.subcode;
  if (extra.isTransient !== undefined) error.is_transient = extra.isTransient;
  return { status, headers: extra.headers, body: { error } };
}

/** Returns Meta's appsecret_proof: hex HMAC-SHA256 of the token, keyed by the app secret. */
export function appSecretProofFor(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}
