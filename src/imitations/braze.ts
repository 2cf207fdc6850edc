/**
 * A local imitation of the Braze REST API user endpoints, for tests and for trying syncs without
 * a Braze workspace. It keeps users and subscription group states in memory and follows the
 * documented contract:
 *
 * - `Authorization: Bearer <apiKey>` on every request, else 401.
 * - `POST /users/track`: at most `maxObjects` (75) attribute, event and purchase objects
 *   combined, else 400. Objects without an identifier, with an invalid email, or scripted to
 *   fail are reported in `errors: [{ type, input_array, index }]` of a 201 `message: "success"`
 *   response, and the other objects are still saved. `_update_existing_only` users that do not
 *   exist are skipped without an error.
 * - `POST /users/delete`: exactly one identifier type, at most 50 ids.
 * - `POST /v2/subscription/status/set`: at most 50 ids per group entry, and `emails` and
 *   `phones` cannot be combined in one entry.
 * - Every response has lower-case `x-ratelimit-*` headers. `throttle()` makes the next requests
 *   fail with 429 and `x-ratelimit-reset` (UTC epoch seconds).
 *
 * Sources: braze-inc/braze-docs _docs/_api/endpoints/user_data/post_user_track.md ,
 * https://www.braze.com/docs/api/api_limits , https://www.braze.com/docs/api/errors
 */
import { randomUUID } from 'node:crypto';
import { isPlausibleEmail } from './email-address.js';
import {
  type ImitationRequest,
  type ImitationResponse,
  type ImitationServerOptions,
  asObject,
  headerValue,
  startImitationServer,
} from './email-imitation-server.js';

export const BRAZE_IMITATION_API_KEY = 'local-imitation-braze-key';

const MAX_TRACK_OBJECTS = 75;
const MAX_DELETE_IDS = 50;
const MAX_SUBSCRIPTION_IDS = 50;
const RATE_LIMIT = 50_000;
const IDENTIFIERS = ['external_id', 'braze_id', 'email', 'phone'] as const;
const DELETE_FIELDS = {
  external_ids: 'external_id',
  braze_ids: 'braze_id',
  email_addresses: 'email',
  phone_numbers: 'phone',
} as const;
const SUBSCRIPTION_FIELDS = {
  external_ids: 'external_id',
  emails: 'email',
  phones: 'phone',
} as const;

type Identifier = (typeof IDENTIFIERS)[number];

export interface BrazeImitationOptions extends ImitationServerOptions {
  /** The only API key accepted. Default `local-imitation-braze-key`. */
  apiKey?: string;
  /** Objects per `/users/track` request. Default 75. */
  maxObjects?: number;
}

export interface BrazeUserRecord {
  braze_id: string;
  external_id?: string;
  email?: string;
  phone?: string;
  /** Every other attribute sent, standard or custom. */
  attributes: Record<string, unknown>;
  /** Subscription state by group id. */
  subscriptions: Map<string, string>;
}

export interface BrazeImitationState {
  users: BrazeUserRecord[];
  /**
   * Identifier values (external_id or email) whose attribute objects `/users/track` reports as
   * failed, with the error type to report.
   */
  failingIdentifiers: Map<string, string>;
}

export interface BrazeImitation {
  /** Base URL to use as `base_url`. */
  url: string;
  state: BrazeImitationState;
  requests: ImitationRequest[];
  /** Responds 429 to the next `times` requests, with a reset `resetInSeconds` from now. */
  throttle(options?: { times?: number; resetInSeconds?: number }): void;
  /** Returns the user with this identifier value. */
  findUser(identifier: Identifier, value: string): BrazeUserRecord | undefined;
  close(): Promise<void>;
}

export async function startBrazeImitation(
  options: BrazeImitationOptions = {},
): Promise<BrazeImitation> {
  const apiKey = options.apiKey ?? BRAZE_IMITATION_API_KEY;
  const state: BrazeImitationState = { users: [], failingIdentifiers: new Map() };
  const api = new BrazeApi(state, options.maxObjects ?? MAX_TRACK_OBJECTS);

  const server = await startImitationServer((request) => {
    if (headerValue(request, 'authorization') !== `Bearer ${apiKey}`) {
      return withRateLimitHeaders({ status: 401, body: { message: 'Invalid API key' } });
    }
    return withRateLimitHeaders(api.route(request));
  }, options);

  return {
    url: server.url,
    state,
    requests: server.requests,
    throttle: ({ times = 1, resetInSeconds = 1 } = {}) => {
      for (let i = 0; i < times; i += 1)
        server.script({ respond: () => throttled(resetInSeconds) });
    },
    findUser: (identifier, value) => api.findUser(identifier, value),
    close: () => server.close(),
  };
}

class BrazeApi {
  readonly #state: BrazeImitationState;
  readonly #maxObjects: number;

  constructor(state: BrazeImitationState, maxObjects: number) {
    this.#state = state;
    this.#maxObjects = maxObjects;
  }

  route(request: ImitationRequest): ImitationResponse {
    if (request.method !== 'POST') return { status: 404, body: { message: 'Not found' } };
    const body = asObject(request.json);
    if (!body) return { status: 400, body: { message: 'Request body must be a JSON object' } };

    switch (request.url.pathname) {
      case '/users/track':
        return this.#track(body);
      case '/users/delete':
        return this.#delete(body);
      case '/v2/subscription/status/set':
        return this.#setSubscriptions(body);
      default:
        return { status: 404, body: { message: 'Not found' } };
    }
  }

  findUser(identifier: Identifier, value: string): BrazeUserRecord | undefined {
    return this.#state.users.find((user) => user[identifier] === value);
  }

