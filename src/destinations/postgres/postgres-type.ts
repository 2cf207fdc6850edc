import { createHash } from 'node:crypto';
import { redactor } from '../../core/redact.js';
import type { DestinationType } from '../destination.js';
import {
  type PostgresAccount,
  type PostgresSyncOptions,
  postgresAccountSchema,
  postgresSyncSchema,
} from './postgres-config.js';
import { PostgresDestination } from './postgres-destination.js';

/** Returns a hash of the URL and schema, safe to log although the URL may contain a password. */
function postgresAccountKey(account: PostgresAccount): string {
  const hash = createHash('sha256').update(`${account.url}\n${account.schema}`).digest('hex');
  return `postgres:${hash.slice(0, 16)}`;
}

/** Registers the URL's password with the redactor, even when sluice.yml spells it out. */
function registerPassword(url: string): void {
  if (!URL.canParse(url)) return;
  const password = new URL(url).password;
  redactor.add(password);
  try {
    redactor.add(decodeURIComponent(password));
  } catch {
    // Not valid percent-encoding: the raw form registered above is what appears in text.
  }
}

export const postgresDestinationType: DestinationType<PostgresAccount, PostgresSyncOptions> = {
  type: 'postgres',
  accountSchema: postgresAccountSchema,
  syncSchema: postgresSyncSchema,
  accountKey: postgresAccountKey,
  async open(account, options, context) {
    registerPassword(account.url);
    return new PostgresDestination(account, options, context);
  },
};
