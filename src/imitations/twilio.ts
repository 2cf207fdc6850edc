/**
 * A local imitation of Twilio's Messages API (version 2010-04-01), for tests and demos. It
 * listens on 127.0.0.1 only and never contacts Twilio.
 *
 * What it imitates:
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` creates a message and responds 201
 *   with the Message resource (`sid`, `status: queued`, `num_segments`, ...).
 * - `GET .../Messages.json` lists created messages, filtered by `To` and `From`, and
 *   `GET .../Messages/{Sid}.json` fetches one, for looking up a send whose outcome is unknown.
 * - HTTP Basic auth with the Account SID and auth token; anything else gets 401, code 20003.
 * - Only form-encoded parameters are read, as Twilio reads them. A JSON body therefore arrives
 *   without `To` and fails with 21604.
 * - `To` must be E.164 (21211). `From` or `MessagingServiceSid` is required (21603), and so is
 *   `Body` (21602), which may be at most 1,600 characters (21617).
 * - Scripted recipients: opted out per sender (21610) and per-number errors such as 21408,
 *   21614 or 21635, all with HTTP 400.
 * - A concurrency limit: a create request beyond `maxConcurrency` in flight gets 429 with code
 *   20429 and is not processed.
 * - Scripted faults for the next create requests: delays, dropped connections before or after
 *   the message is created, or any status and body.
 *
 * Error bodies have Twilio's shape `{ code, message, more_info, status }`
 * (https://www.twilio.com/docs/usage/twilios-response).
 * NOTE: codes 21602, 21603, 21604 and 21617 and all error message texts are written from
 * memory of Twilio's error dictionary, not checked against it.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../core/logger.js';
import { countSmsSegments } from '../templates/sms-segments.js';

export interface TwilioImitationOptions {
  /** Default `AC` and 32 zeros. */
  accountSid?: string;
  /** Default `imitation-auth-token`. */
  authToken?: string;
  /** Port on 127.0.0.1; default 0, a free port. */
  port?: number;
  /** Create requests handled at once before the next one gets 429 / 20429; default 10. */
  maxConcurrency?: number;
  /** Milliseconds every create request waits before its response, after creating; default 0. */
  responseDelayMs?: number;
  /**
   * Recipients that replied STOP, by the sender they opted out of: a number or a Messaging
   * Service SID.
   */
  optedOut?: Record<string, string[]>;
  /** A Twilio error code to return for a recipient, such as 21408, 21614 or 21635. */
  numberErrors?: Record<string, number>;
  logger?: Logger;
}

/** A fault for one create request, taken from the script queue in arrival order. */
export interface ScriptedFault {
  /** Milliseconds to wait before responding; a message is created before the wait. */
  delayMs?: number;
  /**
   * Closes the connection without a response: `before_create` creates no message,
   * `after_create` creates it, so the sender cannot know it was sent.
   */
  dropConnection?: 'before_create' | 'after_create';
  /** Responds with this status and body instead, creating no message. */
  status?: number;
  body?: unknown;
}

/** A message as the imitation stored it, in the field names of Twilio's Message resource. */
export interface ImitationMessage {
  sid: string;
  account_sid: string;
  to: string;
  from: string | null;
  messaging_service_sid: string | null;
  body: string;
  status: 'queued';
  /** A decimal string, as in Twilio's responses. */
  num_segments: string;
  /** RFC 2822, as in Twilio's responses. */
  date_created: string;
}

/** One request as received. The password of the Basic credentials is never kept. */
export interface ImitationRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  /** Form parameters; empty for a body that is not form-encoded. */
  params: Record<string, string>;
  authUser: string | undefined;
  status: number;
  errorCode: number | undefined;
}

export interface TwilioImitationState {
  /** Messages created, in order. */
  readonly messages: ImitationMessage[];
  /** Every request, in order of arrival; `status` is 0 for a dropped connection. */
  readonly requests: ImitationRequest[];
  /** The maximum number of create requests in flight at once. */
  readonly maxInFlight: number;
  /** Marks `recipient` as opted out of `sender`, as a STOP reply would. */
  optOut(sender: string, recipient: string): void;
  /** Queues faults for the next create requests. */
  script(...faults: ScriptedFault[]): void;
}

export interface TwilioImitation {
  /** Base URL to use as the destination's base_url, such as http://127.0.0.1:40123. */
  url: string;
  accountSid: string;
  authToken: string;
  state: TwilioImitationState;
  close(): Promise<void>;
}

export const IMITATION_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const IMITATION_AUTH_TOKEN = 'imitation-auth-token';

