/**
 * A local imitation of the Klaviyo API (JSON:API, `revision` header), for tests and for trying
 * syncs without a Klaviyo account. It keeps profiles, lists and import jobs in memory and
 * follows the documented contract:
 *
 * - `Authorization: Klaviyo-API-Key <apiKey>`, else 401. A `revision` header, else 400. Request
 *   bodies as `application/vnd.api+json`, else 415.
 * - `POST /api/profile-bulk-import-jobs`: at most 10,000 profiles and 5 MB, and each profile needs
 *   an email, phone_number or external_id. Responds 202 with a job that is `queued`, then
 *   `processing` for `pendingPolls` status requests, then `complete`. Invalid emails, phone
 *   numbers not in E.164 and scripted failures become import errors.
 * - `GET .../{id}/import-errors` and `GET .../{id}/profiles`, and `GET /api/profiles` with an
 *   `any(...)` or `equals(...)` filter: cursor-paginated with `links.next`.
 * - `POST|DELETE /api/lists/{id}/relationships/profiles`: at most 1,000 profile ids, then 204.
 * - `POST /api/data-privacy-deletion-jobs`: exactly one identifier, then 202.
 * - `throttle()` makes the next requests fail with 429 and Retry-After (seconds).
 *
 * Sources: https://developers.klaviyo.com/en/reference/bulk_import_profiles ,
 * https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling
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

export const KLAVIYO_IMITATION_API_KEY = 'pk_local_imitation_key';

const JSON_API = 'application/vnd.api+json';
const MAX_PROFILES = 10_000;
const MAX_BODY_BYTES = 5_000_000;
const MAX_LIST_PROFILES = 1_000;
const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;

export interface KlaviyoImitationOptions extends ImitationServerOptions {
  /** The only private key accepted. Default `pk_local_imitation_key`. */
  apiKey?: string;
  /** Lists that exist. Default one, `SluiceDemo`. */
  listIds?: string[];
  /** Status requests that see a job as `processing` before it completes. Default 1. */
  pendingPolls?: number;
  /** Resources per page of a collection. Default 20. */
  pageSize?: number;
}