  #track(body: Record<string, unknown>): ImitationResponse {
    const arrays = ['attributes', 'events', 'purchases'].map((name) => body[name] ?? []);
    if (arrays.some((array) => !Array.isArray(array))) {
      return { status: 400, body: { message: 'attributes, events and purchases must be arrays' } };
    }
    const [attributes, events, purchases] = arrays as unknown[][];
    const total = attributes!.length + events!.length + purchases!.length;
    if (total === 0) {
      return {
        status: 400,
        body: {
          message:
            "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.",
        },
      };
    }
    if (total > this.#maxObjects) {
      return {
        status: 400,
        body: {
          message: `Received ${total} objects. At most ${this.#maxObjects} are allowed per request.`,
        },
      };
    }

    const errors: Record<string, unknown>[] = [];
    attributes!.forEach((value, index) => {
      const object = asObject(value);
      const error = object
        ? this.#attributesError(object)
        : 'attributes object must be a JSON object';
      if (error !== undefined) errors.push({ type: error, input_array: 'attributes', index });
      else this.#saveAttributes(object!);
    });

    const response: Record<string, unknown> = {
      message: 'success',
      attributes_processed: attributes!.length - errors.length,
    };
    if (errors.length > 0) response.errors = errors;
    return { status: 201, body: response };
  }

  #attributesError(object: Record<string, unknown>): string | undefined {
    const identifier = IDENTIFIERS.find(
      (name) => typeof object[name] === 'string' && object[name] !== '',
    );
    if (identifier === undefined) {
      return "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required";
    }
    for (const name of ['external_id', 'email'] as const) {
      const scripted = this.#state.failingIdentifiers.get(String(object[name]));
      if (typeof object[name] === 'string' && scripted !== undefined) return scripted;
    }
    if (object.email !== undefined && object.email !== null && !isPlausibleEmail(object.email)) {
      return `'email' is not a valid email address`;
    }
    return undefined;
  }

  #saveAttributes(object: Record<string, unknown>): void {
    const identifier = IDENTIFIERS.find(
      (name) => typeof object[name] === 'string' && object[name] !== '',
    )!;
    let user = this.findUser(identifier, String(object[identifier]));
    if (!user) {
      if (object._update_existing_only === true) return;
      user = { braze_id: randomUUID(), attributes: {}, subscriptions: new Map() };
      this.#state.users.push(user);
    }

    for (const [name, value] of Object.entries(object)) {
      if (name === '_update_existing_only' || name === 'braze_id') continue;
      if (name === 'external_id' || name === 'email' || name === 'phone') {
        if (value === null) delete user[name];
        else user[name] = String(value);
      } else if (value === null) {
        delete user.attributes[name];
      } else {
        user.attributes[name] = value;
      }
    }
  }

  #delete(body: Record<string, unknown>): ImitationResponse {
    const given = Object.keys(DELETE_FIELDS).filter((name) => body[name] !== undefined);
    if (given.length !== 1) {
      return {
        status: 400,
        body: { message: 'Exactly one identifier type may be given per request' },
      };
    }
    const field = given[0] as keyof typeof DELETE_FIELDS;
    const ids = body[field];
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_DELETE_IDS) {
      return { status: 400, body: { message: `${field} must hold 1 to ${MAX_DELETE_IDS} ids` } };
    }

    const identifier = DELETE_FIELDS[field];
    const before = this.#state.users.length;
    const doomed = new Set(ids.map(String));
    this.#state.users = this.#state.users.filter((user) => !doomed.has(String(user[identifier])));
    return {
      status: 202,
      body: { deleted: before - this.#state.users.length, message: 'success' },
    };
  }

  #setSubscriptions(body: Record<string, unknown>): ImitationResponse {
    const groups = body.subscription_groups;
    if (!Array.isArray(groups) || groups.length === 0) {
      return { status: 400, body: { message: 'subscription_groups is required' } };
    }

    for (const value of groups) {
      const problem = this.#subscriptionEntryError(asObject(value));
      if (problem !== undefined) return { status: 400, body: { message: problem } };
    }
    for (const value of groups) {
      const entry = asObject(value)!;
      for (const [field, identifier] of Object.entries(SUBSCRIPTION_FIELDS)) {
        for (const id of (entry[field] as unknown[] | undefined) ?? []) {
          const user = this.findUser(identifier, String(id));
          user?.subscriptions.set(
            String(entry.subscription_group_id),
            String(entry.subscription_state),
          );
        }
      }
    }
    return { status: 201, body: { message: 'success' } };
  }

  #subscriptionEntryError(entry: Record<string, unknown> | undefined): string | undefined {
    if (!entry || typeof entry.subscription_group_id !== 'string') {
      return 'subscription_group_id is required';
    }
    if (entry.subscription_state !== 'subscribed' && entry.subscription_state !== 'unsubscribed') {
      return 'subscription_state must be "subscribed" or "unsubscribed"';
    }
    if (entry.emails !== undefined && entry.phones !== undefined) {
      return 'emails and phones cannot be combined in one entry';
    }
    for (const field of Object.keys(SUBSCRIPTION_FIELDS)) {
      const ids = entry[field];
      if (ids !== undefined && (!Array.isArray(ids) || ids.length > MAX_SUBSCRIPTION_IDS)) {
        return `${field} must be a list of at most ${MAX_SUBSCRIPTION_IDS} ids`;
      }
    }
    return undefined;
  }
}

function throttled(resetInSeconds: number): ImitationResponse {
  const reset = Math.floor(Date.now() / 1_000) + resetInSeconds;
  return {
    status: 429,
    headers: {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset),
    },
    body: { message: 'Too many requests' },
  };
}

function withRateLimitHeaders(response: ImitationResponse): ImitationResponse {
  return {
    ...response,
    headers: {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(RATE_LIMIT - 1),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1_000) + 60),
      ...response.headers,
    },
  };
}
