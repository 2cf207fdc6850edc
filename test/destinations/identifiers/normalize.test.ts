import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  countryCodes,
  normalizeCountryCode,
} from '../../../src/destinations/identifiers/country.js';
import {
  normalizeGender,
  parseBirthDate,
} from '../../../src/destinations/identifiers/demographics.js';
import { normalizeEmail } from '../../../src/destinations/identifiers/email.js';
import { normalizeMobileId } from '../../../src/destinations/identifiers/mobile-id.js';
import {
  normalizeGoogleName,
  normalizeMetaCity,
  normalizeMetaName,
} from '../../../src/destinations/identifiers/person-text.js';
import { e164Digits, normalizePhoneE164 } from '../../../src/destinations/identifiers/phone.js';
import {
  normalizeGooglePostalCode,
  normalizeMetaZip,
} from '../../../src/destinations/identifiers/postal-code.js';
import {
  isSha256Hex,
  readPrehashed,
  sha256Hex,
} from '../../../src/destinations/identifiers/sha256.js';
import { usStateCode } from '../../../src/destinations/identifiers/us-states.js';

const GOOGLE = { removeInnerWhitespace: true, plusTag: 'gmail', gmailDots: true } as const;
const META = { removeInnerWhitespace: false, plusTag: 'none', gmailDots: false } as const;
const TIKTOK = { removeInnerWhitespace: false, plusTag: 'all', gmailDots: false } as const;

function expectValue(result: { ok: boolean; value?: string }, value: string): void {
  expect(result).toEqual({ ok: true, value });
}

function independentSha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}

describe('email normalisation', () => {
  it.each([
    [' Jane.Doe+promo@GoogleMail.com ', GOOGLE, 'janedoe@googlemail.com'],
    ['cloudy.sanfrancisco+shopping@gmail.com', GOOGLE, 'cloudysanfrancisco@gmail.com'],
    ['Bob.Smith+x@example.com', GOOGLE, 'bob.smith+x@example.com'],
    ['user.name+NYC@Example.com', GOOGLE, 'user.name+nyc@example.com'],
    ['  ana reyes@example.com', GOOGLE, 'anareyes@example.com'],
    [' Jane.Doe+promo@GoogleMail.com ', META, 'jane.doe+promo@googlemail.com'],
    ['Bob.Smith+x@Example.com', TIKTOK, 'bob.smith@example.com'],
    ['ÉLODIE@Exemple.FR', META, 'élodie@exemple.fr'],
    ['\u00a0Li.Wei@Example.com\u2003', META, 'li.wei@example.com'],
  ])('normalises %j', (input, rules, expected) => {
    expectValue(normalizeEmail(input, rules), expected);
  });

  it.each([['n/a'], ['-'], ['ana@example'], ['ana reyes@example.com'], ['@example.com']])(
    'drops %j',
    (input) => {
      const result = normalizeEmail(input, META);
      expect(result.ok).toBe(false);
      expect(result).toMatchObject({ reason: 'email is not a valid email address' });
    },
  );

  it('drops an address that is only a tag', () => {
    expect(normalizeEmail('+promo@example.com', TIKTOK)).toEqual({
      ok: false,
      reason: 'email has an empty user name once its tag is removed',
    });
  });
});

