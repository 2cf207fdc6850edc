import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { extractGoogleIdentifiers } from '../../../src/destinations/identifiers/google-identifiers.js';
import { extractMetaIdentifiers } from '../../../src/destinations/identifiers/meta-identifiers.js';
import { extractTikTokIdentifiers } from '../../../src/destinations/identifiers/tiktok-identifiers.js';

/** Computes the expected hash here rather than with the code under test. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('Google identifiers', () => {
  it.each([
    [{ email: ' Jane.Doe+promo@GoogleMail.com ' }, 'janedoe@googlemail.com'],
    [{ email: 'Bob.Smith+x@example.com' }, 'bob.smith+x@example.com'],
  ])('hashes the normalised email of %j', (row, normalized) => {
    const result = extractGoogleIdentifiers(row, 'CONTACT_INFO', undefined);
    expect(result.identifiers).toEqual({
      userData: { userIdentifiers: [{ emailAddress: sha256(normalized) }] },
    });
    expect(result.dropped).toEqual([]);
  });

  it.each([
    [{ phone: '+1 (202) 555-0143' }, undefined],
    [{ phone: '(202) 555-0143', country: 'US' }, undefined],
    [{ phone: '(202) 555-0143', country_code: 'us' }, undefined],
    [{ phone: '(202) 555-0143' }, 'US'],
  ])('hashes %j with default country %s as +12025550143', (row, defaultCountry) => {
    const result = extractGoogleIdentifiers(row, 'CONTACT_INFO', defaultCountry);
    const identifiers = result.identifiers;
    expect(
      identifiers && 'userData' in identifiers ? identifiers.userData.userIdentifiers : [],
    ).toContainEqual({
      phoneNumber: sha256('+12025550143'),
    });
  });

  it('hashes the worked example +1 800 5550101', () => {
    const result = extractGoogleIdentifiers({ phone: '+1 800 5550101' }, 'CONTACT_INFO', undefined);
    expect(result.identifiers).toEqual({
      userData: { userIdentifiers: [{ phoneNumber: sha256('+18005550101') }] },
    });
  });

  it('sends an address with country and zip in clear text', () => {
    const row = { first_name: 'Mrs. Jane', last_name: 'Doe', country: 'us', zip: '94035' };
    const result = extractGoogleIdentifiers(row, 'CONTACT_INFO', undefined);
    expect(result.identifiers).toEqual({
      userData: {
        userIdentifiers: [
          {
            address: {
              givenName: sha256('jane'),
              familyName: sha256('doe'),
              regionCode: 'US',
              postalCode: '94035',
            },
          },
        ],
      },
    });
  });

  it('reports an incomplete address', () => {
    const row = { email: 'ana@example.com', first_name: 'Ana', zip: '94035' };
    const result = extractGoogleIdentifiers(row, 'CONTACT_INFO', undefined);
    expect(result.identifiers).toEqual({
      userData: { userIdentifiers: [{ emailAddress: sha256('ana@example.com') }] },
    });
    expect(result.dropped).toEqual([
      'address left out: Google needs first_name, last_name, country and zip; ' +
        'missing last_name, country',
    ]);
  });

  it('sends mobile IDs unhashed for a mobile ID list', () => {
    const row = { mobile_id: 'AEBE52E7-03EE-455A-B3C4-E57283966239' };
    const result = extractGoogleIdentifiers(row, 'MOBILE_ADVERTISING_ID', undefined);
    expect(result.identifiers).toEqual({
      mobileData: { mobileIds: ['aebe52e7-03ee-455a-b3c4-e57283966239'] },
    });
  });

  it('reports fields it does not use', () => {
    const result = extractGoogleIdentifiers({ emial: 'x@example.com' }, 'CONTACT_INFO', undefined);
    expect(result.identifiers).toBeUndefined();
    expect(result.ignoredFields).toEqual(['emial']);
  });
});

describe('Meta identifiers', () => {
  it('hashes each key by Meta rules', () => {
    const row = {
      email: ' Jane.Doe+promo@GoogleMail.com ',
      phone: '+1 (202) 555-0143',
      first_name: 'Jane',
      last_name: "O'Brien",
      city: 'San Francisco',
      state: 'California',
      zip: '94105-1234',
      country: 'United States',
      gender: 'female',
      date_of_birth: '1985-07-04',
      madid: 'AEBE52E7-03EE-455A-B3C4-E57283966239',
      external_id: ' crm-42 ',
    };
    const result = extractMetaIdentifiers(row, undefined);
    expect(result.dropped).toEqual([]);
    expect(result.identifiers).toEqual({
      EMAIL: sha256('jane.doe+promo@googlemail.com'),
      PHONE: sha256('12025550143'),
      FN: sha256('jane'),
      LN: sha256('obrien'),
      CT: sha256('sanfrancisco'),
      ST: sha256('ca'),
      ZIP: sha256('94105'),
      COUNTRY: sha256('us'),
      GEN: sha256('f'),
      DOBY: sha256('1985'),
      DOBM: sha256('07'),
      DOBD: sha256('04'),
      MADID: 'aebe52e7-03ee-455a-b3c4-e57283966239',
      EXTERN_ID: 'crm-42',
    });
  });

  it('reads a national phone number in the row country', () => {
    const result = extractMetaIdentifiers({ phone: '020 7183 8750', country: 'GB' }, undefined);
    expect(result.identifiers?.PHONE).toBe(sha256('442071838750'));
  });

  it('drops a placeholder phone and keeps the email', () => {
    const result = extractMetaIdentifiers(
      { phone: '+0000000000', email: 'li.wei@example.com' },
      undefined,
    );
    expect(result.identifiers).toEqual({ EMAIL: sha256('li.wei@example.com') });
    expect(result.dropped).toEqual(['phone is not a valid phone number']);
  });

  it('passes values already hashed through', () => {
    const hashed = sha256('ana.reyes@example.com');
    const result = extractMetaIdentifiers({ email: hashed.toUpperCase() }, undefined);
    expect(result.identifiers).toEqual({ EMAIL: hashed });
  });

  it('drops values of the wrong type', () => {
    const result = extractMetaIdentifiers({ email: ['a@example.com'], phone: true }, undefined);
    expect(result.identifiers).toBeUndefined();
    expect(result.dropped).toEqual([
      'email must be text or a number, not a list',
      'phone must be text or a number, not a boolean',
    ]);
  });

  it('reports an invalid country_code and falls back to the default', () => {
    const result = extractMetaIdentifiers({ phone: '(202) 555-0143', country_code: 'XX' }, 'US');
    expect(result.identifiers).toEqual({ PHONE: sha256('12025550143') });
    expect(result.dropped).toEqual([
      'country_code is not an ISO 3166-1 alpha-2 code or an English country name',
    ]);
  });
});

describe('TikTok identifiers', () => {
  it('strips email tags on every domain and writes phones as digits', () => {
    const row = { email: ' Bob.Smith+x@Example.com ', phone: '(657)777-0000', country_code: 'US' };
    const result = extractTikTokIdentifiers(row, undefined);
    expect(result.identifiers).toEqual({
      EMAIL_SHA256: sha256('bob.smith@example.com'),
      PHONE_SHA256: sha256('16577770000'),
    });
  });

  it('hashes the international example 374-93-828222', () => {
    const result = extractTikTokIdentifiers({ phone: '+374 93 828222' }, undefined);
    expect(result.identifiers).toEqual({ PHONE_SHA256: sha256('37493828222') });
  });

  it('hashes IDFA in upper case and GAID in lower case', () => {
    const row = {
      idfa: 'aebe52e7-03ee-455a-b3c4-e57283966239',
      gaid: '38400000-8CF0-11BD-B23E-10B96E40000D',
    };
    const result = extractTikTokIdentifiers(row, undefined);
    expect(result.identifiers).toEqual({
      IDFA_SHA256: sha256('AEBE52E7-03EE-455A-B3C4-E57283966239'),
      GAID_SHA256: sha256('38400000-8cf0-11bd-b23e-10b96e40000d'),
    });
  });
});