const MAX_BODY_BYTES = 64 * 1024;
const MAX_BODY_LENGTH = 1_600;
const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/;

/** An error response in Twilio's shape. */
interface TwilioErrorResponse {
  status: number;
  code: number;
  message: string;
}

/** Starts the imitation on 127.0.0.1 and resolves once it is listening. */
export async function startTwilioImitation(
  options: TwilioImitationOptions = {},
): Promise<TwilioImitation> {
  const imitation = new ImitationServer(options);
  const server = http.createServer((req, res) => {
    imitation.handle(req, res).catch((error: unknown) => {
      imitation.logger.log('error', 'twilio_imitation.request_failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent && !res.destroyed) {
        const error = { status: 500, code: 20500, message: 'Internal Server Error' };
        sendJson(res, 500, errorBody(error));
      }
    });
  });

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  imitation.logger.log('info', 'twilio_imitation.started', { url });

  return {
    url,
    accountSid: imitation.accountSid,
    authToken: imitation.authToken,
    state: imitation.state,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      imitation.logger.log('info', 'twilio_imitation.stopped', { url });
    },
  };
}

class ImitationServer {
  readonly accountSid: string;
  readonly authToken: string;
  readonly logger: Logger;
  readonly state: TwilioImitationState;
  readonly #options: TwilioImitationOptions;
  readonly #messages: ImitationMessage[] = [];
  readonly #requests: ImitationRequest[] = [];
  readonly #optedOut = new Map<string, Set<string>>();
  readonly #faults: ScriptedFault[] = [];
  #inFlight = 0;
  #maxInFlight = 0;

