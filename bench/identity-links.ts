/**
 * Synthetic identifier links for the identity benchmark, generated inside DuckDB with `range()`
 * so that no row passes through Node while the data is built. The same link count always gives
 * the same table.
 *
 * Each person is a chain of identifiers, and each row of `bench.links` links two neighbours of
 * a chain (or, for a person with one identifier, carries that identifier alone). Types cycle
 * through anonymous_id, email, device_id and user_id along a chain, so no row contains two
 * identifiers of one type. The shape:
 *
 * - Cluster sizes are skewed: 40% of people have one identifier, 30% two, 18% three, 9% four to
 *   ten, 2.9% 11 to 100 and 0.1% 101 to 1,000.
 * - One long chain of 5,000 hops per 200,000 links (at least one).
 * - About 3% of rows also carry a junk value in a column the row leaves free: `test@test.com`,
 *   `info@shop.example`, `null`, `undefined` or the all-zero UUID. Each is shared by thousands
 *   of rows, so the build would join most people into a few giant profiles (and fail the
 *   maximum profile size) unless the default blocklist drops them.
 * - Some emails are upper-cased or padded with spaces, so normalisation has work to do.
 */
import type { IdentityConfig } from '../src/identity/identity-config.js';
import { parseIdentityConfig } from '../src/identity/identity-config.js';

export const LINKS_TABLE = { schema: 'bench', name: 'links' };

/** Identifier columns of `bench.links`, which are also the identifier types they contain. */
export const IDENTIFIER_COLUMNS = ['anonymous_id', 'email', 'device_id', 'user_id'] as const;

const LONG_CHAIN_HOPS = 5_000;
const LINKS_PER_LONG_CHAIN = 200_000;

/** Average links per person of the skewed sizes below, to size the range of people generated. */
const AVERAGE_LINKS_PER_PERSON = 3.7;

/**
 * Builds the benchmark's identity config: one input, the four identifier columns, default
 * normalisation and blocklists, and a maximum profile size above the long chains.
 */
export function benchIdentityConfig(): IdentityConfig {
  return parseIdentityConfig(
    {
      name: 'bench',
      inputs: [
        {
          name: 'events',
          relation: { source: 'bench', table: 'links' },
          timestamp: 'seen_at',
          identifiers: Object.fromEntries(IDENTIFIER_COLUMNS.map((column) => [column, column])),
        },
      ],
      max_profile_size: { identifiers: 2 * LONG_CHAIN_HOPS, on_exceed: 'fail' },
    },
    'bench/identity-links.ts',
  );
}

/** Returns a SELECT producing exactly `links` rows of the shape described above. */
export function linksSelect(links: number): string {
  const longChains = Math.max(1, Math.floor(links / LINKS_PER_LONG_CHAIN));
  // A fifth more people than the average needs, so the range never runs out before `links` rows.
  const people = Math.ceil((1.2 * links) / AVERAGE_LINKS_PER_PERSON) + 1_000;
  return `WITH people AS (
  SELECT p, CASE
      WHEN p < ${longChains} THEN ${LONG_CHAIN_HOPS + 1}
      WHEN u < 4000 THEN 1
      WHEN u < 7000 THEN 2
      WHEN u < 8800 THEN 3
      WHEN u < 9700 THEN 4 + p % 7
      WHEN u < 9990 THEN 11 + p % 90
      ELSE 101 + p % 900
    END AS identifiers
  FROM (SELECT p, (p * 2654435761) % 10000 AS u FROM range(${people}) AS r(p)) hashed
),
hops AS (
  SELECT p, identifiers, unnest(range(greatest(identifiers - 1, 1))) AS k FROM people
),
numbered AS (
  SELECT p, k, identifiers > 1 AS linked, row_number() OVER (ORDER BY p, k) - 1 AS i FROM hops
),
pairs AS (
  SELECT i, p, k AS left_position, CASE WHEN linked THEN k + 1 END AS right_position FROM numbered WHERE i < ${links}
)
SELECT i AS link_seq,
  TIMESTAMP '2024-01-01 00:00:00' + to_seconds((i * 7919) % 31536000) AS seen_at,
  ${IDENTIFIER_COLUMNS.map((_column, slot) => `${columnValue(slot)} AS ${IDENTIFIER_COLUMNS[slot]}`).join(',\n  ')}
FROM pairs`;
}

/**
 * Builds the value of one identifier column: the row's left or right identifier when its type falls
 * in this column, else a junk value on about 3% of rows, else NULL. The type of position k of
 * person p is (p + k) % 4.
 */
function columnValue(slot: number): string {
  const typeAt = (position: string) => `(p + ${position}) % 4`;
  return `CASE
    WHEN ${typeAt('left_position')} = ${slot} THEN ${identifierValue(slot, 'left_position')}
    WHEN right_position IS NOT NULL AND ${typeAt('right_position')} = ${slot} THEN ${identifierValue(slot, 'right_position')}
    WHEN i % 97 IN (3, 40, 77) THEN ${junkValue(slot)}
  END`;
}

function identifierValue(slot: number, position: string): string {
  const id = `CAST(p AS VARCHAR) || '-' || CAST(${position} AS VARCHAR)`;
  switch (IDENTIFIER_COLUMNS[slot]) {
    case 'anonymous_id':
      return `'anon-' || ${id}`;
    case 'device_id':
      return `'dev-' || ${id}`;
    case 'user_id':
      return `'u' || ${id}`;
    case 'email':
      // One email in 50 is upper-cased and one in 70 padded, as hand-typed addresses are.
      return `CASE
      WHEN (p + ${position}) % 50 = 1 THEN upper('person' || ${id} || '@example.com')
      WHEN (p + ${position}) % 70 = 2 THEN '  person' || ${id} || '@example.com '
      ELSE 'person' || ${id} || '@example.com' END`;
    default:
      throw new Error(`no values for identifier column ${String(IDENTIFIER_COLUMNS[slot])}`);
  }
}

/** Junk values per column, from the default blocklist, chosen by row. */
function junkValue(slot: number): string {
  switch (IDENTIFIER_COLUMNS[slot]) {
    case 'email':
      return `CASE WHEN i % 2 = 0 THEN 'test@test.com' ELSE 'info@shop.example' END`;
    case 'device_id':
      return `'00000000-0000-0000-0000-000000000000'`;
    case 'anonymous_id':
      return `'undefined'`;
    case 'user_id':
      return `'null'`;
    default:
      throw new Error(`no junk for identifier column ${String(IDENTIFIER_COLUMNS[slot])}`);
  }
}
