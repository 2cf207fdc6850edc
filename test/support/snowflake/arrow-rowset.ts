import { tableFromIPC, type Vector } from 'apache-arrow';

/** A column of a Snowflake result as its `rowtype` entry describes it. */
export interface RowtypeColumn {
  name: string;
  type: string;
  scale: number | null;
}

type Cell = string | null;

/**
 * Rewrites an Arrow result set (`rowsetBase64`) as the JSON `rowset` that snowflake-sdk reads:
 * every cell is text in Snowflake's JSON result encoding, or null.
 *
 * The encodings are those snowflake-sdk 3.4 decodes in lib/connection/result/column.js: FIXED as
 * decimal text with `scale` fraction digits, BOOLEAN as "1" or "0", DATE as days since the epoch,
 * TIME as seconds since midnight, TIMESTAMP_NTZ and TIMESTAMP_LTZ as epoch seconds with nine
 * fraction digits, and TIMESTAMP_TZ as that plus a space and the offset in minutes plus 1440.
 */
export function arrowToJsonRowset(rowsetBase64: string, rowtype: RowtypeColumn[]): Cell[][] {
  if (rowsetBase64 === '') return [];
  const table = tableFromIPC(Buffer.from(rowsetBase64, 'base64'));
  const columns = rowtype.map((column, index) => {
    const vector = table.getChildAt(index);
    if (vector === null) throw new Error(`The Arrow result has no column ${index} (${column.name})`);
    return { column, vector };
  });

  const rows: Cell[][] = [];
  for (let row = 0; row < table.numRows; row += 1) {
    rows.push(columns.map(({ column, vector }) => jsonCell(vector, row, column)));
  }
  return rows;
}

function jsonCell(vector: Vector, row: number, column: RowtypeColumn): Cell {
  const value: unknown = vector.get(row);
  if (value === null || value === undefined) return null;

  switch (column.type) {
    case 'fixed':
      return scaledDecimal(BigInt(String(value)), column.scale ?? 0);
    case 'boolean':
      return value ? '1' : '0';
    case 'date':
      // apache-arrow returns DATE32 values as epoch milliseconds.
      return String(Math.round(Number(value) / 86_400_000));
    case 'time':
      // fakesnow sends TIME as nanoseconds since midnight.
      return scaledDecimal(BigInt(String(value)), 9);
    case 'timestamp_ntz':
    case 'timestamp_ltz':
    case 'timestamp_tz': {
      // fakesnow builds the struct without a validity mask, so a NULL timestamp is a struct whose
      // fields are NULL.
      const struct = value as TimestampStruct;
      if (struct.epoch === null) return null;
      return column.type === 'timestamp_tz' ? `${epochText(struct)} ${struct.timezone ?? 1440}` : epochText(struct);
    }
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('hex');
    default:
      return String(value);
  }
}

/** Snowflake's Arrow timestamp: whole seconds (floored) and nanoseconds past them. */
interface TimestampStruct {
  epoch: bigint | null;
  fraction: number;
  timezone?: number;
}

function epochText(struct: TimestampStruct): string {
  const nanos = BigInt(struct.epoch!) * 1_000_000_000n + BigInt(struct.fraction);
  return scaledDecimal(nanos, 9);
}

/** Decimal text of `unscaled / 10^scale` with exactly `scale` fraction digits. */
export function scaledDecimal(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
