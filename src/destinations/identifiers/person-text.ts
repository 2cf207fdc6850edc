import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

const PUNCTUATION_AND_SYMBOLS = /[\p{P}\p{S}]/gu;

/** Given-name prefixes and family-name suffixes that Google's formatting rules exclude. */
const NAME_PREFIXES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr']);
const NAME_SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv']);

/**
 * Normalises a first or last name for Meta: lower case, punctuation and symbols removed, runs of
 * whitespace collapsed to one space. Letters outside a-z are kept as UTF-8, as Meta allows.
 * Source: https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
 * NOTE: Meta does not say whether spaces inside a name stay; this keeps them, as Meta's own
 * Node SDK does.
 */
export function normalizeMetaName(text: string, field: string): NormalizedValue {
  const name = collapse(text.toLowerCase().replace(PUNCTUATION_AND_SYMBOLS, ''));
  return name === '' ? dropped(`${field} is empty once punctuation is removed`) : accepted(name);
}

/**
 * Normalises a city for Meta: lower case, with spaces, digits, punctuation and symbols removed
 * ("San Francisco" becomes "sanfrancisco"). Source as for names.
 */
export function normalizeMetaCity(text: string, field: string): NormalizedValue {
  const city = text.toLowerCase().replace(/[\s\p{P}\p{S}\p{N}]/gu, '');
  return city === '' ? dropped(`${field} contains no letters`) : accepted(city);
}

/**
 * Normalises a given or family name for Google: lower case, without punctuation or surrounding
 * whitespace, and without a title such as "Mrs." before a given name or "Jr." after a family
 * name. Source: https://developers.google.com/data-manager/api/devguides/concepts/formatting
 */
export function normalizeGoogleName(
  text: string,
  part: 'given' | 'family',
  field: string,
): NormalizedValue {
  const words = collapse(text.toLowerCase().replace(PUNCTUATION_AND_SYMBOLS, '')).split(' ');
  if (part === 'given' && words.length > 1 && NAME_PREFIXES.has(words[0] ?? '')) words.shift();
  if (part === 'family' && words.length > 1 && NAME_SUFFIXES.has(words.at(-1) ?? '')) words.pop();

  const name = words.join(' ');
  return name === '' ? dropped(`${field} is empty once punctuation is removed`) : accepted(name);
}

function collapse(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}
