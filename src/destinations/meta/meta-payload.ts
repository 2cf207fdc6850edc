import { createHmac, randomInt } from 'node:crypto';
import {
  META_SCHEMA_KEYS,
  type MetaIdentifiers,
  type MetaSchemaKey,
} from '../identifiers/meta-identifiers.js';

/** The `session` of a /users or /usersreplace request. */
export interface MetaSession {
  session_id: number;
  batch_seq: number;
  last_batch_flag: boolean;
  estimated_num_total: number;
}

/**
 * The JSON body of POST and DELETE /{audience_id}/users and POST /{audience_id}/usersreplace.
 * Each data row lists the row's values in the order of `schema`, with "" for a key the row lacks.
 * Source: https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users
 */
export interface MetaUsersBody {
  payload: {
    schema: MetaSchemaKey[];
    data: string[][];
    /** Sluice sends single keys, not combined ones such as LN_FN_ZIP, which is what "raw" means. */
    is_raw: true;
  };
  session: MetaSession;
  appsecret_proof?: string;
}

/**
 * Builds the body for `rows`, with a schema of only the keys that some row has. Without a
 * session the request is a session of one batch, because Meta's guide marks the session as
 * required and an add or remove is complete in one request.
 */
export function buildMetaUsersBody(rows: MetaIdentifiers[], session?: MetaSession): MetaUsersBody {
  const schema = META_SCHEMA_KEYS.filter((key) => rows.some((row) => row[key] !== undefined));
  return {
    payload: {
      schema,
      data: rows.map((row) => schema.map((key) => row[key] ?? '')),
      is_raw: true,
    },
    session: session ?? {
      session_id: newSessionId(),
      batch_seq: 1,
      last_batch_flag: true,
      estimated_num_total: rows.length,
    },
  };
}

/** Returns a random positive session ID. Meta takes a 64-bit integer; this stays below 2^48. */
export function newSessionId(): number {
  return randomInt(1, 2 ** 48);
}

/**
 * Returns appsecret_proof: the hex HMAC-SHA256 of the access token keyed by the app secret.
 * Source: https://developers.facebook.com/docs/graph-api/securing-requests
 */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}
