import { describe, expect, it } from 'vitest';
import { type FormParam, computeTwilioSignature, isValidTwilioSignature } from '../../src/inbound/twilio-signature.js';

// Golden vectors from Twilio's helper libraries (twilio-php tests/unit/Security/RequestValidatorTest),
// which sign these parameters with the auth token 12345.
const AUTH_TOKEN = '12345';
const URL_WITH_QUERY = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS: FormParam[] = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675309'],
  ['Digits', '1234'],
  ['From', '+14158675309'],
  ['To', '+18005551212'],
];
const DOCUMENTED_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe('computeTwilioSignature', () => {
  it('matches the documented vector', () => {
    expect(computeTwilioSignature(AUTH_TOKEN, URL_WITH_QUERY, PARAMS)).toBe(DOCUMENTED_SIGNATURE);
  });

  it('ignores the order parameters arrive in', () => {
    const shuffled = [PARAMS[3]!, PARAMS[0]!, PARAMS[4]!, PARAMS[2]!, PARAMS[1]!];
    expect(computeTwilioSignature(AUTH_TOKEN, URL_WITH_QUERY, shuffled)).toBe(DOCUMENTED_SIGNATURE);
  });

  it('signs repeated names once per distinct value', () => {
    const repeated: FormParam[] = [
      ['Sid', 'CA123'],
      ['SidAccount', 'AC123'],
      ['Digits', '5678'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ];
    expect(computeTwilioSignature(AUTH_TOKEN, URL_WITH_QUERY, repeated)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('changes with each input', () => {
    expect(computeTwilioSignature('54321', URL_WITH_QUERY, PARAMS)).not.toBe(DOCUMENTED_SIGNATURE);
    expect(computeTwilioSignature(AUTH_TOKEN, `${URL_WITH_QUERY}&x=1`, PARAMS)).not.toBe(DOCUMENTED_SIGNATURE);
    const tampered = PARAMS.map(([name, value]): FormParam => [name, name === 'Digits' ? '9999' : value]);
    expect(computeTwilioSignature(AUTH_TOKEN, URL_WITH_QUERY, tampered)).not.toBe(DOCUMENTED_SIGNATURE);
  });
});

describe('isValidTwilioSignature', () => {
  it('accepts the documented vector', () => {
    expect(isValidTwilioSignature(AUTH_TOKEN, DOCUMENTED_SIGNATURE, URL_WITH_QUERY, PARAMS)).toBe(true);
  });

  it('rejects a missing, empty or wrong signature', () => {
    expect(isValidTwilioSignature(AUTH_TOKEN, undefined, URL_WITH_QUERY, PARAMS)).toBe(false);
    expect(isValidTwilioSignature(AUTH_TOKEN, '', URL_WITH_QUERY, PARAMS)).toBe(false);
    expect(isValidTwilioSignature(AUTH_TOKEN, 'FAIL', URL_WITH_QUERY, PARAMS)).toBe(false);
    expect(isValidTwilioSignature('54321', DOCUMENTED_SIGNATURE, URL_WITH_QUERY, PARAMS)).toBe(false);
  });

  // The same library's tests: Twilio may sign with or without the port the request shows.
  it.each([
    ['a URL with a port, signed without it', 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', DOCUMENTED_SIGNATURE],
    ['an https URL signed with port 443', URL_WITH_QUERY, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
    ['an http URL signed with port 80', 'http://mycompany.com/myapp.php?foo=1&bar=2', '0ZXoZLH/DfblKGATFgpif+LLRf4='],
    ['an http URL with its port signed as is', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='],
    ['user info signed with port 443', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='],
  ])('accepts %s', (_case, url, signature) => {
    expect(isValidTwilioSignature(AUTH_TOKEN, signature, url, PARAMS)).toBe(true);
  });

  it('keeps the host as written when trying ports', () => {
    const mixedCase = 'https://MyCompany.com:1234/myapp.php?foo=1&bar=2';
    const signature = computeTwilioSignature(AUTH_TOKEN, 'https://MyCompany.com/myapp.php?foo=1&bar=2', PARAMS);
    expect(isValidTwilioSignature(AUTH_TOKEN, signature, mixedCase, PARAMS)).toBe(true);
  });
});
