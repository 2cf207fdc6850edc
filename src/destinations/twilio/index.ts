import { createTwilioDestinationType } from './twilio-type.js';

export { type TwilioDependencies, createTwilioDestinationType } from './twilio-type.js';
export {
  type TwilioAccount,
  type TwilioSyncOptions,
  twilioAccountSchema,
  twilioSyncSchema,
} from './twilio-config.js';

/**
 * The Twilio destination type without a suppression list. The engine should register
 * `createTwilioDestinationType({ suppressionList })` with the state store's list instead.
 */
export const twilioDestinationType = createTwilioDestinationType();