export interface KlaviyoProfileRecord {
  id: string;
  email?: string;
  phone_number?: string;
  external_id?: string;
  /** Other profile attributes, such as first_name. */
  attributes: Record<string, unknown>;
  location: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface KlaviyoImportError {
  code: string;
  title: string;
  detail: string;
  source: { pointer: string };
  original_payload: Record<string, unknown>;
}

export interface KlaviyoJobRecord {
  id: string;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  /** Status requests left before the job completes. */
  pendingPolls: number;
  profiles: Record<string, unknown>[];
  errors: KlaviyoImportError[];
  /** Ids of the profiles the job created or updated. */
  profileIds: string[];
}

export interface KlaviyoImitationState {
  profiles: Map<string, KlaviyoProfileRecord>;
  /** Profile ids on each list. */
  lists: Map<string, Set<string>>;
  jobs: Map<string, KlaviyoJobRecord>;
  /** Lower-cased emails that import jobs report as failed, with the detail to report. */
  failingEmails: Map<string, string>;
  /**
   * Lower-cased emails that make job creation fail with a 400 pointing at the profile, the way
   * Klaviyo reports problems it finds when the request arrives.
   */
  rejectedOnSubmit: Map<string, string>;
  /** Profile ids whose deletion was requested. */
  deletedProfileIds: string[];
}

export interface KlaviyoImitation {
  /** Base URL to use as `base_url`. */
  url: string;
  state: KlaviyoImitationState;
  requests: ImitationRequest[];
  /** Responds 429 with Retry-After: `retryAfterSeconds` to the next `times` requests. */
  throttle(options?: { times?: number; retryAfterSeconds?: number }): void;
  /** Returns the profile with this email, compared trimmed and lower-cased. */
  findProfile(email: string): KlaviyoProfileRecord | undefined;
  close(): Promise<void>;
}

export async function startKlaviyoImitation(
  options: KlaviyoImitationOptions = {},
): Promise<KlaviyoImitation> {
  const apiKey = options.apiKey ?? KLAVIYO_IMITATION_API_KEY;
  const state: KlaviyoImitationState = {
    profiles: new Map(),
    lists: new Map((options.listIds ?? ['SluiceDemo']).map((id) => [id, new Set()])),
    jobs: new Map(),
    failingEmails: new Map(),
    rejectedOnSubmit: new Map(),
    deletedProfileIds: [],
  };
  const api = new KlaviyoApi(state, options.pendingPolls ?? 1, options.pageSize ?? 20);

  const server = await startImitationServer((request) => {
    const problem = checkHeaders(request, apiKey);
    if (problem) return problem;
    return withRateLimitHeaders(api.route(request, server.url));
  }, options);

  return {
    url: server.url,
    state,
    requests: server.requests,
    throttle: ({ times = 1, retryAfterSeconds = 1 } = {}) => {
      for (let i = 0; i < times; i += 1)
        server.script({ respond: () => throttled(retryAfterSeconds) });
    },
    findProfile: (email) => api.findBy('email', emailKey(email)),
    close: () => server.close(),
  };
}

/** Returns the error for a request without the key, revision or JSON:API content type. */
function checkHeaders(request: ImitationRequest, apiKey: string): ImitationResponse | undefined {
  if (headerValue(request, 'authorization') !== `Klaviyo-API-Key ${apiKey}`) {
    return jsonApiError(
      401,
      'not_authenticated',
      'Authentication credentials were not provided.',
      'Missing or invalid private key.',
    );
  }
  const revision = headerValue(request, 'revision');
  if (!revision || !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(revision)) {
    return jsonApiError(
      400,
      'invalid',
      'Invalid input.',
      'The revision header is missing or invalid.',
      {
        parameter: 'revision',
      },
    );
  }
  const contentType = headerValue(request, 'content-type')?.split(';')[0]?.trim();
  if (request.body !== '' && contentType !== JSON_API) {
    return jsonApiError(
      415,
      'unsupported_media_type',
      'Unsupported media type.',
      `Use ${JSON_API}.`,
    );
  }
  return undefined;
}

class KlaviyoApi {
  readonly #state: KlaviyoImitationState;
  readonly #pendingPolls: number;
  readonly #pageSize: number;
  /** Profile id by identifier value, so that large imports stay fast. */
  readonly #index = {
    email: new Map<string, string>(),
    phone_number: new Map<string, string>(),
    external_id: new Map<string, string>(),
  };

  constructor(state: KlaviyoImitationState, pendingPolls: number, pageSize: number) {
    this.#state = state;
    this.#pendingPolls = pendingPolls;
    this.#pageSize = pageSize;
  }

  route(request: ImitationRequest, baseUrl: string): ImitationResponse {
    const path = request.url.pathname.replace(/\/+$/, '');
    const job = /^\/api\/profile-bulk-import-jobs\/([^/]+)(?:\/(import-errors|profiles))?$/.exec(
      path,
    );
    const list = /^\/api\/lists\/([^/]+)\/relationships\/profiles$/.exec(path);

    if (request.method === 'POST' && path === '/api/profile-bulk-import-jobs')
      return this.#createJob(request);
    if (request.method === 'GET' && job) {
      const id = decodeURIComponent(job[1]!);
      if (job[2] === 'import-errors') return this.#jobErrors(id, request, baseUrl);
      if (job[2] === 'profiles') return this.#jobProfiles(id, request, baseUrl);
      return this.#jobStatus(id);
    }
    if (request.method === 'GET' && path === '/api/profiles')
      return this.#getProfiles(request, baseUrl);
    if ((request.method === 'POST' || request.method === 'DELETE') && list) {
      return this.#changeList(decodeURIComponent(list[1]!), request);
    }
    if (request.method === 'POST' && path === '/api/data-privacy-deletion-jobs')
      return this.#delete(request);
    return jsonApiError(404, 'not_found', 'Not found.', `No route for ${request.method} ${path}.`);
  }

  findBy(field: (typeof IDENTIFIERS)[number], value: string): KlaviyoProfileRecord | undefined {
    const id = this.#index[field].get(value);
    const profile = id === undefined ? undefined : this.#state.profiles.get(id);
    // The index may point at a deleted profile or an old value, so the record decides.
    return profile?.[field] === value ? profile : undefined;
  }

