import type { RowOutcome } from '../destination.js';
import type { MetaIdentifiers } from '../identifiers/meta-identifiers.js';
import type { GroupVerdicts, RowVerdict } from '../identifiers/isolate-rejections.js';
import { parseJsonObject, platformText, verdictsForAll } from '../identifiers/audience-write.js';

const UNNAMED_INVALID = 'Meta counted the row as an invalid entry without giving a reason';

/**
 * Reads a 2xx response to /{audience_id}/users: `{ audience_id, session_id, num_received,
 * num_invalid_entries, invalid_entry_samples }`. Meta counts invalid rows but names only a
 * sample of them, as a map of value to reason. A row holding a sampled value is rejected with
 * its reason. When the count exceeds the named rows, the others are suspect and get resent in
 * halves to find which, unless all of them must be invalid.
 * Source: https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users
 */
export function verdictsFromUpload(rows: MetaIdentifiers[], body: string): GroupVerdicts {
  const parsed = parseJsonObject(body);
  if (!parsed || typeof parsed.num_received !== 'number') {
    return verdictsForAll(rows.length, {
      status: 'retry',
      reason: 'Meta returned a success status without num_received, so delivery is unconfirmed',
    });
  }

  const invalidCount =
    typeof parsed.num_invalid_entries === 'number' ? parsed.num_invalid_entries : 0;
  if (invalidCount <= 0) return verdictsForAll(rows.length, { status: 'accepted' });

  const samples = readSamples(parsed.invalid_entry_samples);
  const verdicts: (RowVerdict | undefined)[] = rows.map((row) => sampledRejection(row, samples));
  const named = verdicts.filter((verdict) => verdict !== undefined).length;
  const unnamed = verdicts.length - named;
  const unexplained = invalidCount - named;

  let rest: RowVerdict = 'suspect';
  if (unexplained <= 0) rest = { status: 'accepted' };
  else if (unexplained >= unnamed) rest = { status: 'rejected', reason: UNNAMED_INVALID };

  return {
    verdicts: verdicts.map((verdict) => verdict ?? rest),
    suspectReason: UNNAMED_INVALID,
    rejectedWhole: false,
  };
}

function readSamples(value: unknown): Map<string, string> {
  const samples = new Map<string, string>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return samples;
  for (const [sample, reason] of Object.entries(value)) {
    samples.set(sample, typeof reason === 'string' ? platformText(reason) : 'no reason given');
  }
  return samples;
}

function sampledRejection(
  row: MetaIdentifiers,
  samples: Map<string, string>,
): RowOutcome | undefined {
  for (const value of Object.values(row)) {
    const reason = value === undefined ? undefined : samples.get(value);
    if (reason !== undefined) {
      return { status: 'rejected', reason: `Meta counted the row as an invalid entry: ${reason}` };
    }
  }
  return undefined;
}
