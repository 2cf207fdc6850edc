import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/core/errors.js';
import type { Row } from '../../src/core/values.js';
import { explainIdentifier } from '../../src/identity/explain.js';
import { IdentityError } from '../../src/identity/identity-error.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, at, build, identityConfig, loadTable, openWarehouse, partition, profileOf } from './identity-fixture.js';

/** Two users share a team mailbox, and 5,000 sign-ups used the QA address test@test.com. */
function sharedMailboxRows(): Row[] {
  const rows: Row[] = [
    { user_id: 'u-10', email: 'team@example.com', seen_at: at(1) },
    { user_id: 'u-11', email: 'team@example.com', seen_at: at(2) },
    { user_id: 'u-10', email: 'ana@example.com', seen_at: at(3) },
    { user_id: 'u-11', email: 'ben@example.com', seen_at: at(4) },
  ];
  for (let index = 0; index < 5000; index += 1) {
    rows.push({ user_id: `qa-${index}`, email: index % 2 === 0 ? 'test@test.com' : ' TEST@test.com ', seen_at: at(10 + index) });
  }
  return rows;
}

function signupConfig(email: Record<string, unknown>, maxProfileSize: Record<string, unknown> = { identifiers: 50 }) {
  return identityConfig({
    inputs: [{ name: 'signups', relation: { model: 'signups' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
    types: { email },
    max_profile_size: maxProfileSize,
  });
}

describe('shared and placeholder emails', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    await loadTable(warehouse, 'signups', sharedMailboxRows());
  });
  afterEach(async () => warehouse.close());

  it('does not link through role or test addresses', async () => {
    const result = await build(warehouse, signupConfig({}));
    const profiles = await profileOf(warehouse);

    expect(profiles.get('user_id:u-10')).not.toBe(profiles.get('user_id:u-11'));
    expect(profiles.has('email:team@example.com')).toBe(false);
    expect(profiles.has('email:test@test.com')).toBe(false);
    expect(result.profiles).toBe(5002);
    expect(result.quarantined).toEqual([]);
  });

  it('reports blocked values with row counts', async () => {
    const result = await build(warehouse, signupConfig({}));

    expect(result.blocked).toContainEqual({ identifierType: 'email', identifierValue: 'test@test.com', reason: 'blocked value', rows: 5000 });
    expect(result.blocked).toContainEqual({
      identifierType: 'email',
      identifierValue: 'team@example.com',
      reason: expect.stringMatching(/^blocked pattern /),
      rows: 2,
    });
    expect(result.blockedRows).toBe(5002);
    const explanation = await explainIdentifier(warehouse, SCHEMA, 'email', 'test@test.com');
    expect(explanation).toEqual({
      status: 'blocked',
      identifier: { type: 'email', value: 'test@test.com' },
      reasons: [{ reason: 'blocked value', rows: 5000 }],
    });
  });

  it('explain says to run first before any build', async () => {
    const error = await explainIdentifier(warehouse, SCHEMA, 'email', 'a@example.com').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('not_found');
    expect((error as Error).message).toContain(`The identity graph ${SCHEMA}.identity_graph has not been built yet; run \`sluice run\` first`);
  });

  it('fails naming the identifier when blocking is off', async () => {
    const error = await build(warehouse, signupConfig({ default_blocklist: false })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(IdentityError);
    const message = (error as Error).message;
    expect(message).toContain('5001 identifiers');
    expect(message).toContain('max_profile_size.identifiers (50)');
    expect(message).toContain('email "test@test.com"');
    expect(message).toContain('appears in 5000 links');
  });

  it('leaves the previous graph in place when the build fails', async () => {
    await build(warehouse, signupConfig({}));
    const before = await partition(warehouse);

    await expect(build(warehouse, signupConfig({ default_blocklist: false }))).rejects.toThrow(IdentityError);
    expect(await partition(warehouse)).toEqual(before);
  });

  it('quarantines the hub when configured to', async () => {
    const result = await build(warehouse, signupConfig({ default_blocklist: false }, { identifiers: 50, on_exceed: 'quarantine' }));
    const profiles = await profileOf(warehouse);

    expect(result.quarantined).toEqual([
      { identifierType: 'email', identifierValue: 'test@test.com', links: 5000, profileSize: 5001 },
    ]);
    expect(profiles.has('email:test@test.com')).toBe(false);
    // Without the default blocklist the team mailbox links u-10 and u-11, which stays under the maximum.
    expect(profiles.get('user_id:u-10')).toBe(profiles.get('user_id:u-11'));
    const blocked = await warehouse.query(`SELECT reason, row_count FROM ${SCHEMA}.identity_blocked WHERE identifier_value = 'test@test.com'`);
    expect(blocked).toEqual([{ reason: 'quarantined', row_count: 5000 }]);
  });
});

describe('junk user ids', () => {
  const JUNK = ['null', 'undefined', '0', '', 'anonymous', '00000000-0000-0000-0000-000000000000', '@https://grafana.example.com'];

  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    const rows: Row[] = [];
    JUNK.forEach((userId, index) => {
      for (let copy = 0; copy < index + 1; copy += 1) {
        rows.push({ user_id: userId, email: `person${index}.${copy}@example.com`, seen_at: at(index * 10 + copy) });
      }
    });
    await loadTable(warehouse, 'tracks', rows);
  });
  afterEach(async () => warehouse.close());

  const config = () =>
    identityConfig({
      inputs: [{ name: 'tracks', relation: { model: 'tracks' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
      types: { user_id: { blocked_patterns: ['^@', '^https?://'] } },
    });

  it('never become identifiers', async () => {
    await build(warehouse, config());
    const identifiers = [...(await profileOf(warehouse)).keys()];

    expect(identifiers.filter((identifier) => identifier.startsWith('user_id:'))).toEqual([]);
    // Each email stays its own profile, because no junk id joins them.
    expect(await partition(warehouse)).toHaveLength(identifiers.length);
  });

  it('are counted per blocked value', async () => {
    const result = await build(warehouse, config());
    const counts = Object.fromEntries(
      result.blocked.filter((entry) => entry.identifierType === 'user_id').map((entry) => [entry.identifierValue, [entry.reason, entry.rows]]),
    );

    expect(counts).toEqual({
      null: ['blocked value', 1],
      undefined: ['blocked value', 2],
      '0': ['blocked value', 3],
      '': ['empty', 4],
      anonymous: ['blocked value', 5],
      '00000000-0000-0000-0000-000000000000': ['blocked value', 6],
      '@https://grafana.example.com': ['blocked pattern ^@', 7],
    });
  });

  it('leave no profiles when every value is blocked', async () => {
    await loadTable(warehouse, 'tracks', [{ user_id: 'null', email: 'noreply@example.com', seen_at: at(1) }]);
    const result = await build(warehouse, config());

    expect(result.profiles).toBe(0);
    expect(result.blockedRows).toBe(2);
    expect(await partition(warehouse)).toEqual([]);
  });

  it('match blocked values in any letter case', async () => {
    await loadTable(warehouse, 'tracks', [
      { user_id: 'NULL', email: 'a@example.com', seen_at: at(1) },
      { user_id: 'Undefined', email: 'b@example.com', seen_at: at(2) },
      { user_id: 'u-1', email: 'c@example.com', seen_at: at(3) },
    ]);
    const result = await build(warehouse, config());

    expect(result.blocked.map((entry) => entry.identifierValue).sort()).toEqual(['NULL', 'Undefined']);
    expect((await profileOf(warehouse)).has('user_id:u-1')).toBe(true);
  });
});
