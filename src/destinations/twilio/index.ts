import { createTwilioDestinationType } from './twilio-type.js';

export { type TwilioDependencies, createTwilioDestinationType } from './twilio-type.js';
export {
  type TwilioAccount,
  type TwilioSyncOptions,
  twilioAccountSchema,
  twilioSyncSchema,
} from './twilio-config.js';

/** The Twilio destination type; it checks the suppression list the engine passes in its context. */
export const twilioDestinationType = createTwilioDestinationType();
