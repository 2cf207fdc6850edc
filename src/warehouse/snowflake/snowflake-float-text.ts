/**
 * Builds the canonical text of a FLOAT, which is JavaScript's String(number): 3, 0.000001, 1e-7,
 * 123456789012345680000, 1e+21.
 *
 * TO_VARCHAR prints the same shortest round-trip digits but with its own notation: `3.0`, a
 * zero-padded exponent (`1e-07`) and exponents over a wider range of magnitudes (fakesnow 0.12,
 * which prints as DuckDB does, writes `1e-06` and `1e+16`). So the text is split into sign, first
 * digit, further digits and exponent, and laid out again by JavaScript's rule: plain notation for
 * exponents from -7 (exclusive) to 21 (exclusive), scientific notation otherwise.
 *
 * NOTE: checked on fakesnow only. Real Snowflake's TO_VARCHAR has not been compared digit for
 * digit; if it prints more than the shortest round-trip digits, floats hash differently there.
 */
export function floatCanonicalText(expr: string): string {
  const text = `TO_VARCHAR(${expr}::FLOAT)`;
  return `CASE WHEN REGEXP_INSTR(${text}, 'e') > 0 THEN ${fromScientific(text)} ELSE ${fromPlain(text)} END`;
}

/** Plain text from TO_VARCHAR, such as `3.0`, `-0.0` or `0.5`: drops a `.0` and the sign of zero. */
function fromPlain(text: string): string {
  const withoutPointZero = `REGEXP_REPLACE(${text}, '[.]0$', '')`;
  return `CASE WHEN ${withoutPointZero} = '-0' THEN '0' ELSE ${withoutPointZero} END`;
}

/** Scientific text from TO_VARCHAR, such as `-1.25e-07`, laid out again as String(number) would. */
function fromScientific(text: string): string {
  const part = (group: number) => `REGEXP_REPLACE(${text}, '^(-?)([0-9])[.]?([0-9]*)e([-+]?[0-9]+)$', '\\\\${group}')`;
  const sign = part(1);
  const first = part(2);
  const rest = part(3);
  const exponent = `(${part(4)})::INT`;

  // 1.25e+20 is 125 followed by 18 zeros, and 1.25e+1 is 12.5.
  const positivePlain =
    `CASE WHEN LENGTH(${rest}) <= ${exponent} ` +
    `THEN ${sign} || ${first} || ${rest} || REPEAT('0', ${exponent} - LENGTH(${rest})) ` +
    `ELSE ${sign} || ${first} || LEFT(${rest}, ${exponent}) || '.' || SUBSTR(${rest}, ${exponent} + 1) END`;
  // 1.25e-6 is 0.00000125.
  const negativePlain = `${sign} || '0.' || REPEAT('0', -${exponent} - 1) || ${first} || ${rest}`;
  const mantissa = `${first} || CASE WHEN ${rest} = '' THEN '' ELSE '.' || ${rest} END`;
  const scientific = `${sign} || ${mantissa} || 'e' || CASE WHEN ${exponent} > 0 THEN '+' ELSE '-' END || TO_VARCHAR(ABS(${exponent}))`;

  return (
    `CASE WHEN ${exponent} >= 21 OR ${exponent} <= -7 THEN ${scientific} ` +
    `WHEN ${exponent} >= 0 THEN ${positivePlain} ELSE ${negativePlain} END`
  );
}
