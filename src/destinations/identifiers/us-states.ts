/**
 * United States states, the District of Columbia and the inhabited territories, by ANSI
 * (USPS) two-letter code. Meta expects US states as these codes in lower case.
 */
const US_STATES: Record<string, string> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  AS: 'American Samoa',
  GU: 'Guam',
  MP: 'Northern Mariana Islands',
  PR: 'Puerto Rico',
  VI: 'U.S. Virgin Islands',
};

const lettersOnly = (text: string): string => text.toLowerCase().replace(/[^a-z]/g, '');

const CODES_BY_NAME = new Map(
  Object.entries(US_STATES).map(([code, name]) => [lettersOnly(name), code.toLowerCase()]),
);

/**
 * Returns the lower-case two-letter code of a US state given as a code ("TX", "tx") or a name
 * ("Texas", "new york"), or undefined when it is neither.
 */
export function usStateCode(text: string): string | undefined {
  const letters = lettersOnly(text);
  if (letters.length === 2 && US_STATES[letters.toUpperCase()] !== undefined) return letters;
  return CODES_BY_NAME.get(letters);
}
