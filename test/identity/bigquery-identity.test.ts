import { describe, expect, it } from 'vitest';
import { buildIdentity } from '../../src/identity/build-identity.js';
import { bigquerySkipReason, bigquerySuiteTitle, openEmulatorWarehouse, uniqueDataset } from '../support/bigquery.js';
import { at, identityConfig } from './identity-fixture.js';

describe.skipIf(bigquerySkipReason() !== undefined)(bigquerySuiteTitle('identity resolution on BigQuery'), () => {
  it('joins identifiers into profiles with normalised emails', async () => {
    const raw = uniqueDataset('identity_raw');
    const output = uniqueDataset('identity');
    const warehouse = await openEmulatorWarehouse(raw);
    await warehouse.ensureSchema(output);
    await warehouse.loadRows(
      { schema: raw, name: 'events' },
      [
        { name: 'user_id', type: 'string' },
        { name: 'email', type: 'string' },
        { name: 'seen_at', type: 'timestamp' },
      ],
      [
        { user_id: 'u1', email: ' Ann@Example.com ', seen_at: at(1) },
        { user_id: 'u1', email: 'ann.work@example.com', seen_at: at(2) },
        { user_id: 'u2', email: 'ann@example.com', seen_at: at(3) },
        { user_id: 'u3', email: 'bob@example.com', seen_at: at(4) },
      ],
    );
    const config = identityConfig({
      inputs: [{ name: 'events', relation: { model: 'events' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
      max_profile_size: { identifiers: 100 },
    });

    const result = await buildIdentity(warehouse, {
      config,
      relations: { events: warehouse.dialect.quoteTable({ schema: raw, name: 'events' }) },
      schema: output,
      workSchema: output,
    });

    expect(result.profiles).toBe(2);
    const rows = await warehouse.query(
      `SELECT identifier_type, identifier_value, profile_id FROM ${warehouse.dialect.quoteTable({ schema: output, name: 'identity_graph' })} ORDER BY identifier_type, identifier_value`,
    );
    const profiles = new Map(rows.map((row) => [`${row.identifier_type}:${row.identifier_value}`, row.profile_id]));
    expect([...profiles.keys()]).toEqual([
      'email:ann.work@example.com',
      'email:ann@example.com',
      'email:bob@example.com',
      'user_id:u1',
      'user_id:u2',
      'user_id:u3',
    ]);
    expect(profiles.get('user_id:u2')).toBe(profiles.get('user_id:u1'));
    expect(profiles.get('email:ann.work@example.com')).toBe(profiles.get('user_id:u1'));
    expect(profiles.get('user_id:u3')).not.toBe(profiles.get('user_id:u1'));
  });
});
