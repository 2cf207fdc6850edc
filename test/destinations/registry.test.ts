import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/core/errors.js';
import { destinationTypes, getDestinationType } from '../../src/destinations/registry.js';

describe('destination registry', () => {
  it('lists every type by name', () => {
    expect([...destinationTypes.keys()]).toEqual(['file', 'webhook', 'postgres', 'sendgrid', 'mailchimp', 'braze', 'klaviyo', 'twilio', 'meta_custom_audience', 'google_customer_match', 'tiktok_audience']);
    for (const [name, type] of destinationTypes) expect(type.type).toBe(name);
  });

  it('returns a known type', () => {
    expect(getDestinationType('webhook').type).toBe('webhook');
  });

  it('names the supported types for an unknown one', () => {
    expect(() => getDestinationType('hubspot')).toThrow(
      '"hubspot" is not a supported destination type; use one of file, webhook, postgres, sendgrid, mailchimp, braze, klaviyo, twilio, meta_custom_audience, google_customer_match, tiktok_audience',
    );
    expect(() => getDestinationType('hubspot')).toThrow(SluiceError);
  });
});
