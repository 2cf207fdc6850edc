import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/** IDFA and GAID are both UUIDs: 32 hex digits in groups of 8-4-4-4-12. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Normalises a mobile advertising ID (Apple IDFA or Google GAID) to a lower-case UUID with
 * hyphens. Drops values that are not UUIDs, and the all-zero ID that devices report when the
 * user limits ad tracking, which would otherwise match every such device.
 */
export function normalizeMobileId(text: string, field: string): NormalizedValue {
  const id = text.trim().toLowerCase();
  if (!UUID.test(id)) return dropped(`${field} is not a mobile advertising ID (a UUID)`);
  if (id === ZERO_UUID) {
    return dropped(`${field} is the all-zero ID of a device that limits ad tracking`);
  }
  return accepted(id);
}
