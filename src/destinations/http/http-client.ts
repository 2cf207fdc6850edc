import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Time allowed for the whole exchange, from connecting to the last byte of the response. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The response body as UTF-8 text, at most MAX_RESPONSE_BYTES long. */
  body: string;
}

/**
 * A request that got no HTTP response. `sent` is true once the whole request was handed to the
 * operating system: from then on the server may have acted on it, so the outcome is unknown.
 */
export class HttpTransportError extends Error {
  readonly code: string;
  readonly sent: boolean;

  constructor(code: string, message: string, sent: boolean) {
    super(message);
    this.name = 'HttpTransportError';
    this.code = code;
    this.sent = sent;
  }
}

/** Response bodies beyond this size are not read; the request counts as having no response. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * Idle keep-alive sockets are closed after 4 s, below the 5 s idle timeout of Node's own HTTP
 * server, so a request is rarely written to a socket the server is closing at the same moment.
 * NOTE: a server that closes idle connections sooner can still reset a reused socket, and that
 * request then counts as sent with an unknown outcome.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;
const httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
const httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });

/**
 * Sends one request and reads the whole response. Rejects with HttpTransportError when no
 * response arrives (refused, reset, timed out, aborted). Uses node:http rather than a client
 * library because telling "never sent" from "sent, no response" needs the request's `finish`
 * event. Error messages name the failure and the host only, never the URL path or headers,
 * which may contain credentials.
 */
export function sendHttpRequest(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const client = request.url.protocol === 'https:' ? https : http;
    const agent = request.url.protocol === 'https:' ? httpsAgent : httpAgent;
    let sent = false;
    let settled = false;

    const fail = (code: string, message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(new HttpTransportError(code, message, sent));
    };

    const req = client.request(request.url, {
      method: request.method,
      headers: withContentLength(request.headers, request.body),
      agent,
    });

    const timer = setTimeout(() => {
      fail('ETIMEDOUT', `request to ${request.url.host} timed out after ${request.timeoutMs} ms`);
    }, request.timeoutMs);

    const onAbort = (): void => fail('ABORTED', `request to ${request.url.host} was cancelled`);
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'EUNKNOWN';
      fail(code, `request to ${request.url.host} failed: ${describeSocketError(code)}`);
    });
    req.on('response', (response) => {
      readBody(response, request.url.host).then(
        (body) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          request.signal?.removeEventListener('abort', onAbort);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        },
        (error: HttpTransportError) => fail(error.code, error.message),
      );
    });

    req.end(request.body);
  });
}

function withContentLength(headers: Record<string, string>, body: string | undefined) {
  if (body === undefined) return headers;
  return { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
}

function readBody(response: http.IncomingMessage, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;

    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        response.destroy();
        const message = `response from ${host} exceeded ${MAX_RESPONSE_BYTES} bytes`;
        reject(new HttpTransportError('ETOOLARGE', message, true));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'EUNKNOWN';
      const message = `response from ${host} failed: ${describeSocketError(code)}`;
      reject(new HttpTransportError(code, message, true));
    });
  });
}

const SOCKET_ERROR_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function describeSocketError(code: string): string {
  return `${SOCKET_ERROR_TEXT[code] ?? 'network error'} (${code})`;
}
