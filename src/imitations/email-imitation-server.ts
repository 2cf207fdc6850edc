/**
 * The HTTP server under every email-platform imitation: it listens on loopback, reads whole
 * request bodies, records every request, serves scripted responses (throttling, failures) ahead
 * of the vendor handler, and writes JSON or text responses.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request received by an imitation. */
export interface ImitationRequest {
  method: string;
  /** The full request URL, with the query string. */
  url: URL;
  headers: http.IncomingHttpHeaders;
  /** The raw body as UTF-8 text. */
  body: string;
  /** Body size in bytes. */
  bodyBytes: number;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
  /** Date.now() when the whole request had been read. */
  receivedAt: number;
}

/** A response. A string body is sent as it is, anything else as JSON. */
export interface ImitationResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Content-Type of a JSON body, application/json by default. */
  contentType?: string;
}

export type ImitationHandler = (
  request: ImitationRequest,
) => ImitationResponse | Promise<ImitationResponse>;

/** A response queued for the next request that `matches` (every request when unset). */
export interface ScriptedResponse {
  matches?: (request: ImitationRequest) => boolean;
  respond: (request: ImitationRequest) => ImitationResponse;
}

export interface ImitationServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0, a free port chosen by the operating system. */
  port?: number;
  /** Bodies beyond this size get 413 before the handler runs. Default 32 MiB. */
  maxBodyBytes?: number;
}

export interface ImitationServer {
  /** Base URL, such as http://127.0.0.1:40123. */
  url: string;
  /** Every request received, in arrival order. */
  requests: ImitationRequest[];
  /** Queues a response for the next matching request. Each scripted response is used once. */
  script(response: ScriptedResponse): void;
  /** The number of requests being handled right now. */
  readonly inFlight: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Starts a server that passes each request to `handler` unless a scripted response matches. */
export async function startImitationServer(
  handler: ImitationHandler,
  options: ImitationServerOptions = {},
): Promise<ImitationServer> {
  const requests: ImitationRequest[] = [];
  const scripted: ScriptedResponse[] = [];
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let inFlight = 0;

  const respond = async (request: ImitationRequest): Promise<ImitationResponse> => {
    const index = scripted.findIndex((entry) => entry.matches?.(request) ?? true);
    if (index >= 0) {
      const [entry] = scripted.splice(index, 1);
      return entry!.respond(request);
    }
    return handler(request);
  };

  const server = http.createServer((req, res) => {
    inFlight += 1;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      inFlight -= 1;
    };
    // 'finish' fires once the response is handed to the socket, before the client can send its
    // next request. 'close' covers responses that never finish.
    res.on('finish', done);
    res.on('close', done);

    readRequest(req, maxBodyBytes).then(
      async (request) => {
        if (request === undefined) {
          writeResponse(res, { status: 413, body: { error: 'request body too large' } });
          return;
        }
        requests.push(request);
        writeResponse(res, await respondSafely(respond, request));
      },
      () => res.destroy(),
    );
  });

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    requests,
    script: (response) => {
      scripted.push(response);
    },
    get inFlight() {
      return inFlight;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Turns an exception in a handler into a 500 response, so a bug in an imitation is visible. */
async function respondSafely(
  respond: (request: ImitationRequest) => Promise<ImitationResponse>,
  request: ImitationRequest,
): Promise<ImitationResponse> {
  try {
    return await respond(request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: { error: `imitation failed: ${message}` } };
  }
}

/** Reads the whole request. Resolves undefined when the body exceeds `maxBodyBytes`. */
async function readRequest(
  req: http.IncomingMessage,
  maxBodyBytes: number,
): Promise<ImitationRequest | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  if (tooLarge) return undefined;

  const body = Buffer.concat(chunks).toString('utf8');
  return {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', 'http://imitation.local'),
    headers: req.headers,
    body,
    bodyBytes: size,
    json: parseJson(body),
    receivedAt: Date.now(),
  };
}

function writeResponse(res: http.ServerResponse, response: ImitationResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  let text = '';
  if (typeof response.body === 'string') {
    text = response.body;
  } else if (response.body !== undefined) {
    text = JSON.stringify(response.body);
    headers['Content-Type'] = response.contentType ?? 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(text);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Returns a request header as a string, the first value when it was sent several times. */
export function headerValue(request: ImitationRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Returns `value` when it is a plain object, for reading untrusted JSON bodies. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
