/**
 * A local imitation of the SendGrid Marketing Contacts API (v3), for tests and for trying syncs
 * without a SendGrid account. It keeps contacts, lists and jobs in memory and follows the
 * documented contract:
 *
 * - `Authorization: Bearer <apiKey>` on every API request, else 401.
 * - `PUT /v3/marketing/contacts`: at most 30,000 contacts and 6 MB, and each contact needs an
 *   identifier and may use only custom-field ids that exist. Problems with the request are a 400
 *   naming `contacts[i]`. Otherwise 202 with a `job_id`; email and phone problems show up only
 *   when the job finishes, in the CSV behind `errors_url`.
 * - `GET /v3/marketing/contacts/imports/{id}`: `pending` for `pendingPolls` requests, then
 *   `completed`, `errored` (some contacts failed) or `failed` (all failed).
 * - `POST /v3/marketing/contacts/search/emails`: at most 100 emails; 400 when any is invalid,
 *   404 when none matches.
 * - `DELETE /v3/marketing/contacts?ids=` and `DELETE /v3/marketing/lists/{id}/contacts
 *   ?contact_ids=`: 202 with a job id; 404 for an unknown list or contact on the list route.
 * - `throttle()` makes the next requests fail with 429 and X-RateLimit-Reset (Unix seconds).
 *
 * Sources: https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact ,
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/import-contacts-status ,
 * https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits
 */
import { randomUUID } from 'node:crypto';
import { emailKey, isPlausibleEmail } from './email-address.js';
import {
  type ImitationRequest,
  type ImitationResponse,
  type ImitationServerOptions,
  asObject,
  headerValue,
  startImitationServer,
} from './email-imitation-server.js';

export const SENDGRID_IMITATION_API_KEY = 'SG.local-imitation-key';

const MAX_CONTACTS = 30_000;
const MAX_BODY_BYTES = 6_000_000;
const MAX_SEARCH_EMAILS = 100;
const MAX_ALTERNATE_EMAILS = 5;
const RATE_LIMIT = 600;
const IDENTIFIERS = ['email', 'phone_number_id', 'external_id', 'anonymous_id'] as const;
const TEXT_FIELDS = [
  'first_name',
  'last_name',
  'address_line_1',
  'address_line_2',
  'city',
  'state_province_region',
  'postal_code',
  'country',
];
const CONTACT_FIELDS = new Set<string>([
  ...IDENTIFIERS,
  ...TEXT_FIELDS,
  'alternate_emails',
  'custom_fields',
]);

export interface SendgridImitationOptions extends ImitationServerOptions {
  /** The only API key accepted. Default `SG.local-imitation-key`. */
  apiKey?: string;
  /** Custom-field ids that exist in the account. Default `w1` and `w2`. */
  customFieldIds?: string[];
  /** Lists that exist in the account. Default one list, `sluice-demo-list`. */
  listIds?: string[];
  /** Status requests that see a job as pending before it finishes. Default 1. */
  pendingPolls?: number;
}

export interface SendgridContactRecord {
  id: string;
  email?: string;
  phone_number_id?: string;
  external_id?: string;
  anonymous_id?: string;
  alternate_emails?: string[];
  fields: Record<string, unknown>;
  custom_fields: Record<string, unknown>;
  list_ids: Set<string>;
}

export interface SendgridJobRecord {
  id: string;
  job_type: 'upsert' | 'delete';
  status: 'pending' | 'completed' | 'errored' | 'failed';
  /** Status requests left before the job finishes. */
  pendingPolls: number;
  contacts: Record<string, unknown>[];
  listIds: string[];
  contactIds: string[];
  results: Record<string, number>;
  errors: { email: string; error: string }[];
}

export interface SendgridImitationState {
  contacts: Map<string, SendgridContactRecord>;
  /** Contact ids on each list. */
  lists: Map<string, Set<string>>;
  jobs: Map<string, SendgridJobRecord>;
  customFieldIds: Set<string>;
  /** Lower-cased emails that import jobs report as failed, with the message to report. */
  failingEmails: Map<string, string>;
}

export interface SendgridImitation {
  /** Base URL to use as `base_url`. */
  url: string;
  state: SendgridImitationState;
  requests: ImitationRequest[];
  /** Responds 429 to the next `times` API requests, with a reset `resetInSeconds` from now. */
  throttle(options?: { times?: number; resetInSeconds?: number }): void;
  /** Returns the contact with this email, compared trimmed and lower-cased. */
  findContact(email: string): SendgridContactRecord | undefined;
  close(): Promise<void>;
}

