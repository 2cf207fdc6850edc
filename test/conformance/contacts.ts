import { loadSource, type TargetProject } from './conformance-fixture.js';

/**
 * A source table with typed columns, so that diffs compare integers beyond 2^53, decimals and
 * microsecond timestamps as each warehouse stores them. `note` is never mapped.
 */
export type Contact = {
  id: number | string | null;
  email: string | null;
  tier: string | null;
  balance: string | null;
  seen_at: string | null;
  note: string | null;
};

const CONTACT_COLUMNS = [
  { name: 'id', type: 'integer' },
  { name: 'email', type: 'string' },
  { name: 'tier', type: 'string' },
  { name: 'balance', type: 'decimal' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'note', type: 'string' },
] as const;

/** 2^53 + 1, the smallest positive integer that a JavaScript number cannot represent exactly. */
export const BIG_ID = '9007199254740993';

/** Returns contact `id` with default values, except for the fields in `overrides`. */
export function contact(id: number | string, overrides: Partial<Contact> = {}): Contact {
  return {
    id,
    email: `person${id}@example.com`,
    tier: 'gold',
    balance: '12.5',
    seen_at: '2024-03-01T12:34:56.000001Z',
    note: 'first',
    ...overrides,
  };
}

export async function loadContacts(project: TargetProject, contacts: Contact[]): Promise<void> {
  await loadSource(project, 'contacts', [...CONTACT_COLUMNS], contacts);
}

/** The contacts model, in SQL that every warehouse accepts, and its settings. */
export const CONTACTS_MODEL_FILES = {
  'models/contacts.sql': 'SELECT id, email, tier, balance, seen_at, note FROM {{source "crm" "contacts"}}',
  'models/contacts.yml': 'pii: [email]\n',
};
