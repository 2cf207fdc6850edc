/**
 * A local imitation of the Mailchimp Marketing API (3.0), for tests and for trying syncs without
 * a Mailchimp account. It keeps audiences and members in memory and follows the documented
 * contract:
 *
 * - HTTP Basic authentication with any user name and the API key as password, else 401.
 * - At most `maxConnections` (10) requests in flight, and 429 beyond that.
 * - `POST /3.0/lists/{id}` (batch subscribe): at most 500 members. Responds 200 even when some
 *   members fail, and lists them in `errors` (invalid email, invalid status, an existing member
 *   without `update_existing`, a permanently deleted address).
 * - Members are keyed by the MD5 subscriber hash of the lower-cased email:
 *   `GET|DELETE /3.0/lists/{id}/members/{hash}` and
 *   `POST /3.0/lists/{id}/members/{hash}/actions/delete-permanent`.
 * - Errors are problem documents (`application/problem+json`), except throttling:
 *   `throttle()` makes the next requests fail with a 429 or 403 with no body and no rate headers.
 *
 * Sources: https://mailchimp.com/developer/marketing/docs/fundamentals/ ,
 * https://mailchimp.com/developer/marketing/guides/run-async-requests-batch-endpoint/
 */
import { createHash, randomUUID } from 'node:crypto';
import { emailKey, isPlausibleEmail } from './email-address.js';
import {
  type ImitationRequest,
  type ImitationResponse,
  type ImitationServerOptions,
  asObject,
  headerValue,
  startImitationServer,
} from './email-imitation-server.js';

export const MAILCHIMP_IMITATION_API_KEY = 'local-imitation-key-us1';

