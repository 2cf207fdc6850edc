/**
 * The handler for Twilio's inbound-message webhook: Twilio POSTs each SMS a person sends to one
 * of the project's numbers as `application/x-www-form-urlencoded` with `From`, `To`, `Body`,
 * `MessageSid` and more (https://www.twilio.com/docs/messaging/guides/webhook-request).
 * Keyword replies change the suppression list through applyInboundReplies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { applyInboundReplies } from '../suppression/inbound-replies.js';
import { classifyReply } from '../suppression/opt-out-keywords.js';
import type { SuppressionList } from '../suppression/suppression-list.js';
import { type FormParam, SIGNATURE_HEADER, isValidTwilioSignature } from './twilio-signature.js';
import { RejectionLog } from './rejection-log.js';

/**
 * Largest request body read. Twilio's inbound parameters with a 1,600-character body and ten
 * media URLs stay well below this.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** An empty TwiML document: Twilio sends no automatic reply of ours. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export interface TwilioWebhookOptions {
  /** Path Twilio posts to, such as `/twilio/inbound`. Other paths get 404. */
  path: string;
  /** The auth token of the Twilio account whose numbers receive the replies. */
  authToken: string;
  /**
   * The webhook URL as configured in Twilio, without a query string. Twilio signs this URL, so
   * behind a proxy or tunnel it differs from the address this server listens on. When undefined,
   * the URL is rebuilt as `http://<Host header><path>`.
   */
  publicUrl?: string;
  suppressions: SuppressionList;
  logger: Logger;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Returns a request handler for `http.createServer`. */
export function createTwilioWebhookHandler(options: TwilioWebhookOptions): Handler {
  const rejections = new RejectionLog(options.logger);

  return (request, response) => {
    handleRequest(options, rejections, request, response).catch((error: unknown) => {
      options.logger.log('error', 'inbound.request_failed', { error: errorMessage(error) });
      if (!response.headersSent) sendText(response, 500, 'internal error\n');
      else response.end();
    });
  };
}

async function handleRequest(
  options: TwilioWebhookOptions,
  rejections: RejectionLog,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const target = new URL(request.url ?? '/', 'http://localhost');
  if (target.pathname !== options.path) {
    // Debug level: scanners probe every path of a public server.
    options.logger.log('debug', 'inbound.request_rejected', { status: 404, method: request.method, path: target.pathname });
    sendText(response, 404, `not found; Twilio webhooks go to ${options.path}\n`);
    return;
  }
  if (request.method !== 'POST') {
    rejectRequest(options, 405, `method ${request.method ?? ''} is not POST`);
    response.setHeader('Allow', 'POST');
    sendText(response, 405, 'method not allowed; use POST\n');
    return;
  }
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    rejectRequest(options, 415, 'the content type is not application/x-www-form-urlencoded');
    sendText(response, 415, 'unsupported media type; expected application/x-www-form-urlencoded\n');
    return;
  }

  const body = await readBody(request);
  if (body === undefined) {
    rejectRequest(options, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    sendText(response, 413, `request body larger than ${MAX_BODY_BYTES} bytes\n`);
    return;
  }

  const params: FormParam[] = [...new URLSearchParams(body)];
  const signature = request.headers[SIGNATURE_HEADER];
  const signedUrl = signedUrlOf(options, request, target);
  const signatureText = typeof signature === 'string' ? signature : undefined;
  if (!isValidTwilioSignature(options.authToken, signatureText, signedUrl, params)) {
    rejections.record(signatureText === undefined ? 'missing' : 'mismatch');
    sendText(response, 403, 'invalid or missing X-Twilio-Signature\n');
    return;
  }

  await applyReply(options, new URLSearchParams(body));
  response.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
  response.end(EMPTY_TWIML);
}

/** Returns the URL Twilio signed: the configured public URL, or this request's own, plus its query. */
function signedUrlOf(options: TwilioWebhookOptions, request: IncomingMessage, target: URL): string {
  // The query is taken from the raw request line, because the signature covers it as sent.
  const rawUrl = request.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const query = queryStart === -1 ? '' : rawUrl.slice(queryStart);

  if (options.publicUrl !== undefined) return options.publicUrl + query;
  const host = request.headers.host ?? 'localhost';
  return `http://${host}${target.pathname}${query}`;
}

async function applyReply(options: TwilioWebhookOptions, form: URLSearchParams): Promise<void> {
  const from = form.get('From');
  const body = form.get('Body');
  const messageSid = form.get('MessageSid') ?? undefined;
  if (from === null || body === null) {
    options.logger.log('warn', 'inbound.reply_ignored', {
      messageSid,
      reason: 'the request has no From or no Body parameter',
    });
    return;
  }

  const to = form.get('To') ?? undefined;
  const result = await applyInboundReplies(options.suppressions, [{ from, to, body }]);
  // The keyword is logged, never the body or the numbers: both are personal data.
  options.logger.log('info', 'inbound.reply_applied', {
    messageSid,
    keyword: classifyReply(body)?.keyword ?? null,
    suppressed: result.suppressed,
    liftedEntries: result.liftedEntries,
  });
}

/** Reads the body as UTF-8, or returns undefined once it exceeds MAX_BODY_BYTES. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function rejectRequest(options: TwilioWebhookOptions, status: number, reason: string): void {
  options.logger.log('warn', 'inbound.request_rejected', { status, reason });
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