export async function startSendgridImitation(
  options: SendgridImitationOptions = {},
): Promise<SendgridImitation> {
  const apiKey = options.apiKey ?? SENDGRID_IMITATION_API_KEY;
  const state: SendgridImitationState = {
    contacts: new Map(),
    lists: new Map((options.listIds ?? ['sluice-demo-list']).map((id) => [id, new Set()])),
    jobs: new Map(),
    customFieldIds: new Set(options.customFieldIds ?? ['w1', 'w2']),
    failingEmails: new Map(),
  };
  const api = new SendgridApi(state, options.pendingPolls ?? 1);

  const server = await startImitationServer((request) => {
    const errorsFile = /^\/imitation\/errors\/([\w-]+)\.csv$/.exec(request.url.pathname);
    if (request.method === 'GET' && errorsFile) return api.errorsCsv(errorsFile[1]!);
    if (headerValue(request, 'authorization') !== `Bearer ${apiKey}`) {
      return sendgridError(401, null, 'authorization required');
    }
    return withRateLimitHeaders(api.route(request, server.url));
  }, options);

  return {
    url: server.url,
    state,
    requests: server.requests,
    throttle: ({ times = 1, resetInSeconds = 1 } = {}) => {
      for (let i = 0; i < times; i += 1) {
        server.script({
          matches: (request) => request.url.pathname.startsWith('/v3/'),
          respond: () => throttled(resetInSeconds),
        });
      }
    },
    findContact: (email) => api.findByEmail(emailKey(email)),
    close: () => server.close(),
  };
}

class SendgridApi {
  readonly #state: SendgridImitationState;
  readonly #pendingPolls: number;
  /** Contact id by lower-cased email, so that large imports stay fast. */
  readonly #idByEmail = new Map<string, string>();

  constructor(state: SendgridImitationState, pendingPolls: number) {
    this.#state = state;
    this.#pendingPolls = pendingPolls;
  }

  route(request: ImitationRequest, baseUrl: string): ImitationResponse {
    const path = request.url.pathname;
    const job = /^\/v3\/marketing\/contacts\/imports\/([^/]+)$/.exec(path);
    const list = /^\/v3\/marketing\/lists\/([^/]+)\/contacts$/.exec(path);

    if (request.method === 'PUT' && path === '/v3/marketing/contacts') return this.#upsert(request);
    if (request.method === 'DELETE' && path === '/v3/marketing/contacts')
      return this.#delete(request);
    if (request.method === 'POST' && path === '/v3/marketing/contacts/search/emails') {
      return this.#search(request);
    }
    if (request.method === 'GET' && job)
      return this.#jobStatus(decodeURIComponent(job[1]!), baseUrl);
    if (request.method === 'DELETE' && list) {
      return this.#removeFromList(decodeURIComponent(list[1]!), request);
    }
    return sendgridError(404, null, `no route for ${request.method} ${path}`);
  }

  findByEmail(key: string): SendgridContactRecord | undefined {
    const id = this.#idByEmail.get(key);
    return id === undefined ? undefined : this.#state.contacts.get(id);
  }

  errorsCsv(jobId: string): ImitationResponse {
    const job = this.#state.jobs.get(jobId);
    if (!job) return { status: 404, body: 'not found' };
    const lines = job.errors.map((error) => `${csvCell(error.email)},${csvCell(error.error)}`);
    return {
      status: 200,
      headers: { 'Content-Type': 'text/csv' },
      body: ['email,error', ...lines].join('\n') + '\n',
    };
  }

