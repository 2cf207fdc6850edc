import type { CanonicalValue, Row } from '../../core/values.js';
import type { ChangeRecord } from '../destination.js';
import { normalizeContactEmail, normalizeContactPhone } from '../identifiers/contact.js';
import type { NormalizedValue } from '../identifiers/normalized-value.js';
import type { BrazeSyncOptions } from './braze-config.js';

export type SubscriptionState = 'subscribed' | 'unsubscribed';

/** One row as Braze receives it: an attributes object and subscription group states. */
export interface BrazeUserUpdate {
  /** The normalised value of the identify_by field. */
  identifier: string;
  /** One element of `attributes` in `/users/track`. */
  attributes: Record<string, CanonicalValue>;
  subscriptions: { groupId: string; state: SubscriptionState }[];
}

export type UserUpdateResult =
  { ok: true; update: BrazeUserUpdate } | { ok: false; reason: string };

/** Returns the normalised identify_by value of a row's fields or previous values. */
export function identifierOf(fields: Row | null, options: BrazeSyncOptions): NormalizedValue {
  const field = options.identify_by;
  const value = fields?.[field];
  const missing: NormalizedValue = {
    ok: false,
    reason: `${field} is missing; this sync identifies Braze users by ${field} (identify_by)`,
  };
  if (value === undefined || value === null || value === '') return missing;

  if (field === 'phone') return normalizeContactPhone(value, field, options.default_phone_country);
  if (field === 'email') {
    const email = normalizeContactEmail(value);
    return email === undefined ? missing : { ok: true, value: email };
  }
  return typeof value === 'object' ? missing : { ok: true, value: String(value) };
}

/**
 * Builds the Braze update for a row. Upserts, updates, inserts and adds send the mapped fields
 * as attributes, with `email` trimmed and lower-cased and `phone` in E.164, and null clears an
 * attribute. `update` sets `_update_existing_only` so no user is created. An audience `add`
 * sets audience_attribute to true and a `remove` sets it to false, on existing users only.
 */
export function buildUserUpdate(record: ChangeRecord, options: BrazeSyncOptions): UserUpdateResult {
  const removing = record.operation === 'remove';
  const identifier = identifierOf(removing ? record.previous : record.fields, options);
  if (!identifier.ok) return identifier;

  const update: BrazeUserUpdate = {
    identifier: identifier.value,
    attributes: { [options.identify_by]: identifier.value },
    subscriptions: [],
  };
  if (!removing) {
    const problem = addFields(update, record.fields ?? {}, options);
    if (problem !== undefined) return { ok: false, reason: problem };
  }

  if (record.operation === 'add' || removing) {
    update.attributes[options.audience_attribute!] = !removing;
  }
  update.attributes._update_existing_only = record.operation === 'update' || removing;
  return { ok: true, update };
}

/** Copies mapped fields into the update. Returns a rejection reason for an invalid value. */
function addFields(
  update: BrazeUserUpdate,
  fields: Row,
  options: BrazeSyncOptions,
): string | undefined {
  for (const [name, value] of Object.entries(fields)) {
    if (name === options.identify_by) continue;

    const groupId = options.subscription_groups[name];
    if (groupId !== undefined) {
      const state = subscriptionState(value);
      if (state === 'invalid') {
        return `${name} must be true, false, "subscribed" or "unsubscribed" for a subscription group`;
      }
      if (state !== undefined) update.subscriptions.push({ groupId, state });
      continue;
    }

    if (name === 'phone' && value !== null) {
      const phone = normalizeContactPhone(value, name, options.default_phone_country);
      if (!phone.ok) return phone.reason;
      update.attributes.phone = phone.value;
    } else if (name === 'email' && value !== null) {
      const email = normalizeContactEmail(value);
      if (email === undefined) return 'email is blank';
      update.attributes.email = email;
    } else {
      update.attributes[name] = value;
    }
  }
  return undefined;
}

function subscriptionState(value: CanonicalValue): SubscriptionState | 'invalid' | undefined {
  if (value === null) return undefined;
  if (value === true || value === 'subscribed') return 'subscribed';
  if (value === false || value === 'unsubscribed') return 'unsubscribed';
  return 'invalid';
}
