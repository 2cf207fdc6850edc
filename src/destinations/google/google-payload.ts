import type { AudienceAction } from '../identifiers/audience-members.js';
import type { GoogleMemberData } from '../identifiers/google-identifiers.js';
import type { GoogleAccount, GoogleSyncOptions } from './google-config.js';

/**
 * The JSON body of audienceMembers:ingest and audienceMembers:remove. Hashes are hex, so
 * `encoding` is HEX. Consent applies to adds only; the remove request has no consent field.
 * Sources: https://developers.google.com/data-manager/api/reference/rest/v1/audienceMembers/remove
 * and https://developers.google.com/data-manager/api/reference/rest/v1/Destination
 */
export interface GoogleMembersBody {
  destinations: {
    operatingAccount: { accountType: string; accountId: string };
    loginAccount?: { accountType: string; accountId: string };
    productDestinationId: string;
  }[];
  audienceMembers: GoogleMemberData[];
  encoding: 'HEX';
  consent?: { adUserData: ConsentStatus; adPersonalization: ConsentStatus };
}

type ConsentStatus = 'CONSENT_GRANTED' | 'CONSENT_DENIED';

export function buildGoogleMembersBody(
  action: AudienceAction,
  members: GoogleMemberData[],
  account: GoogleAccount,
  options: GoogleSyncOptions,
): GoogleMembersBody {
  const destination: GoogleMembersBody['destinations'][number] = {
    operatingAccount: {
      accountType: options.operating_account_type,
      accountId: options.operating_account_id,
    },
    productDestinationId: options.audience_id,
  };
  if (account.login_account_id !== undefined) {
    destination.loginAccount = {
      accountType: account.login_account_type,
      accountId: account.login_account_id,
    };
  }

  const body: GoogleMembersBody = {
    destinations: [destination],
    audienceMembers: members,
    encoding: 'HEX',
  };
  if (action === 'add' && options.consent) {
    body.consent = {
      adUserData: consentStatus(options.consent.ad_user_data),
      adPersonalization: consentStatus(options.consent.ad_personalization),
    };
  }
  return body;
}

function consentStatus(value: 'granted' | 'denied'): ConsentStatus {
  return value === 'granted' ? 'CONSENT_GRANTED' : 'CONSENT_DENIED';
}

/** Returns the request path for an action: ingest to add, remove to remove. */
export function membersPath(action: AudienceAction): string {
  return action === 'add' ? '/v1/audienceMembers:ingest' : '/v1/audienceMembers:remove';
}
