import type { SqlDialect } from '../warehouse/dialect.js';
import { IdentityError } from './identity-error.js';
import type { Transform } from './identity-config.js';

/**
 * Normalisation steps in two forms: SQL for the warehouse and JavaScript for values normalised
 * in Node (and for explaining a value a user typed). Both apply the same steps in the same order.
 * NOTE: `\s` in a pattern means ASCII whitespace in RE2 but also Unicode spaces in JavaScript,
 * so `trim` and patterns using `\s` can differ on values with non-breaking spaces.
 */

/** Applies transforms to a text expression in SQL. Raises when `nfc` is not available in SQL. */
export function transformSql(sql: SqlDialect, expr: string, transforms: Transform[]): string {
  let result = expr;
  for (const transform of transforms) {
    if (typeof transform === 'object') {
      const { pattern, replacement } = transform.regex_replace;
      result = sql.regexpReplaceAll(result, pattern, replacement);
      continue;
    }
    switch (transform) {
      case 'trim':
        result = sql.trimWhitespace(result);
        break;
      case 'lower':
        result = sql.lowerText(result);
        break;
      case 'upper':
        result = sql.upperText(result);
        break;
      case 'digits_only':
        result = sql.regexpReplaceAll(result, '[^0-9]', '');
        break;
      case 'nfc':
        if (sql.nfcNormalize === undefined) {
          throw new IdentityError('The warehouse has no Unicode NFC function, so the nfc transform cannot run in SQL here.');
        }
        result = sql.nfcNormalize(result);
        break;
    }
  }
  return result;
}

/** Applies transforms to one value in JavaScript. */
export function transformValue(value: string, transforms: Transform[]): string {
  let result = value;
  for (const transform of transforms) {
    if (typeof transform === 'object') {
      const { pattern, replacement } = transform.regex_replace;
      // A function as replacement keeps `$` in the replacement literal, as in SQL.
      result = result.replace(new RegExp(pattern, 'g'), () => replacement);
      continue;
    }
    switch (transform) {
      case 'trim':
        result = result.replace(/^\s+|\s+$/g, '');
        break;
      case 'lower':
        result = result.toLowerCase();
        break;
      case 'upper':
        result = result.toUpperCase();
        break;
      case 'digits_only':
        result = result.replace(/[^0-9]/g, '');
        break;
      case 'nfc':
        result = result.normalize('NFC');
        break;
    }
  }
  return result;
}

/** Email normalisation: trim, Unicode NFC, then lower case. */
export const EMAIL_TRANSFORMS: Transform[] = ['trim', 'nfc', 'lower'];