describe('phone normalisation', () => {
  it.each([
    ['+1 800 5550101', undefined, '+18005550101'],
    ['+1 (202) 555-0143', undefined, '+12025550143'],
    ['(202) 555-0143', 'US', '+12025550143'],
    ['+1 202 555 0143', 'GB', '+12025550143'],
    ['020 7183 8750', 'GB', '+442071838750'],
    ['0044 20 7183 8750', 'GB', '+442071838750'],
    ['(657)777-0000', 'US', '+16577770000'],
    ['+374 93 828222', undefined, '+37493828222'],
    ['+1 (202) 555-0143 ext. 12', undefined, '+12025550143'],
  ] as const)('normalises %j in %s to E.164', (input, region, expected) => {
    expectValue(normalizePhoneE164(input, region), expected);
  });

  it.each([
    ['+0000000000', undefined, 'phone is not a valid phone number'],
    ['0000000000', 'US', 'phone is not a valid phone number for country US'],
    ['555-0100', 'US', 'phone is not a valid phone number for country US'],
    ['---', 'US', 'phone contains no digits'],
    ['(202) 555-0143', undefined, 'phone has no country code'],
  ] as const)('drops %j in %s', (input, region, reason) => {
    const result = normalizePhoneE164(input, region);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('writes E.164 as digits for Meta and TikTok', () => {
    expect(e164Digits('+16577770000')).toBe('16577770000');
    expect(e164Digits('+37493828222')).toBe('37493828222');
  });
});

describe('country normalisation', () => {
  it.each([
    ['us', 'US'],
    [' GB ', 'GB'],
    ['United States', 'US'],
    ['united kingdom', 'GB'],
    ['UK', 'GB'],
    ['Côte d’Ivoire', 'CI'],
    ['Cote dIvoire', 'CI'],
    ['Germany', 'DE'],
  ])('normalises %j', (input, expected) => {
    expectValue(normalizeCountryCode(input), expected);
  });

  it.each([['ZZ'], ['EU'], ['Atlantis'], ['']])('drops %j', (input) => {
    expect(normalizeCountryCode(input).ok).toBe(false);
  });

  it('lists 250 codes with English names', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    expect(countryCodes().size).toBe(250);
    for (const code of countryCodes()) expect(names.of(code), code).toBeTruthy();
  });
});

describe('name, city, state and zip normalisation', () => {
  it('normalises Meta names and cities', () => {
    expectValue(normalizeMetaName("  O'Brien-Smith ", 'last_name'), 'obriensmith');
    expectValue(normalizeMetaName('Mary  Ann', 'first_name'), 'mary ann');
    expectValue(normalizeMetaName('José', 'first_name'), 'josé');
    expectValue(normalizeMetaCity('San Francisco', 'city'), 'sanfrancisco');
    expectValue(normalizeMetaCity("St. John's 2", 'city'), 'stjohns');
    expect(normalizeMetaName('...', 'first_name').ok).toBe(false);
  });

  it('removes titles from Google names', () => {
    expectValue(normalizeGoogleName('Mrs. Jane', 'given', 'first_name'), 'jane');
    expectValue(normalizeGoogleName('Doe Jr.', 'family', 'last_name'), 'doe');
    expectValue(normalizeGoogleName('Dr', 'given', 'first_name'), 'dr');
    expectValue(normalizeGoogleName(' Mary Ann ', 'given', 'first_name'), 'mary ann');
  });

  it.each([
    ['Texas', 'tx'],
    ['TX', 'tx'],
    ['new york', 'ny'],
    ['District of Columbia', 'dc'],
    ['Bavaria', undefined],
  ])('reads US state %j', (input, expected) => {
    expect(usStateCode(input)).toBe(expected);
  });

  it.each([
    ['94035-1234', 'US', '94035'],
    ['94035', undefined, '94035'],
    ['SW1A 1AA', 'GB', 'sw1a1'],
    ['SW1A', 'GB', 'sw1a'],
    ['75 008', 'FR', '75008'],
  ])('normalises Meta zip %j in %s', (input, country, expected) => {
    expectValue(normalizeMetaZip(input, country, 'zip'), expected);
  });

  it('drops a zip that is not a US zip for a US row', () => {
    expect(normalizeMetaZip('SW1A 1AA', 'US', 'zip')).toEqual({
      ok: false,
      reason: 'zip is not a US zip code',
    });
  });

  it('normalises Google postal codes in clear text', () => {
    expectValue(normalizeGooglePostalCode(' 94035 ', 'US', 'zip'), '94035');
    expectValue(normalizeGooglePostalCode('94035 1234', 'US', 'zip'), '94035-1234');
    expectValue(normalizeGooglePostalCode('sw1a 1aa', 'GB', 'zip'), 'SW1A 1AA');
    expect(normalizeGooglePostalCode('ABCDE', 'US', 'zip').ok).toBe(false);
  });
});

describe('mobile IDs, gender and birth dates', () => {
  it('normalises mobile advertising IDs', () => {
    expectValue(
      normalizeMobileId(' AEBE52E7-03EE-455A-B3C4-E57283966239 ', 'madid'),
      'aebe52e7-03ee-455a-b3c4-e57283966239',
    );
    expect(normalizeMobileId('00000000-0000-0000-0000-000000000000', 'madid').ok).toBe(false);
    expect(normalizeMobileId('not-an-id', 'madid').ok).toBe(false);
  });

  it('reads gender and birth dates', () => {
    expectValue(normalizeGender('Female', 'gender'), 'f');
    expectValue(normalizeGender('M', 'gender'), 'm');
    expect(normalizeGender('x', 'gender').ok).toBe(false);
    expect(parseBirthDate('1985-07-04')).toEqual({ year: '1985', month: '07', day: '04' });
    expect(parseBirthDate('1985-07-04T00:00:00.000000Z')).toEqual({
      year: '1985',
      month: '07',
      day: '04',
    });
    expect(parseBirthDate('1985-02-30')).toBeUndefined();
    expect(parseBirthDate('04/07/1985')).toBeUndefined();
  });
});

describe('SHA-256 hashing', () => {
  it.each([
    ['janedoe@googlemail.com'],
    ['bob.smith+x@example.com'],
    ['+12025550143'],
    ['12025550143'],
    ['élodie@exemple.fr'],
  ])('hashes %j as lowercase hex of its UTF-8 bytes', (normalized) => {
    expect(sha256Hex(normalized)).toBe(independentSha256(normalized));
    expect(isSha256Hex(sha256Hex(normalized))).toBe(true);
  });

  it('matches a published digest', () => {
    // SHA-256 of "abc" from FIPS 180-2, appendix B.1.
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('passes a hash through instead of hashing it again', () => {
    const digest = independentSha256('ana.reyes@example.com');
    expect(readPrehashed(digest)).toBe(digest);
    expect(readPrehashed(` ${digest.toUpperCase()} `)).toBe(digest);
    expect(readPrehashed('ana.reyes@example.com')).toBeUndefined();
    expect(readPrehashed(digest.slice(1))).toBeUndefined();
  });
});
