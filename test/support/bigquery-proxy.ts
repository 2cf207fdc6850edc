import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of the BigQuery emulator. It records every request and lets a
 * test rewrite the JSON body of jobs.getQueryResults responses, to imitate a page lost on the
 * way or a truncated result.
 */

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Rewrites a getQueryResults response. `query` is the request's query string and `sql` the
 * statement of the job, when the job was created through this proxy.
 */
export type ResultsRewrite = (response: Record<string, unknown>, query: URLSearchParams, sql: string | undefined) => Record<string, unknown>;

export interface BigQueryProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Set to rewrite the following getQueryResults responses; undefined passes them through. */
  rewriteResults: ResultsRewrite | undefined;
  close(): Promise<void>;
}

const QUERY_RESULTS_PATH = /\/bigquery\/v2\/projects\/[^/]+\/queries\/([^/?]+)/;
const JOBS_PATH = /^\/bigquery\/v2\/projects\/[^/]+\/jobs(?:\?|$)/;

export async function startBigQueryProxy(target: string): Promise<BigQueryProxy> {
  const proxy: BigQueryProxy = {
    url: '',
    requests: [],
    rewriteResults: undefined,
    close: async () => {},
  };

  /** Statement of each job created through the proxy, by job id. */
  const statements = new Map<string, string>();

  const server = http.createServer(async (request, response) => {
    const body = await readBody(request);
    const path = request.url ?? '/';
    proxy.requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body });

    const upstream = await fetch(new URL(path, target), {
      method: request.method,
      headers: forwardedHeaders(request.headers),
      body: body === '' ? undefined : body,
    });
    let text = await upstream.text();
    if (request.method === 'POST' && JOBS_PATH.test(path) && upstream.ok) recordStatement(statements, body, text);

    const rewrite = proxy.rewriteResults;
    const results = QUERY_RESULTS_PATH.exec(path);
    if (rewrite && request.method === 'GET' && results && upstream.ok) {
      const query = new URL(path, 'http://proxy').searchParams;
      text = JSON.stringify(rewrite(JSON.parse(text) as Record<string, unknown>, query, statements.get(results[1]!)));
    }
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    response.end(text);
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

function recordStatement(statements: Map<string, string>, requestBody: string, responseBody: string): void {
  const job = JSON.parse(requestBody) as { configuration?: { query?: { query?: string } } };
  const created = JSON.parse(responseBody) as { jobReference?: { jobId?: string } };
  const sql = job.configuration?.query?.query;
  const jobId = created.jobReference?.jobId;
  if (sql !== undefined && jobId !== undefined) statements.set(jobId, sql);
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
    forwarded[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return forwarded;
}
