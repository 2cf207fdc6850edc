/**
 * The HTTP server under the ads-platform imitations (Meta, Google, TikTok). It listens on
 * 127.0.0.1 only, reads whole request bodies up to a size limit, records every request, and
 * turns a handler's exception into a 500 response rather than a crash.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as an imitation received it. */
export interface AdsRequest {
  method: string;
  /** The full request URL, with the query string. */
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** The raw body as UTF-8 text. */
  body: string;
  /** Date.now() when the whole request had been read. */
  receivedAt: number;
}

/** A response; a string body is sent as it is, anything else as JSON. */
export interface AdsResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type AdsHandler = (request: AdsRequest) => AdsResponse;

export interface AdsImitationServerOptions {
  /** Port to listen on. Default 0: a free port chosen by the operating system. */
  port?: number;
  /** Bodies beyond this many bytes get 413 before the handler runs. Default 64 MiB. */
  maxBodyBytes?: number;
}

export interface AdsImitationServer {
  /** Base URL, such as http://127.0.0.1:40123. */
  url: string;
  /** Every request received, in arrival order. */
  requests: AdsRequest[];
  /** The maximum number of requests handled at the same time. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const LOOPBACK = '127.0.0.1';

export async function startAdsImitationServer(
  handler: AdsHandler,
  options: AdsImitationServerOptions = {},
): Promise<AdsImitationServer> {
  const requests: AdsRequest[] = [];
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let inFlight = 0;
  let maxInFlight = 0;

  const server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });

    readBody(req, maxBodyBytes).then(
      (body) => {
        if (body === undefined) {
          send(res, { status: 413, body: { error: `request body exceeds ${maxBodyBytes} bytes` } });
          return;
        }
        const request: AdsRequest = {
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', `http://${LOOPBACK}`),
          headers: req.headers,
          body,
          receivedAt: Date.now(),
        };
        requests.push(request);
        send(res, respondSafely(handler, request));
      },
      () => res.destroy(),
    );
  });

  server.listen(options.port ?? 0, LOOPBACK);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK}:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respondSafely(handler: AdsHandler, request: AdsRequest): AdsResponse {
  try {
    return handler(request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: { error: `imitation failed: ${message}` } };
  }
}

/** Reads the body, or resolves undefined once it passes `maxBytes` (the rest is discarded). */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, response: AdsResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  let text = '';
  if (typeof response.body === 'string') {
    text = response.body;
  } else if (response.body !== undefined) {
    text = JSON.stringify(response.body);
    headers['Content-Type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(text);
}

/** Returns the bearer token of a request, or undefined when it has none. */
export function bearerToken(request: AdsRequest): string | undefined {
  const header = request.headers.authorization;
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Parses a JSON body, or returns undefined when it is empty or not JSON. */
export function parseJsonBody(request: AdsRequest): unknown {
  if (request.body.trim() === '') return undefined;
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    return undefined;
  }
}
