import type { Row } from '../../core/values.js';
import { readFieldText } from './field-text.js';
import type { NormalizedValue } from './normalized-value.js';
import { readPrehashed, sha256Hex } from './sha256.js';

/** Identifiers read from one row for one platform. */
export interface RowIdentifiers<T> {
  /** The identifiers to send, or undefined when none survived normalisation. */
  identifiers: T | undefined;
  /** Reasons mapped values were left out, one per field, never with the value itself. */
  dropped: string[];
  /** Mapped field names that the platform does not use. */
  ignoredFields: string[];
}

export type IdentifierExtractor<T> = (row: Row) => RowIdentifiers<T>;

/**
 * Reads, normalises and SHA-256-hashes one field. A value that already is 64 hex digits is
 * passed through lower-cased instead (see readPrehashed). Returns undefined when the field is
 * missing or was dropped; a drop adds its reason to `dropped`.
 */
export function readHashedField(
  row: Row,
  field: string,
  normalize: (text: string) => NormalizedValue,
  dropped: string[],
): string | undefined {
  const normalized = readNormalizedField(row, field, normalize, dropped, { allowPrehashed: true });
  if (normalized === undefined) return undefined;
  return normalized.prehashed ? normalized.value : sha256Hex(normalized.value);
}

/** Reads and normalises one field that the platform wants in clear text. */
export function readClearField(
  row: Row,
  field: string,
  normalize: (text: string) => NormalizedValue,
  dropped: string[],
): string | undefined {
  return readNormalizedField(row, field, normalize, dropped, { allowPrehashed: false })?.value;
}

function readNormalizedField(
  row: Row,
  field: string,
  normalize: (text: string) => NormalizedValue,
  dropped: string[],
  options: { allowPrehashed: boolean },
): { value: string; prehashed: boolean } | undefined {
  const text = readFieldText(row[field], field);
  if (text === undefined) return undefined;
  if (!text.ok) {
    dropped.push(text.reason);
    return undefined;
  }

  const prehashed = options.allowPrehashed ? readPrehashed(text.value) : undefined;
  if (prehashed !== undefined) return { value: prehashed, prehashed: true };

  const normalized = normalize(text.value);
  if (!normalized.ok) {
    dropped.push(normalized.reason);
    return undefined;
  }
  return { value: normalized.value, prehashed: false };
}

/** Returns the mapped field names of `row` that are not in `known`, sorted. */
export function unknownFields(row: Row, known: ReadonlySet<string>): string[] {
  return Object.keys(row)
    .filter((field) => !known.has(field))
    .sort();
}
