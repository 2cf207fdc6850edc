/**
 * Reading TikTok Business API responses: HTTP 200 with `{ code, message, request_id, data }`,
 * where `code` 0 is success and anything else is an error, also on HTTP 200. Codes from the
 * TikTok Business API SDK (github.com/tiktok/tiktok-business-api-sdk, tiktok_code.py).
 */
import type { HttpResponse } from '../http/http-client.js';
import { parseJsonObject, platformText } from '../identifiers/audience-write.js';

export interface TikTokEnvelope {
  code: number;
  message: string;
}

/** 40100: requests too frequent. */
const THROTTLED = 40_100;
/** 40202 write conflict, 50000 system error, 50002 timeout, 51003 DMP error: try again later. */
const TRANSIENT = new Set([40_202, 50_000, 50_002, 51_003]);
/** 40102 and 40105: the access token expired or is invalid. */
export const TIKTOK_AUTH_CODES = new Set([40_102, 40_105]);
/**
 * 40050: a duplicate of a request TikTok already handled, as when a resend follows a request
 * whose response was lost. NOTE: read as success; TikTok does not say that the first request
 * was applied.
 */
export const TIKTOK_DUPLICATE = 40_050;
/** 20001: partly successful, without saying which rows failed. */
export const TIKTOK_PARTIAL = 20_001;

export function readEnvelope(body: string): TikTokEnvelope | undefined {
  const parsed = parseJsonObject(body);
  if (!parsed || typeof parsed.code !== 'number') return undefined;
  const message = typeof parsed.message === 'string' ? platformText(parsed.message) : 'no message';
  return { code: parsed.code, message };
}

/** Recognises code 40100 and transient codes for sendWithRetry, whatever the HTTP status. */
export function tiktokThrottleSignal(
  response: HttpResponse,
): { retryAfterMs?: number } | undefined {
  const envelope = readEnvelope(response.body);
  if (!envelope) return undefined;
  return envelope.code === THROTTLED || TRANSIENT.has(envelope.code) ? {} : undefined;
}

export function describeEnvelope(envelope: TikTokEnvelope): string {
  return `code ${envelope.code}: ${envelope.message}`;
}
