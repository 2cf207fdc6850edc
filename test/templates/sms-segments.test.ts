import { describe, expect, it } from 'vitest';
import { type SmsSegmentCount, countSmsSegments } from '../../src/templates/sms-segments.js';

function gsm7(segments: number, units: number): SmsSegmentCount {
  return { encoding: 'GSM-7', segments, units };
}

function ucs2(segments: number, units: number): SmsSegmentCount {
  return { encoding: 'UCS-2', segments, units };
}

describe('countSmsSegments with GSM-7', () => {
  it('counts an empty body as no segments', () => {
    expect(countSmsSegments('')).toEqual(gsm7(0, 0));
  });

  it('fits 160 plain ASCII characters in one segment', () => {
    expect(countSmsSegments('a'.repeat(160))).toEqual(gsm7(1, 160));
  });

  it('splits 161 characters into two segments', () => {
    expect(countSmsSegments('a'.repeat(161))).toEqual(gsm7(2, 161));
  });

  it('uses 153 septets per concatenated segment', () => {
    expect(countSmsSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSmsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts the euro sign as two septets', () => {
    expect(countSmsSegments('€')).toEqual(gsm7(1, 2));
    expect(countSmsSegments('€'.repeat(80))).toEqual(gsm7(1, 160));
    expect(countSmsSegments(`${'a'.repeat(159)}€`)).toEqual(gsm7(2, 161));
  });

  it('counts every extension character as two septets', () => {
    for (const character of ['{', '}', '[', ']', '~', '\\', '|', '^', '€', '\f']) {
      expect(countSmsSegments(character), character).toEqual(gsm7(1, 2));
    }
  });

  it('keeps basic-table accents and Greek letters in GSM-7', () => {
    const text = 'Ä Ö Ñ Ü § ¿ ä ö ñ ü à é è ù ì ò É Å å Ø ø Æ æ ß Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ £ ¥ ¤ ¡ @ _';
    const count = countSmsSegments(text);
    expect(count.encoding).toBe('GSM-7');
    expect(count.units).toBe([...text].length);
  });

  it('never splits an escape pair across segments', () => {
    // 306 septets would fit two segments, but the euro sign's two septets do not fit into
    // the one septet left in the first segment, so it starts the second.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(countSmsSegments(text)).toEqual(gsm7(3, 306));
  });
});

describe('countSmsSegments with UCS-2', () => {
  it('switches to UCS-2 for an emoji', () => {
    expect(countSmsSegments('Thanks 😀')).toEqual(ucs2(1, 9));
  });

  it('fits 70 UCS-2 code units in one segment', () => {
    expect(countSmsSegments('ж'.repeat(70))).toEqual(ucs2(1, 70));
  });

  it('splits 71 UCS-2 code units into two segments', () => {
    expect(countSmsSegments('ж'.repeat(71))).toEqual(ucs2(2, 71));
  });

  it('uses 67 code units per concatenated segment', () => {
    expect(countSmsSegments('ж'.repeat(134)).segments).toBe(2);
    expect(countSmsSegments('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two code units', () => {
    expect(countSmsSegments(`${'a'.repeat(68)}😀`)).toEqual(ucs2(1, 70));
    expect(countSmsSegments(`${'a'.repeat(69)}😀`)).toEqual(ucs2(2, 71));
  });

  it('never splits a surrogate pair across segments', () => {
    const text = `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`;
    expect(countSmsSegments(text)).toEqual(ucs2(3, 134));
  });

  it('counts GSM extension characters as one unit once in UCS-2', () => {
    expect(countSmsSegments('€ж')).toEqual(ucs2(1, 2));
  });
});
