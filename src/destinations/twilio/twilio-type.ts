import type { CountryCode } from 'libphonenumber-js';
import { redactor } from '../../core/redact.js';
import type { SuppressionList } from '../../suppression/suppression-list.js';
import { checkTemplateAgainstMapping } from '../../templates/check-template.js';
import { loadMessageTemplate } from '../../templates/load-template.js';
import type { DestinationType } from '../destination.js';
import {
  type TwilioAccount,
  type TwilioSyncOptions,
  twilioAccountSchema,
  twilioSyncSchema,
} from './twilio-config.js';
import { TwilioDestination } from './twilio-destination.js';

/** Services the Twilio destination takes from outside its config. */
export interface TwilioDependencies {
  /**
   * Checked before each send and given the (sender, recipient) pair of every 21610. Without
   * one, opted-out recipients are found only by Twilio's own 21610 rejections.
   */
  suppressionList?: SuppressionList;
}

/** Returns the limiter key: every sync that sends through one Account SID shares a budget. */
function twilioAccountKey(account: TwilioAccount): string {
  return `twilio:${account.account_sid}`;
}

/**
 * Registers the auth token with the redactor, and the Basic credentials built from it, so that
 * no log or error shows either, even when the token was written into sluice.yml.
 */
function registerTwilioSecrets(account: TwilioAccount): void {
  redactor.add(account.auth_token);
  const credentials = `${account.account_sid}:${account.auth_token}`;
  redactor.add(Buffer.from(credentials).toString('base64'));
}

/**
 * Returns the Twilio destination type. The template is read and compiled once when a sync
 * opens the destination; a missing or invalid template fails the sync before anything is sent.
 */
export function createTwilioDestinationType(
  dependencies: TwilioDependencies = {},
): DestinationType<TwilioAccount, TwilioSyncOptions> {
  return {
    type: 'twilio',
    accountSchema: twilioAccountSchema,
    syncSchema: twilioSyncSchema,
    accountKey: twilioAccountKey,
    async checkSync(options, sync) {
      return checkTemplateAgainstMapping(sync.projectDir, options.template, { channel: 'sms' }, sync.mappedFields);
    },
    async open(account, options, context) {
      registerTwilioSecrets(account);
      const template = await loadMessageTemplate(context.projectDir, options.template, {
        channel: 'sms',
        locale: options.locale,
        timeZone: options.time_zone,
      });
      const suppressionList = dependencies.suppressionList ?? context.suppressions;
      if (!suppressionList) {
        context.logger.log('warn', 'twilio.suppression_list_missing', {
          sync: context.syncName,
          note: 'recipients are not checked against a suppression list before sending',
        });
      }

      return new TwilioDestination({
        account,
        template,
        rules: {
          recipient: {
            toField: options.to_field,
            countryField: options.country_field,
            defaultCountry: options.default_country as CountryCode | undefined,
          },
          maxSegments: options.max_segments,
        },
        context,
        accountKey: twilioAccountKey(account),
        suppressionList,
      });
    },
  };
}