  #upsert(request: ImitationRequest): ImitationResponse {
    if (request.bodyBytes > MAX_BODY_BYTES) {
      return sendgridError(413, null, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    const body = asObject(request.json);
    const contacts = body?.contacts;
    if (!Array.isArray(contacts) || contacts.length === 0 || contacts.length > MAX_CONTACTS) {
      return sendgridError(400, 'contacts', `contacts must hold 1 to ${MAX_CONTACTS} items`);
    }

    const listIds = body?.list_ids ?? [];
    if (!Array.isArray(listIds) || listIds.some((id) => !this.#state.lists.has(String(id)))) {
      return sendgridError(400, 'list_ids', 'one or more list ids do not exist');
    }

    const fieldErrors = contacts.flatMap((contact, index) => this.#checkContact(contact, index));
    if (fieldErrors.length > 0) return { status: 400, body: { errors: fieldErrors } };

    const job = this.#newJob('upsert');
    job.contacts = contacts as Record<string, unknown>[];
    job.listIds = listIds.map(String);
    return { status: 202, body: { job_id: job.id } };
  }

  /** Returns the request-level problems of one contact, as SendGrid reports them with a 400. */
  #checkContact(value: unknown, index: number): { field: string; message: string }[] {
    const contact = asObject(value);
    const field = `contacts[${index}]`;
    if (!contact) return [{ field, message: 'must be an object' }];

    const errors: { field: string; message: string }[] = [];
    if (!IDENTIFIERS.some((name) => typeof contact[name] === 'string' && contact[name] !== '')) {
      errors.push({ field, message: `needs one of ${IDENTIFIERS.join(', ')}` });
    }
    for (const name of Object.keys(contact)) {
      if (!CONTACT_FIELDS.has(name))
        errors.push({ field: `${field}.${name}`, message: 'unknown field' });
    }
    const alternates = contact.alternate_emails;
    if (
      alternates !== undefined &&
      (!Array.isArray(alternates) || alternates.length > MAX_ALTERNATE_EMAILS)
    ) {
      errors.push({ field: `${field}.alternate_emails`, message: 'must be a list of at most 5' });
    }
    for (const id of Object.keys(asObject(contact.custom_fields) ?? {})) {
      if (!this.#state.customFieldIds.has(id)) {
        errors.push({
          field: `${field}.custom_fields.${id}`,
          message: 'custom field does not exist',
        });
      }
    }
    return errors;
  }

  #delete(request: ImitationRequest): ImitationResponse {
    const ids = request.url.searchParams.get('ids');
    const deleteAll = request.url.searchParams.get('delete_all_contacts') === 'true';
    if (!ids && !deleteAll) {
      return sendgridError(400, 'ids', 'set ids or delete_all_contacts=true');
    }
    const job = this.#newJob('delete');
    job.contactIds = deleteAll ? [...this.#state.contacts.keys()] : splitIds(ids);
    return { status: 202, body: { job_id: job.id } };
  }

  #search(request: ImitationRequest): ImitationResponse {
    const emails = asObject(request.json)?.emails;
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > MAX_SEARCH_EMAILS) {
      return sendgridError(400, 'emails', `emails must hold 1 to ${MAX_SEARCH_EMAILS} addresses`);
    }
    const invalid = emails.find((email) => !isPlausibleEmail(email));
    if (invalid !== undefined) return sendgridError(400, 'emails', 'contains an invalid email');

    const result: Record<string, unknown> = {};
    let matches = 0;
    for (const email of emails as string[]) {
      const contact = this.findByEmail(emailKey(email));
      if (contact) matches += 1;
      result[email] = contact ? { contact: contactView(contact) } : { error: 'contact not found' };
    }
    if (matches === 0) return sendgridError(404, null, 'no contacts found');
    return { status: 200, body: { result } };
  }

  #removeFromList(listId: string, request: ImitationRequest): ImitationResponse {
    const members = this.#state.lists.get(listId);
    if (!members) return sendgridError(404, null, 'list not found');
    const ids = splitIds(request.url.searchParams.get('contact_ids'));
    if (ids.length === 0) return sendgridError(400, 'contact_ids', 'contact_ids is required');
    if (ids.some((id) => !this.#state.contacts.has(id))) {
      return sendgridError(404, null, 'one or more contacts not found');
    }

    for (const id of ids) {
      members.delete(id);
      this.#state.contacts.get(id)?.list_ids.delete(listId);
    }
    const job = this.#newJob('delete');
    job.status = 'completed';
    return { status: 202, body: { job_id: job.id } };
  }

  #jobStatus(jobId: string, baseUrl: string): ImitationResponse {
    const job = this.#state.jobs.get(jobId);
    if (!job) return sendgridError(404, null, 'job not found');
    if (job.status === 'pending') {
      if (job.pendingPolls > 0) job.pendingPolls -= 1;
      else this.#finish(job);
    }

