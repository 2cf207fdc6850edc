/**
 * A local webhook receiver for tests and demos. It listens on 127.0.0.1 on a free port, checks
 * the X-Sluice-Signature of every request when given the secret, records every request, and
 * sends the scripted response to each one.
 *
 * It implements the response contract of the webhook destination
 * (src/destinations/webhook/webhook-destination.ts):
 * - 2xx with an empty body or no `results`: every row accepted.
 * - 2xx with `{ results: [{ key, status: 'accepted' | 'rejected' | 'retry', reason? }] }`: one
 *   outcome per row; a row left out of `results` is retried by the sender.
 * - 401 or 403: the sender fails the call as a whole. This receiver responds 401 to a request
 *   whose signature is missing or wrong, or whose timestamp is too far from its clock.
 * - 413: the sender splits the batch. Other 4xx except 408 and 429: every row rejected.
 * - 408, 429, 5xx: the sender retries, after the Retry-After (seconds or HTTP-date) if given.
 * - A dropped connection after the request was read: the outcome is unknown to the sender.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../src/destinations/webhook/signature.js';

export interface ReceivedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** Whether the signature matched; undefined when the receiver has no secret. */
  signatureValid: boolean | undefined;
  /** Date.now() when the whole request had been read. */
  receivedAt: number;
}

/** The response to one request. With nothing set, it is 200 with an empty body. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  /** Milliseconds to wait before responding. */
  delayMs?: number;
  /** Responds 200 with `results`: these keys rejected (with the reason given), others accepted. */
  rejectKeys?: Record<string, string>;
  /** Responds 200 with `results`: these keys as `retry`. */
  retryKeys?: string[];
  /** Responds 200 with `results` that leave these keys out. */
  omitKeys?: string[];
  /** Closes the connection after reading the request, without responding. */
  dropConnection?: boolean;
  /** Responds 429 (unless `status` is set) with this Retry-After header. */
  retryAfter?: number | string;
}

export type ResponseScript = ScriptedResponse | ((request: ReceivedRequest) => ScriptedResponse);

export interface WebhookReceiverOptions {
  /** HMAC key; when set, requests without a valid signature get 401. */
  secret?: string;
  /** Largest difference between X-Sluice-Timestamp and this clock, in seconds. Default 300. */
  maxTimestampSkewSeconds?: number;
  /** The response once the scripted ones are used up. Default: 200 with an empty body. */
  defaultResponse?: ResponseScript;
}

export interface WebhookReceiver {
  /** Base URL, such as http://127.0.0.1:40123. */
  url: string;
  /** Every request received, in arrival order, valid or not. */
  requests: ReceivedRequest[];
  /** Queues responses for the next requests, in order. */
  script(...responses: ResponseScript[]): void;
  /** The maximum number of requests handled at the same time. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ResponseScript[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });

    void readRequest(req, options).then(async (received) => {
      requests.push(received);
      if (received.signatureValid === false) {
        send(res, { status: 401, body: { error: 'invalid or missing signature' } }, received);
        return;
      }

      const script = queue.shift() ?? options.defaultResponse ?? {};
      const response = typeof script === 'function' ? script(received) : script;
      if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs));
      if (response.dropConnection) {
        req.socket.destroy();
        return;
      }
      send(res, response, received);
    }, () => {
      // The client closed the connection before the whole request arrived, so no response.
      res.destroy();
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...responses) => {
      queue.push(...responses);
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readRequest(
  req: http.IncomingMessage,
  options: WebhookReceiverOptions,
): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');

  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body,
    json: parseJson(body),
    signatureValid: options.secret === undefined ? undefined : checkSignature(req, body, options),
    receivedAt: Date.now(),
  };
}

function checkSignature(
  req: http.IncomingMessage,
  body: string,
  options: WebhookReceiverOptions,
): boolean {
  const timestamp = header(req, TIMESTAMP_HEADER);
  const signature = header(req, SIGNATURE_HEADER);
  if (!options.secret || !timestamp || !signature) return false;

  const skew = Math.abs(Date.now() / 1_000 - Number(timestamp));
  if (!(skew <= (options.maxTimestampSkewSeconds ?? 300))) return false;
  return verifyWebhookSignature(options.secret, timestamp, body, signature);
}

function send(res: http.ServerResponse, response: ScriptedResponse, received: ReceivedRequest): void {
  const headers: Record<string, string> = { ...response.headers };
  let status = response.status ?? 200;
  let body = response.body;

  if (response.retryAfter !== undefined) {
    status = response.status ?? 429;
    headers['Retry-After'] = String(response.retryAfter);
  }
  if (response.rejectKeys || response.retryKeys || response.omitKeys) {
    body = { results: rowResults(received, response) };
  }

  let text = '';
  if (typeof body === 'string') {
    text = body;
  } else if (body !== undefined) {
    text = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }

  // The sender may have timed out and closed the connection during a delayed response.
  if (res.destroyed) return;
  res.writeHead(status, headers);
  res.end(text);
}

function rowResults(received: ReceivedRequest, response: ScriptedResponse) {
  const records = (received.json as { records?: { key: string }[] } | undefined)?.records ?? [];
  const results: { key: string; status: string; reason?: string }[] = [];
  for (const { key } of records) {
    if (response.omitKeys?.includes(key)) continue;
    const rejection = response.rejectKeys?.[key];
    if (rejection !== undefined) results.push({ key, status: 'rejected', reason: rejection });
    else if (response.retryKeys?.includes(key)) results.push({ key, status: 'retry' });
    else results.push({ key, status: 'accepted' });
  }
  return results;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
