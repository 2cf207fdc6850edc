import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import { normaliseIdentifier } from '../../src/identity/explain.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { at, build, identityConfig, loadTable, openWarehouse, partition, profileOf, withoutFunctions } from './identity-fixture.js';

/** "José" written precomposed (NFC, U+00E9) and decomposed (NFD, e + U+0301). */
const NFC_EMAIL = 'Jos\u00e9.M\u00fcller@example.com';
const NFD_EMAIL = '  JOSE\u0301.MU\u0308LLER@Example.COM\t';

function emailConfig() {
  return identityConfig({
    inputs: [{ name: 'contacts', relation: { model: 'contacts' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
  });
}

describe('email normalisation', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    await loadTable(warehouse, 'contacts', [
      { user_id: 'u-1', email: NFC_EMAIL, seen_at: at(1) },
      { user_id: 'u-2', email: NFD_EMAIL, seen_at: at(2) },
      { user_id: 'u-3', email: 'not-an-email', seen_at: at(3) },
    ]);
  });
  afterEach(async () => warehouse.close());

  it('links NFC and NFD forms of one address', async () => {
    await build(warehouse, emailConfig());
    const profiles = await profileOf(warehouse);

    expect(profiles.get('email:jos\u00e9.m\u00fcller@example.com')).toBe(profiles.get('user_id:u-1'));
    expect(profiles.get('user_id:u-1')).toBe(profiles.get('user_id:u-2'));
    expect([...profiles.keys()].filter((key) => key.startsWith('email:'))).toHaveLength(1);
  });

  it('gives the same result when NFC runs in Node', async () => {
    const dialect = withoutFunctions(warehouse.dialect, ['nfcNormalize']);
    const result = await build(warehouse, emailConfig(), { dialect });
    const profiles = await profileOf(warehouse);

    expect(result.nodeNormalisedValues).toBe(3);
    expect(profiles.get('user_id:u-1')).toBe(profiles.get('user_id:u-2'));
    expect(profiles.has('email:jos\u00e9.m\u00fcller@example.com')).toBe(true);
  });

  it('blocks values that are not addresses', async () => {
    const result = await build(warehouse, emailConfig());
    expect(result.blocked).toEqual([{ identifierType: 'email', identifierValue: 'not-an-email', reason: 'invalid', rows: 1 }]);
  });

  it('normalises a typed value for lookup', () => {
    expect(normaliseIdentifier(emailConfig(), 'email', NFD_EMAIL)).toBe('jos\u00e9.m\u00fcller@example.com');
  });
});

/**
 * One number per country, written as people write it at home and in international form (with
 * `+` or with the `00` prefix dialled from Europe). Both spellings belong to one user id.
 */
const PHONES: { country: string; national: string; international: string; e164: string }[] = [
  { country: 'US', national: '(212) 555-0123', international: '+1 212-555-0123', e164: '+12125550123' },
  { country: 'GB', national: '020 7946 0958', international: '0044 20 7946 0958', e164: '+442079460958' },
  { country: 'DE', national: '030 901820', international: '+49 30 901820', e164: '+4930901820' },
  { country: 'FR', national: '01 23 45 67 89', international: '+33 1 23 45 67 89', e164: '+33123456789' },
  { country: 'IN', national: '098765 43210', international: '+91 98765 43210', e164: '+919876543210' },
  { country: 'BR', national: '(11) 91234-5678', international: '+55 11 91234 5678', e164: '+5511912345678' },
  { country: 'JP', national: '03-1234-5678', international: '+81 3-1234-5678', e164: '+81312345678' },
];