  #createJob(request: ImitationRequest): ImitationResponse {
    if (request.bodyBytes > MAX_BODY_BYTES) {
      return jsonApiError(
        413,
        'too_large',
        'Request too large.',
        `The payload exceeds ${MAX_BODY_BYTES} bytes.`,
      );
    }
    const data = asObject(asObject(request.json)?.data);
    const profiles = asObject(asObject(data?.attributes)?.profiles)?.data;
    if (data?.type !== 'profile-bulk-import-job' || !Array.isArray(profiles)) {
      return invalidInput('The body must be a profile-bulk-import-job with profiles.', '/data');
    }
    if (profiles.length === 0 || profiles.length > MAX_PROFILES) {
      return invalidInput(
        `A job takes 1 to ${MAX_PROFILES} profiles.`,
        '/data/attributes/profiles/data',
      );
    }

    const errors = profiles.flatMap((profile, index) => {
      const detail = this.#submitError(asObject(profile));
      if (detail === undefined) return [];
      return [
        {
          id: randomUUID(),
          status: 400,
          code: 'invalid',
          title: 'Invalid input.',
          detail,
          source: { pointer: `/data/attributes/profiles/data/${index}/attributes` },
        },
      ];
    });
    if (errors.length > 0) return { status: 400, contentType: JSON_API, body: { errors } };