    const results: Record<string, unknown> = { ...job.results };
    if (job.errors.length > 0) results.errors_url = `${baseUrl}/imitation/errors/${job.id}.csv`;
    return {
      status: 200,
      body: { id: job.id, status: job.status, job_type: job.job_type, results },
    };
  }

  #newJob(jobType: SendgridJobRecord['job_type']): SendgridJobRecord {
    const job: SendgridJobRecord = {
      id: randomUUID(),
      job_type: jobType,
      status: 'pending',
      pendingPolls: this.#pendingPolls,
      contacts: [],
      listIds: [],
      contactIds: [],
      results: {},
      errors: [],
    };
    this.#state.jobs.set(job.id, job);
    return job;
  }

  #finish(job: SendgridJobRecord): void {
    if (job.job_type === 'delete') {
      let deleted = 0;
      for (const id of job.contactIds) {
        if (this.#deleteContact(id)) deleted += 1;
      }
      job.results = { requested_count: job.contactIds.length, deleted_count: deleted };
      job.status = 'completed';
      return;
    }

    let created = 0;
    let updated = 0;
    for (const contact of job.contacts) {
      const error = this.#contactError(contact);
      if (error !== undefined) {
        job.errors.push({ email: String(contact.email ?? ''), error });
        continue;
      }
      if (this.#saveContact(contact, job.listIds)) created += 1;
      else updated += 1;
    }

    const errored = job.errors.length;
    job.results = {
      requested_count: job.contacts.length,
      created_count: created,
      updated_count: updated,
      errored_count: errored,
    };
    if (errored === 0) job.status = 'completed';
    else if (errored === job.contacts.length) job.status = 'failed';
    else job.status = 'errored';
  }

  /** Returns the problem that makes the job skip a contact, as listed in the errors file. */
  #contactError(contact: Record<string, unknown>): string | undefined {
    const email = contact.email;
    if (typeof email === 'string') {
      const scripted = this.#state.failingEmails.get(emailKey(email));
      if (scripted !== undefined) return scripted;
      if (!isPlausibleEmail(email.trim())) return 'email is not a valid email address';
    }
    const phone = contact.phone_number_id;
    if (phone !== undefined && !/^\+[1-9]\d{6,14}$/.test(String(phone))) {
      return 'phone_number_id is not a valid E.164 phone number';
    }
    return undefined;
  }

  /** Creates or updates a contact, matched by lower-cased email. Returns true when it created one. */
  #saveContact(contact: Record<string, unknown>, listIds: string[]): boolean {
    const email = typeof contact.email === 'string' ? emailKey(contact.email) : undefined;
    const existing =
      email !== undefined ? this.findByEmail(email) : this.#findByIdentifier(contact);
    const record: SendgridContactRecord = existing ?? {
      id: randomUUID(),
      fields: {},
      custom_fields: {},
      list_ids: new Set(),
    };

    if (email !== undefined) {
      if (record.email !== undefined) this.#idByEmail.delete(record.email);
      record.email = email;
      this.#idByEmail.set(email, record.id);
    }
    for (const name of ['phone_number_id', 'external_id', 'anonymous_id'] as const) {
      if (typeof contact[name] === 'string') record[name] = contact[name] as string;
    }
    if (Array.isArray(contact.alternate_emails)) {
      record.alternate_emails = contact.alternate_emails.map((item) => emailKey(String(item)));
    }
    for (const name of TEXT_FIELDS) {
      if (name in contact) record.fields[name] = contact[name];
    }
    Object.assign(record.custom_fields, asObject(contact.custom_fields) ?? {});
    for (const listId of listIds) {
      record.list_ids.add(listId);
      this.#state.lists.get(listId)?.add(record.id);
    }

    this.#state.contacts.set(record.id, record);
    return existing === undefined;
  }

  #findByIdentifier(contact: Record<string, unknown>): SendgridContactRecord | undefined {
    for (const record of this.#state.contacts.values()) {
      for (const name of ['phone_number_id', 'external_id', 'anonymous_id'] as const) {
        if (contact[name] !== undefined && record[name] === contact[name]) return record;
      }
    }
    return undefined;
  }

  #deleteContact(id: string): boolean {
    const contact = this.#state.contacts.get(id);
    if (!contact) return false;
    for (const listId of contact.list_ids) this.#state.lists.get(listId)?.delete(id);
    if (contact.email !== undefined) this.#idByEmail.delete(contact.email);
    return this.#state.contacts.delete(id);
  }
}

function contactView(contact: SendgridContactRecord): Record<string, unknown> {
  return {
    id: contact.id,
    email: contact.email,
    phone_number_id: contact.phone_number_id,
    external_id: contact.external_id,
    anonymous_id: contact.anonymous_id,
    alternate_emails: contact.alternate_emails,
    ...contact.fields,
    custom_fields: contact.custom_fields,
    list_ids: [...contact.list_ids],
  };
}

/** SendGrid's error body: `{ errors: [{ field, message }] }`. */
function sendgridError(status: number, field: string | null, message: string): ImitationResponse {
  return { status, body: { errors: [{ field, message }] } };
}

function throttled(resetInSeconds: number): ImitationResponse {
  const reset = Math.floor(Date.now() / 1_000) + resetInSeconds;
  return {
    status: 429,
    headers: {
      'X-RateLimit-Limit': String(RATE_LIMIT),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(reset),
    },
    body: { errors: [{ field: null, message: 'too many requests' }] },
  };
}

/** Adds the rate-limit headers SendGrid puts on every response. This imitation never runs out. */
function withRateLimitHeaders(response: ImitationResponse): ImitationResponse {
  const reset = Math.floor(Date.now() / 1_000) + 1;
  return {
    ...response,
    headers: {
      'X-RateLimit-Limit': String(RATE_LIMIT),
      'X-RateLimit-Remaining': String(RATE_LIMIT - 1),
      'X-RateLimit-Reset': String(reset),
      ...response.headers,
    },
  };
}

function splitIds(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
