import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrowToJsonRowset, type RowtypeColumn } from './arrow-rowset.js';

/**
 * An HTTP proxy in front of fakesnow's server that turns Arrow query results into JSON ones.
 *
 * snowflake-sdk (3.4) reads only JSON result sets: given `queryResultFormat: 'arrow'` it fails in
 * createChunks because `rowset` is missing. fakesnow (0.12) answers every query that returns rows
 * in Arrow, so without this proxy the Node driver cannot read a single SELECT from it. Every other
 * request and response passes through unchanged.
 *
 * fakesnow also leaves out `returned`, the count of rows sent inline, which snowflake-sdk needs to
 * know how many rows to read: without it a statement's callback is never called. The proxy adds
 * it to every query response.
 *
 * Snowflake makes PUBLIC the current schema of a session that names a database and no schema (see
 * the usage notes of USE DATABASE), but fakesnow leaves such a session without a current schema,
 * so it rejects every unqualified name. The proxy adds `schemaName=PUBLIC` to such a login.
 */
export interface JsonResultProxy {
  url: string;
  close(): Promise<void>;
}

const QUERY_PATH = '/queries/v1/query-request';
const LOGIN_PATH = '/session/v1/login-request';

export async function startJsonResultProxy(upstream: URL): Promise<JsonResultProxy> {
  const server = http.createServer((request, response) => {
    forward(upstream, request, response).catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`The Snowflake emulator proxy failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(upstream: URL, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const body = await readAll(request);
  if (request.url?.startsWith(LOGIN_PATH)) request.url = withDefaultSchema(request.url);
  const reply = await send(upstream, request, body);
  const isQuery = request.url?.startsWith(QUERY_PATH) && reply.headers['content-encoding'] === undefined;
  const payload = isQuery ? rewriteQueryResponse(reply.body) : reply.body;

  const headers = { ...reply.headers, 'content-length': String(payload.length) };
  delete headers['transfer-encoding'];
  response.writeHead(reply.status, headers);
  response.end(payload);
}

/** Adds Snowflake's default schema, PUBLIC, to a login that names a database but no schema. */
function withDefaultSchema(path: string): string {
  const url = new URL(path, 'http://proxy');
  if (url.searchParams.has('databaseName') && !url.searchParams.has('schemaName')) {
    url.searchParams.set('schemaName', 'PUBLIC');
  }
  return url.pathname + url.search;
}

function send(
  upstream: URL,
  request: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
      },
      (reply) => {
        readAll(reply).then((replyBody) => resolve({ status: reply.statusCode ?? 502, headers: reply.headers, body: replyBody }), reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

interface QueryResponse {
  data?: {
    queryResultFormat?: string;
    rowsetBase64?: string;
    rowtype?: RowtypeColumn[];
    rowset?: unknown[];
    returned?: number;
  } | null;
}

function rewriteQueryResponse(body: Buffer): Buffer {
  const parsed = JSON.parse(body.toString('utf8')) as QueryResponse;
  const data = parsed.data;
  if (!data) return body;

  if (data.queryResultFormat === 'arrow') {
    data.rowset = arrowToJsonRowset(data.rowsetBase64 ?? '', data.rowtype ?? []);
    data.queryResultFormat = 'json';
    delete data.rowsetBase64;
  }
  if (data.rowset !== undefined && data.returned === undefined) data.returned = data.rowset.length;
  return Buffer.from(JSON.stringify(parsed));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