    const job: KlaviyoJobRecord = {
      id: randomUUID(),
      status: 'queued',
      pendingPolls: this.#pendingPolls,
      profiles: profiles as Record<string, unknown>[],
      errors: [],
      profileIds: [],
    };
    this.#state.jobs.set(job.id, job);
    return { status: 202, contentType: JSON_API, body: { data: jobView(job) } };
  }

  /** Returns why a profile makes the whole job request fail, or undefined when it does not. */
  #submitError(profile: Record<string, unknown> | undefined): string | undefined {
    const attributes = asObject(profile?.attributes);
    const identified = IDENTIFIERS.some(
      (name) => attributes?.[name] !== undefined && attributes[name] !== null,
    );
    if (profile?.type !== 'profile' || !identified) {
      return 'A profile needs type "profile" and one of email, phone_number or external_id.';
    }
    const email = attributes?.email;
    return typeof email === 'string'
      ? this.#state.rejectedOnSubmit.get(emailKey(email))
      : undefined;
  }

  #jobStatus(jobId: string): ImitationResponse {
    const job = this.#state.jobs.get(jobId);
    if (!job) return jsonApiError(404, 'not_found', 'Not found.', 'No such job.');
    if (job.status === 'queued' || job.status === 'processing') {
      if (job.pendingPolls > 0) {
        job.pendingPolls -= 1;
        job.status = 'processing';
      } else {
        this.#runJob(job);
      }
    }
    return { status: 200, contentType: JSON_API, body: { data: jobView(job) } };
  }

  #runJob(job: KlaviyoJobRecord): void {
    job.profiles.forEach((profile, index) => {
      const attributes = asObject(profile.attributes) ?? {};
      const error = this.#profileError(attributes, index);
      if (error) {
        job.errors.push(error);
        return;
      }
      job.profileIds.push(this.#upsert(attributes, asObject(profile.meta)));
    });
    job.status = 'complete';
  }

  #profileError(
    attributes: Record<string, unknown>,
    index: number,
  ): KlaviyoImportError | undefined {
    const pointer = (field: string) =>
      `/data/attributes/profiles/data/${index}/attributes/${field}`;
    const fail = (field: string, detail: string): KlaviyoImportError => ({
      code: 'invalid',
      title: 'Invalid input.',
      detail,
      source: { pointer: pointer(field) },
      original_payload: attributes,
    });

    const email = attributes.email;
    if (email !== undefined && email !== null) {
      if (!isPlausibleEmail(email)) return fail('email', `Invalid email address: ${String(email)}`);
      const scripted = this.#state.failingEmails.get(emailKey(email));
      if (scripted !== undefined) return fail('email', scripted);
    }
    const phone = attributes.phone_number;
    if (phone !== undefined && phone !== null && !/^\+[1-9]\d{6,14}$/.test(String(phone))) {
      return fail('phone_number', `${String(phone)} is not a valid phone number.`);
    }
    return undefined;
  }

  /** Creates or updates a profile matched by email, phone number or external id. Returns its id. */
  #upsert(attributes: Record<string, unknown>, meta: Record<string, unknown> | undefined): string {
    let profile: KlaviyoProfileRecord | undefined;
    for (const field of IDENTIFIERS) {
      const value = attributes[field];
      if (typeof value !== 'string') continue;
      profile = this.findBy(field, field === 'email' ? emailKey(value) : value);
      if (profile) break;
    }
    if (!profile) {
      profile = { id: klaviyoId(), attributes: {}, location: {}, properties: {} };
      this.#state.profiles.set(profile.id, profile);
    }

    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'location' || name === 'properties') continue;
      const target: Record<string, unknown> = IDENTIFIERS.includes(name as never)
        ? (profile as unknown as Record<string, unknown>)
        : profile.attributes;
      if (value === null) delete target[name];
      else target[name] = name === 'email' ? emailKey(String(value)) : value;
    }
    for (const field of IDENTIFIERS) {
      const value = profile[field];
      if (value !== undefined) this.#index[field].set(value, profile.id);
    }
    Object.assign(profile.location, asObject(attributes.location) ?? {});
    Object.assign(profile.properties, asObject(attributes.properties) ?? {});
    const unset = asObject(asObject(meta?.patch_properties))?.unset;
    for (const name of Array.isArray(unset) ? unset : []) delete profile.properties[String(name)];
    return profile.id;
  }

  #jobErrors(jobId: string, request: ImitationRequest, baseUrl: string): ImitationResponse {
    const job = this.#state.jobs.get(jobId);
    if (!job) return jsonApiError(404, 'not_found', 'Not found.', 'No such job.');
    const resources = job.errors.map((error, index) => ({
      type: 'import-error',
      id: `${job.id}-${index}`,
      attributes: error,
    }));
    return this.#page(resources, request, baseUrl);
  }

  #jobProfiles(jobId: string, request: ImitationRequest, baseUrl: string): ImitationResponse {
    const job = this.#state.jobs.get(jobId);
    if (!job) return jsonApiError(404, 'not_found', 'Not found.', 'No such job.');
    const profiles = job.profileIds
      .map((id) => this.#state.profiles.get(id))
      .filter((profile): profile is KlaviyoProfileRecord => profile !== undefined);
    return this.#page(profiles.map(profileView), request, baseUrl);
  }

  #getProfiles(request: ImitationRequest, baseUrl: string): ImitationResponse {
    const filter = request.url.searchParams.get('filter');
    const parsed = filter === null ? undefined : parseFilter(filter);
    if (filter !== null && parsed === undefined) {
      return jsonApiError(400, 'invalid', 'Invalid input.', 'The filter is not supported.', {
        parameter: 'filter',
      });
    }

    let profiles = [...this.#state.profiles.values()];
    if (parsed) {
      const values = new Set(
        parsed.values.map((value) => (parsed.field === 'email' ? emailKey(value) : value)),
      );
      profiles = profiles.filter((profile) => {
        const value = parsed.field === 'id' ? profile.id : profile[parsed.field];
        return value !== undefined && values.has(value);
      });
    }
    return this.#page(profiles.map(profileView), request, baseUrl);
  }

  #changeList(listId: string, request: ImitationRequest): ImitationResponse {
    const members = this.#state.lists.get(listId);
    if (!members) return jsonApiError(404, 'not_found', 'Not found.', 'No such list.');
    const data = asObject(request.json)?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length > MAX_LIST_PROFILES) {
      return invalidInput(`Send 1 to ${MAX_LIST_PROFILES} profiles.`, '/data');
    }
    const ids = data.map((item) => String(asObject(item)?.id ?? ''));
    const unknown = ids.findIndex((id) => !this.#state.profiles.has(id));
    if (unknown >= 0) return invalidInput('The profile does not exist.', `/data/${unknown}/id`);

    for (const id of ids) {
      if (request.method === 'POST') members.add(id);
      else members.delete(id);
    }
    return { status: 204 };
  }

  #delete(request: ImitationRequest): ImitationResponse {
    const profile = asObject(
      asObject(asObject(asObject(asObject(request.json)?.data)?.attributes)?.profile)?.data,
    );
    const attributes = asObject(profile?.attributes) ?? {};
    const given = [
      ...(profile?.id !== undefined ? ['id'] : []),
      ...IDENTIFIERS.filter((name) => attributes[name] !== undefined),
    ];
    if (given.length !== 1) {
      return invalidInput(
        'Give exactly one of id, email or phone_number.',
        '/data/attributes/profile',
      );
    }

    const field = given[0] as 'id' | (typeof IDENTIFIERS)[number];
    const match =
      field === 'id'
        ? this.#state.profiles.get(String(profile!.id))
        : this.findBy(
            field,
            field === 'email' ? emailKey(String(attributes.email)) : String(attributes[field]),
          );
    const matches = match ? [match] : [];
    for (const match of matches) {
      this.#state.profiles.delete(match.id);
      for (const members of this.#state.lists.values()) members.delete(match.id);
      this.#state.deletedProfileIds.push(match.id);
    }
    return { status: 202 };
  }

  /** Returns one page of a collection, with `links.next` carrying the cursor of the next one. */
  #page(resources: unknown[], request: ImitationRequest, baseUrl: string): ImitationResponse {
    const cursor = request.url.searchParams.get('page[cursor]');
    const start =
      cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8')) || 0;
    const end = start + this.#pageSize;

    let next: string | null = null;
    if (end < resources.length) {
      const url = new URL(`${request.url.pathname}${request.url.search}`, baseUrl);
      url.searchParams.set('page[cursor]', Buffer.from(String(end)).toString('base64url'));
      next = url.toString();
    }
    const self = new URL(`${request.url.pathname}${request.url.search}`, baseUrl).toString();
    return {
      status: 200,
      contentType: JSON_API,
      body: { data: resources.slice(start, end), links: { self, next } },
    };
  }
}

