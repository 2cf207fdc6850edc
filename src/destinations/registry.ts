import { SluiceError } from '../core/errors.js';
import type { DestinationType } from './destination.js';
import { fileDestinationType } from './file/file-type.js';
import { postgresDestinationType } from './postgres/postgres-type.js';
import { webhookDestinationType } from './webhook/webhook-type.js';
import { brazeDestinationType } from './braze/index.js';
import { klaviyoDestinationType } from './klaviyo/index.js';
import { mailchimpDestinationType } from './mailchimp/index.js';
import { sendgridDestinationType } from './sendgrid/index.js';
import { twilioDestinationType } from './twilio/index.js';
import { googleDestinationType } from './google/index.js';
import { metaDestinationType } from './meta/index.js';
import { tiktokDestinationType } from './tiktok/index.js';

/**
 * A destination type with its config types erased. Each entry's schemas produce exactly what
 * its own `open` expects, so callers pass the parsed config straight through.
 */
export type AnyDestinationType = DestinationType<any, any>;

/** Every supported destination type, by the name used as `type` in sluice.yml. */
export const destinationTypes: ReadonlyMap<string, AnyDestinationType> = new Map<
  string,
  AnyDestinationType
>([
  [fileDestinationType.type, fileDestinationType],
  [webhookDestinationType.type, webhookDestinationType],
  [postgresDestinationType.type, postgresDestinationType],
  [sendgridDestinationType.type, sendgridDestinationType],
  [mailchimpDestinationType.type, mailchimpDestinationType],
  [brazeDestinationType.type, brazeDestinationType],
  [klaviyoDestinationType.type, klaviyoDestinationType],
  [twilioDestinationType.type, twilioDestinationType],
  [metaDestinationType.type, metaDestinationType],
  [googleDestinationType.type, googleDestinationType],
  [tiktokDestinationType.type, tiktokDestinationType],
]);

/**
 * Returns the destination type called `name`. Throws a SluiceError (code
 * `destination_type_unknown`) listing the supported types when there is none; config
 * validation reports its message after the path of the `type` field.
 */
export function getDestinationType(name: string): AnyDestinationType {
  const type = destinationTypes.get(name);
  if (type) return type;

  const supported = [...destinationTypes.keys()].join(', ');
  throw new SluiceError(
    'destination_type_unknown',
    `${JSON.stringify(name)} is not a supported destination type; use one of ${supported}`,
  );
}