  constructor(options: TwilioImitationOptions) {
    this.#options = options;
    this.accountSid = options.accountSid ?? IMITATION_ACCOUNT_SID;
    this.authToken = options.authToken ?? IMITATION_AUTH_TOKEN;
    this.logger = options.logger ?? silentLogger;
    for (const [sender, recipients] of Object.entries(options.optedOut ?? {})) {
      for (const recipient of recipients) this.#optOut(sender, recipient);
    }

    const server = this;
    this.state = {
      messages: this.#messages,
      requests: this.#requests,
      get maxInFlight() {
        return server.#maxInFlight;
      },
      optOut: (sender, recipient) => this.#optOut(sender, recipient),
      script: (...faults) => {
        this.#faults.push(...faults);
      },
    };
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = MESSAGES_PATH.exec(url.pathname);
    const isCreate = req.method === 'POST' && match !== null && match[2] === undefined;
    if (!isCreate) {
      const text = await readBody(req);
      this.#respondToOther(req, res, url, text);
      return;
    }

    // Twilio rejects requests beyond the account's concurrency before processing them.
    this.#inFlight += 1;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    try {
      await this.#create(req, res, url);
    } finally {
      this.#inFlight -= 1;
    }
  }

  async #create(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const tooBusy = this.#inFlight > (this.#options.maxConcurrency ?? 10);
    const text = await readBody(req);
    const params = formParams(req, text);
    const record = this.#recordRequest(req, url, params);

    const rejection =
      this.#authError(req, url) ??
      (tooBusy ? { status: 429, code: 20429, message: 'Too Many Requests' } : undefined) ??
      this.#validationError(params);
    if (rejection) {
      this.#respondError(res, record, rejection);
      return;
    }

    const fault = this.#faults.shift() ?? {};
    const delayMs = (this.#options.responseDelayMs ?? 0) + (fault.delayMs ?? 0);
    if (fault.dropConnection === 'before_create' || fault.status !== undefined) {
      await delay(delayMs);
      this.#respondWithFault(req, res, record, fault);
      return;
    }

    // The message exists before the response, so a client that times out cannot know it.
    const message = this.#createMessage(params);
    await delay(delayMs);
    if (fault.dropConnection === 'after_create') {
      req.socket.destroy();
      return;
    }
    record.status = 201;
    sendJson(res, 201, message);
  }

  #respondWithFault(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: ImitationRequest,
    fault: ScriptedFault,
  ): void {
    if (fault.status === undefined) {
      req.socket.destroy();
      return;
    }
    record.status = fault.status;
    sendJson(res, fault.status, fault.body ?? {});
  }

  #respondToOther(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    text: string,
  ): void {
    const record = this.#recordRequest(req, url, formParams(req, text));
    const match = MESSAGES_PATH.exec(url.pathname);
    const authError = match ? this.#authError(req, url) : undefined;
    if (authError) {
      this.#respondError(res, record, authError);
      return;
    }

    if (match && req.method === 'GET' && match[2] === undefined) {
      record.status = 200;
      sendJson(res, 200, this.#listMessages(url));
      return;
    }
    const found = match && req.method === 'GET' && this.#messages.find((m) => m.sid === match[2]);
    if (found) {
      record.status = 200;
      sendJson(res, 200, found);
      return;
    }
    const message = `The requested resource ${url.pathname} was not found`;
    this.#respondError(res, record, { status: 404, code: 20404, message });
  }

  #authError(req: http.IncomingMessage, url: URL): TwilioErrorResponse | undefined {
    const pathSid = MESSAGES_PATH.exec(url.pathname)?.[1];
    const credentials = basicCredentials(req);
    const valid =
      credentials !== undefined &&
      credentials.user === this.accountSid &&
      credentials.password === this.authToken &&
      pathSid === this.accountSid;
    return valid ? undefined : { status: 401, code: 20003, message: 'Authenticate' };
  }

  #validationError(params: Record<string, string>): TwilioErrorResponse | undefined {
    const to = params.To;
    const sender = params.From ?? params.MessagingServiceSid;
    if (to === undefined || to === '') {
      return badRequest(21604, "A 'To' phone number is required.");
    }
    if (!E164.test(to)) {
      return badRequest(21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (sender === undefined || sender === '') {
      return badRequest(21603, "A 'From' phone number is required.");
    }
    if (params.Body === undefined || params.Body === '') {
      return badRequest(21602, 'Message body is required.');
    }
    if (params.Body.length > MAX_BODY_LENGTH) {
      return badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
    }

    const numberError = this.#options.numberErrors?.[to];
    if (numberError !== undefined) {
      return badRequest(numberError, `Message cannot be sent to the 'To' number ${to}.`);
    }
    if (this.#optedOut.get(sender)?.has(to)) {
      return badRequest(21610, 'Attempt to send to unsubscribed recipient');
    }
    return undefined;
  }

  #createMessage(params: Record<string, string>): ImitationMessage {
    const body = params.Body ?? '';
    const message: ImitationMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      account_sid: this.accountSid,
      to: params.To ?? '',
      from: params.From ?? null,
      messaging_service_sid: params.MessagingServiceSid ?? null,
      body,
      status: 'queued',
      num_segments: String(countSmsSegments(body).segments),
      date_created: new Date().toUTCString().replace('GMT', '+0000'),
    };
    this.#messages.push(message);
    return message;
  }

  #listMessages(url: URL): Record<string, unknown> {
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const messages = this.#messages.filter(
      (message) => (to === null || message.to === to) && (from === null || message.from === from),
    );
    return { messages, page: 0, page_size: messages.length, next_page_uri: null };
  }

  #optOut(sender: string, recipient: string): void {
    const recipients = this.#optedOut.get(sender) ?? new Set<string>();
    recipients.add(recipient);
    this.#optedOut.set(sender, recipients);
  }

  #recordRequest(
    req: http.IncomingMessage,
    url: URL,
    params: Record<string, string>,
  ): ImitationRequest {
    const record: ImitationRequest = {
      method: req.method ?? '',
      path: url.pathname,
      contentType: req.headers['content-type'],
      params,
      authUser: basicCredentials(req)?.user,
      status: 0,
      errorCode: undefined,
    };
    this.#requests.push(record);
    return record;
  }

  #respondError(
    res: http.ServerResponse,
    record: ImitationRequest,
    error: TwilioErrorResponse,
  ): void {
    record.status = error.status;
    record.errorCode = error.code;
    this.logger.log('debug', 'twilio_imitation.request_rejected', {
      path: record.path,
      status: error.status,
      code: error.code,
    });
    sendJson(res, error.status, errorBody(error));
  }
}

function badRequest(code: number, message: string): TwilioErrorResponse {
  return { status: 400, code, message };
}

function errorBody(error: TwilioErrorResponse): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    more_info: `https://www.twilio.com/docs/errors/${error.code}`,
    status: error.status,
  };
}

/** Reads the request body, up to MAX_BODY_BYTES; a larger body is cut off there. */
async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Form parameters of a form-encoded body; any other content type yields none. */
function formParams(req: http.IncomingMessage, text: string): Record<string, string> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return {};
  return Object.fromEntries(new URLSearchParams(text));
}

function basicCredentials(
  req: http.IncomingMessage,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;

  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  return { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  // The client may have timed out and closed the connection during a delay.
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function delay(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