const MAX_MEMBERS = 500;
const STATUSES = new Set(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']);
const MEMBER_PROPERTIES = ['email_type', 'language', 'vip', 'tags', 'interests', 'location'];

export interface MailchimpImitationOptions extends ImitationServerOptions {
  /** The only API key accepted. Default `local-imitation-key-us1`. */
  apiKey?: string;
  /** Audiences that exist. Default one, `sluice-demo`. */
  listIds?: string[];
  /** Requests allowed in flight at once. Default 10, Mailchimp's limit per key. */
  maxConnections?: number;
  /** Milliseconds each API request takes, to let tests observe concurrency. Default 0. */
  latencyMs?: number;
}

export interface MailchimpMemberRecord {
  /** The subscriber hash. */
  id: string;
  email_address: string;
  status: string;
  merge_fields: Record<string, unknown>;
  properties: Record<string, unknown>;
  archived: boolean;
}

export interface MailchimpImitationState {
  /** Members of each audience by subscriber hash, archived ones included. */
  lists: Map<string, Map<string, MailchimpMemberRecord>>;
  /** Subscriber hashes permanently deleted from each audience, which cannot be imported again. */
  deleted: Map<string, Set<string>>;
  /** Lower-cased emails that batch subscribe reports as failed, with the message. */
  failingEmails: Map<string, string>;
  /** The largest number of requests that were in flight at the same time. */
  maxInFlight: number;
}

export interface MailchimpImitation {
  /** API root to use as `base_url`, ending in `/3.0`. */
  url: string;
  state: MailchimpImitationState;
  requests: ImitationRequest[];
  /** Responds to the next `times` API requests with a bare 429 (or 403) without a body. */
  throttle(options?: { times?: number; status?: 429 | 403 }): void;
  /** Returns the member with this email in the audience, archived or not. */
  findMember(listId: string, email: string): MailchimpMemberRecord | undefined;
  close(): Promise<void>;
}

/** Returns the subscriber hash: MD5 hex of the lower-cased email. */
export function mailchimpSubscriberHash(email: string): string {
  return createHash('md5').update(emailKey(email)).digest('hex');
}

export async function startMailchimpImitation(
  options: MailchimpImitationOptions = {},
): Promise<MailchimpImitation> {
  const apiKey = options.apiKey ?? MAILCHIMP_IMITATION_API_KEY;
  const maxConnections = options.maxConnections ?? 10;
  const listIds = options.listIds ?? ['sluice-demo'];
  const state: MailchimpImitationState = {
    lists: new Map(listIds.map((id) => [id, new Map()])),
    deleted: new Map(listIds.map((id) => [id, new Set()])),
    failingEmails: new Map(),
    maxInFlight: 0,
  };
  const api = new MailchimpApi(state);

  const server = await startImitationServer(async (request) => {
    state.maxInFlight = Math.max(state.maxInFlight, server.inFlight);
    if (!isAuthorized(request, apiKey)) {
      return problem(
        401,
        'API Key Invalid',
        'Your API key may be invalid, or you have attempted to access the wrong data center.',
      );
    }
    if (server.inFlight > maxConnections) {
      return problem(
        429,
        'Too Many Requests',
        `You have more than ${maxConnections} simultaneous connections.`,
      );
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    return api.route(request);
  }, options);

  return {
    url: `${server.url}/3.0`,
    state,
    requests: server.requests,
    throttle: ({ times = 1, status = 429 } = {}) => {
      for (let i = 0; i < times; i += 1) server.script({ respond: () => ({ status }) });
    },
    findMember: (listId, email) => state.lists.get(listId)?.get(mailchimpSubscriberHash(email)),
    close: () => server.close(),
  };
}

function isAuthorized(request: ImitationRequest, apiKey: string): boolean {
  const header = headerValue(request, 'authorization') ?? '';
  if (header === `Bearer ${apiKey}`) return true;
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === apiKey;
}

class MailchimpApi {
  readonly #state: MailchimpImitationState;

  constructor(state: MailchimpImitationState) {
    this.#state = state;
  }

  route(request: ImitationRequest): ImitationResponse {
    const path = request.url.pathname;
    const list = /^\/3\.0\/lists\/([^/]+)$/.exec(path);
    const member = /^\/3\.0\/lists\/([^/]+)\/members\/([^/]+)$/.exec(path);
    const erase = /^\/3\.0\/lists\/([^/]+)\/members\/([^/]+)\/actions\/delete-permanent$/.exec(
      path,
    );

    if (list && request.method === 'GET') return this.#getList(decodeURIComponent(list[1]!));
    if (list && request.method === 'POST')
      return this.#batchSubscribe(decodeURIComponent(list[1]!), request);
    if (member && request.method === 'GET')
      return this.#getMember(decodeURIComponent(member[1]!), member[2]!);
    if (member && request.method === 'DELETE')
      return this.#archive(decodeURIComponent(member[1]!), member[2]!);
    if (erase && request.method === 'POST')
      return this.#erase(decodeURIComponent(erase[1]!), erase[2]!);
    return notFound();
  }

  #getList(listId: string): ImitationResponse {
    const members = this.#state.lists.get(listId);
    if (!members) return notFound();
    return { status: 200, body: { id: listId, stats: { member_count: activeCount(members) } } };
  }

  #batchSubscribe(listId: string, request: ImitationRequest): ImitationResponse {
    const members = this.#state.lists.get(listId);
    if (!members) return notFound();
    const body = asObject(request.json);
    if (!body || !Array.isArray(body.members)) {
      return problem(400, 'Invalid Resource', 'The request body must contain a members array.');
    }
    if (body.members.length > MAX_MEMBERS) {
      return problem(
        400,
        'Invalid Resource',
        `members: cannot contain more than ${MAX_MEMBERS} items.`,
      );
    }

    const updateExisting = body.update_existing === true;
    const created: Record<string, unknown>[] = [];
    const updated: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const value of body.members) {
      const entry = asObject(value) ?? {};
      const error = this.#memberError(listId, entry, updateExisting);
      if (error !== undefined) {
        errors.push({ email_address: entry.email_address ?? '', ...error });
        continue;
      }
      const { record, isNew } = this.#save(members, entry);
      (isNew ? created : updated).push(memberView(record, listId));
    }

    return {
      status: 200,
      body: {
        new_members: created,
        updated_members: updated,
        errors,
        total_created: created.length,
        total_updated: updated.length,
        error_count: errors.length,
      },
    };
  }

  /** Returns the error Mailchimp would list for this member, or undefined to save it. */
  #memberError(
    listId: string,
    entry: Record<string, unknown>,
    updateExisting: boolean,
  ): { error: string; error_code: string } | undefined {
    const email = entry.email_address;
    if (!isPlausibleEmail(email)) {
      return {
        error: `${String(email ?? '')} looks fake or invalid, please enter a real email address.`,
        error_code: 'ERROR_GENERIC',
      };
    }
    const scripted = this.#state.failingEmails.get(emailKey(email));
    if (scripted !== undefined) return { error: scripted, error_code: 'ERROR_GENERIC' };
    if (typeof entry.status !== 'string' || !STATUSES.has(entry.status)) {
      return { error: 'Invalid status value.', error_code: 'ERROR_GENERIC' };
    }

    const hash = mailchimpSubscriberHash(email);
    if (this.#state.deleted.get(listId)?.has(hash)) {
      return {
        error: `${email} was permanently deleted and cannot be re-imported.`,
        error_code: 'ERROR_GENERIC',
      };
    }
    const existing = this.#state.lists.get(listId)?.get(hash);
    if (existing && !existing.archived && !updateExisting) {
      return {
        error: `${email} is already a list member. Use PUT to insert or update list members.`,
        error_code: 'ERROR_CONTACT_EXISTS',
      };
    }
    return undefined;
  }

  #save(
    members: Map<string, MailchimpMemberRecord>,
    entry: Record<string, unknown>,
  ): { record: MailchimpMemberRecord; isNew: boolean } {
    const email = String(entry.email_address);
    const hash = mailchimpSubscriberHash(email);
    const existing = members.get(hash);
    const isNew = existing === undefined || existing.archived;
    const record: MailchimpMemberRecord = existing ?? {
      id: hash,
      email_address: email,
      status: String(entry.status),
      merge_fields: {},
      properties: {},
      archived: false,
    };

    record.email_address = email;
    record.status = String(entry.status);
    record.archived = false;
    Object.assign(record.merge_fields, asObject(entry.merge_fields) ?? {});
    for (const name of MEMBER_PROPERTIES) {
      if (name in entry) record.properties[name] = entry[name];
    }
    members.set(hash, record);
    return { record, isNew };
  }

  #getMember(listId: string, hash: string): ImitationResponse {
    const member = this.#state.lists.get(listId)?.get(hash);
    if (!member) return notFound();
    return { status: 200, body: memberView(member, listId) };
  }

  #archive(listId: string, hash: string): ImitationResponse {
    const member = this.#state.lists.get(listId)?.get(hash);
    if (!member || member.archived) return notFound();
    member.archived = true;
    return { status: 204 };
  }

  #erase(listId: string, hash: string): ImitationResponse {
    const members = this.#state.lists.get(listId);
    if (!members?.has(hash)) return notFound();
    members.delete(hash);
    this.#state.deleted.get(listId)?.add(hash);
    return { status: 204 };
  }
}

function memberView(member: MailchimpMemberRecord, listId: string): Record<string, unknown> {
  return {
    id: member.id,
    email_address: member.email_address,
    status: member.archived ? 'archived' : member.status,
    merge_fields: member.merge_fields,
    list_id: listId,
    ...member.properties,
  };
}

function activeCount(members: Map<string, MailchimpMemberRecord>): number {
  return [...members.values()].filter((member) => !member.archived).length;
}

function notFound(): ImitationResponse {
  return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
}

/** Mailchimp's error body, an RFC 7807 problem document. */
function problem(status: number, title: string, detail: string): ImitationResponse {
  return {
    status,
    contentType: 'application/problem+json',
    body: {
      type: 'https://mailchimp.com/developer/marketing/docs/errors/',
      title,
      status,
      detail,
      instance: randomUUID(),
    },
  };
}