describe('phone normalisation', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
  });
  afterEach(async () => warehouse.close());

  function phoneConfig(defaultCountry?: string, withCountryColumn = true) {
    return identityConfig({
      inputs: [
        {
          name: 'calls',
          relation: { model: 'calls' },
          timestamp: 'seen_at',
          ...(withCountryColumn ? { country: 'country' } : {}),
          identifiers: { user_id: 'user_id', phone: 'phone' },
        },
      ],
      types: defaultCountry === undefined ? {} : { phone: { default_country: defaultCountry } },
    });
  }

  it('converts national formats with a per-row country to E.164', async () => {
    const rows: Row[] = PHONES.flatMap((phone, index) => [
      { user_id: `u-${phone.country}`, phone: phone.national, country: phone.country.toLowerCase(), seen_at: at(index * 2) },
      { user_id: `u-${phone.country}`, phone: phone.international, country: phone.country, seen_at: at(index * 2 + 1) },
    ]);
    await loadTable(warehouse, 'calls', rows);
    const result = await build(warehouse, phoneConfig());
    const profiles = await profileOf(warehouse);

    for (const phone of PHONES) {
      expect(profiles.get(`phone:${phone.e164}`), phone.country).toBe(profiles.get(`user_id:u-${phone.country}`));
    }
    expect(result.profiles).toBe(PHONES.length);
    expect(result.blocked).toEqual([]);
  });

  it('uses the default country when the row has none', async () => {
    await loadTable(warehouse, 'calls', [
      { user_id: 'u-1', phone: '020 7946 0958', country: null, seen_at: at(1) },
      { user_id: 'u-1', phone: '07911 123456', country: '', seen_at: at(2) },
      { user_id: 'u-2', phone: '(212) 555-0123', country: 'US', seen_at: at(3) },
      { user_id: 'u-3', phone: '020 7946 0958', country: 'UK', seen_at: at(4) },
    ]);
    await build(warehouse, phoneConfig('GB'));
    const profiles = await profileOf(warehouse);

    expect(profiles.get('phone:+442079460958')).toBe(profiles.get('user_id:u-1'));
    expect(profiles.get('phone:+447911123456')).toBe(profiles.get('user_id:u-1'));
    expect(profiles.get('phone:+12125550123')).toBe(profiles.get('user_id:u-2'));
    // UK is not an ISO code but is read as GB, so u-3 shares u-1's number.
    expect(profiles.get('user_id:u-3')).toBe(profiles.get('user_id:u-1'));
  });

  it('blocks numbers that are invalid or have no country', async () => {
    await loadTable(warehouse, 'calls', [
      { user_id: 'u-1', phone: '12345', seen_at: at(1) },
      { user_id: 'u-2', phone: '020 7946 0958', seen_at: at(2) },
      { user_id: 'u-3', phone: '+44 20 7946 0958', seen_at: at(3) },
    ]);
    const result = await build(warehouse, phoneConfig(undefined, false));

    expect(result.blocked.map((entry) => [entry.identifierValue, entry.reason]).sort()).toEqual([
      ['020 7946 0958', 'invalid'],
      ['12345', 'invalid'],
    ]);
    expect((await profileOf(warehouse)).has('phone:+442079460958')).toBe(true);
  });

  it('normalises in pages smaller than the distinct values', async () => {
    const rows: Row[] = [];
    for (let index = 0; index < 250; index += 1) {
      rows.push({ user_id: `u-${index}`, phone: `020 7946 ${String(index).padStart(4, '0')}`, country: 'GB', seen_at: at(index) });
    }
    await loadTable(warehouse, 'calls', rows);
    const result = await build(warehouse, phoneConfig(), { pageSize: 40 });

    expect(result.nodeNormalisedValues).toBe(250);
    expect(result.profiles).toBe(250);
  });
});

describe('custom identifier types', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    await loadTable(warehouse, 'cards', [
      { user_id: 'u-1', loyalty: ' ab-123 456 ', seen_at: at(1) },
      { user_id: 'u-2', loyalty: 'AB123456', seen_at: at(2) },
      { user_id: 'u-3', loyalty: 'ab 999', seen_at: at(3) },
    ]);
  });
  afterEach(async () => warehouse.close());

  it('apply declared transforms in order', async () => {
    const config = identityConfig({
      inputs: [{ name: 'cards', relation: { model: 'cards' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', loyalty_card: 'loyalty' } }],
      types: { loyalty_card: { transforms: ['trim', 'upper', { regex_replace: { pattern: '[^A-Z0-9]', replacement: '' } }] } },
    });
    await build(warehouse, config);

    expect(await partition(warehouse)).toEqual([
      ['loyalty_card:AB123456', 'user_id:u-1', 'user_id:u-2'],
      ['loyalty_card:AB999', 'user_id:u-3'],
    ]);
    expect(normaliseIdentifier(config, 'loyalty_card', ' ab-123 456 ')).toBe('AB123456');
  });
});