/** Reads `any(field,["a","b"])` or `equals(field,"a")` for email, phone_number, external_id or id. */
function parseFilter(
  filter: string,
): { field: 'email' | 'phone_number' | 'external_id' | 'id'; values: string[] } | undefined {
  const match = /^(any|equals)\((email|phone_number|external_id|id),(.*)\)$/s.exec(filter.trim());
  if (!match) return undefined;
  try {
    const parsed = JSON.parse(match[3]!) as unknown;
    const values = match[1] === 'any' ? parsed : [parsed];
    if (!Array.isArray(values) || values.some((value) => typeof value !== 'string'))
      return undefined;
    return { field: match[2] as 'email', values: values as string[] };
  } catch {
    return undefined;
  }
}

function jobView(job: KlaviyoJobRecord): Record<string, unknown> {
  const done = job.status === 'complete';
  return {
    type: 'profile-bulk-import-job',
    id: job.id,
    attributes: {
      status: job.status,
      total_count: job.profiles.length,
      completed_count: done ? job.profileIds.length : 0,
      failed_count: done ? job.errors.length : 0,
    },
  };
}

function profileView(profile: KlaviyoProfileRecord): Record<string, unknown> {
  return {
    type: 'profile',
    id: profile.id,
    attributes: {
      email: profile.email ?? null,
      phone_number: profile.phone_number ?? null,
      external_id: profile.external_id ?? null,
      ...profile.attributes,
      location: profile.location,
      properties: profile.properties,
    },
  };
}

/** Returns a new profile id shaped like Klaviyo's: 26 upper-case characters. */
function klaviyoId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 26).toUpperCase();
}

function invalidInput(detail: string, pointer: string): ImitationResponse {
  return jsonApiError(400, 'invalid', 'Invalid input.', detail, { pointer });
}

/** Klaviyo's error body: a JSON:API `errors` list. */
function jsonApiError(
  status: number,
  code: string,
  title: string,
  detail: string,
  source?: Record<string, string>,
): ImitationResponse {
  const error: Record<string, unknown> = { id: randomUUID(), status, code, title, detail };
  if (source) error.source = source;
  return { status, contentType: JSON_API, body: { errors: [error] } };
}

function throttled(retryAfterSeconds: number): ImitationResponse {
  const response = jsonApiError(
    429,
    'throttled',
    'Request was throttled.',
    `Request was throttled. Expected available in ${retryAfterSeconds} seconds.`,
  );
  return { ...response, headers: { 'Retry-After': String(retryAfterSeconds) } };
}

/** Adds the steady window's limits, which Klaviyo puts on every response that is not a 429. */
function withRateLimitHeaders(response: ImitationResponse): ImitationResponse {
  return {
    ...response,
    headers: {
      'RateLimit-Limit': '150',
      'RateLimit-Remaining': '149',
      'RateLimit-Reset': '60',
      ...response.headers,
    },
  };
}
