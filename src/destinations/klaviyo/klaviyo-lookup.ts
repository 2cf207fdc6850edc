import type { RowOutcome } from '../destination.js';
import { retryLater } from '../http/outcomes.js';
import { readAllPages } from './klaviyo-api.js';
import { type IdentityKey, identityKeysOf } from './klaviyo-profile.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';

/**
 * Values per `any(...)` filter. `GET /api/profiles` allows `any` on email, phone_number and
 * external_id (klaviyo/openapi, operation get_profiles).
 * NOTE: the maximum number of values in one `any` filter is not documented. 100 is a guess that
 * matches the largest page size of that endpoint.
 */
const MAX_VALUES_PER_FILTER = 100;

export interface ProfileLookup {
  /** Profile id by identity. An identity missing here and in `failed` has no profile. */
  ids: Map<IdentityKey, string>;
  /** The outcome for identities whose lookup failed. */
  failed: Map<IdentityKey, RowOutcome>;
}

/** Finds the Klaviyo profile ids of identities, grouped by identifier type. */
export async function findProfileIds(
  write: KlaviyoWriteContext,
  identities: IdentityKey[],
): Promise<ProfileLookup> {
  const lookup: ProfileLookup = { ids: new Map(), failed: new Map() };
  const valuesByField = new Map<string, string[]>();
  for (const identity of new Set(identities)) {
    const separator = identity.indexOf(':');
    const field = identity.slice(0, separator);
    valuesByField.set(field, [...(valuesByField.get(field) ?? []), identity.slice(separator + 1)]);
  }

  for (const [field, values] of valuesByField) {
    for (let start = 0; start < values.length; start += MAX_VALUES_PER_FILTER) {
      const chunk = values.slice(start, start + MAX_VALUES_PER_FILTER);
      const filter = `any(${field},[${chunk.map((value) => JSON.stringify(value)).join(',')}])`;
      const pages = await readAllPages(write.api, 'profile-lookup', '/api/profiles', {
        filter,
        'fields[profile]': 'email,phone_number,external_id',
      });

      if (pages.kind === 'failed') {
        const outcome = retryLater(
          `Klaviyo profile lookup failed: ${pages.reason}`,
          pages.retryAfterMs,
        );
        for (const value of chunk) lookup.failed.set(`${field}:${value}`, outcome);
        continue;
      }
      for (const profile of pages.resources) {
        if (typeof profile.id !== 'string') continue;
        for (const key of identityKeysOf(profile.attributes ?? {})) lookup.ids.set(key, profile.id);
      }
    }
  }
  return lookup;
}
