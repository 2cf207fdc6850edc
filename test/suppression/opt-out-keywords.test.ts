import { describe, expect, it } from 'vitest';
import {
  HELP_KEYWORDS,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  classifyReply,
} from '../../src/suppression/opt-out-keywords.js';

describe('classifyReply opt-out keywords', () => {
  it('includes Twilio defaults and the FCC list', () => {
    for (const keyword of [
      'STOP',
      'STOPALL',
      'UNSUBSCRIBE',
      'CANCEL',
      'END',
      'QUIT',
      'REVOKE',
      'OPTOUT',
      'OPT OUT',
    ]) {
      expect(OPT_OUT_KEYWORDS, keyword).toContain(keyword);
      expect(classifyReply(keyword), keyword).toEqual({ kind: 'opt_out', keyword });
    }
  });

  it('ignores case and surrounding whitespace', () => {
    const replies = ['OptOut', '  optout\n', 'Revoke', '\trEvOkE  ', 'stop', ' Stop '];
    for (const body of replies) {
      expect(classifyReply(body)?.kind, JSON.stringify(body)).toBe('opt_out');
    }
    expect(classifyReply('Revoke')).toEqual({ kind: 'opt_out', keyword: 'REVOKE' });
    expect(classifyReply('  optout\n')).toEqual({ kind: 'opt_out', keyword: 'OPTOUT' });
  });

  it('reads the two-word form with any spacing', () => {
    expect(classifyReply('opt   out')).toEqual({ kind: 'opt_out', keyword: 'OPT OUT' });
    expect(classifyReply('Opt-Out')).toEqual({ kind: 'opt_out', keyword: 'OPT-OUT' });
  });

  it('accepts surrounding punctuation', () => {
    expect(classifyReply('Stop!')).toEqual({ kind: 'opt_out', keyword: 'STOP' });
    expect(classifyReply('"unsubscribe."')).toEqual({ kind: 'opt_out', keyword: 'UNSUBSCRIBE' });
  });

  it('does not match a keyword inside a sentence', () => {
    for (const body of ['STOP PLEASE', 'please stop', 'stopping', 'endless', 'STARTSTOP', '']) {
      expect(classifyReply(body), JSON.stringify(body)).toBeUndefined();
    }
  });
});

describe('classifyReply opt-in and help keywords', () => {
  it('reads START, YES and UNSTOP as opt-in', () => {
    expect(OPT_IN_KEYWORDS).toEqual(['START', 'YES', 'UNSTOP']);
    expect(classifyReply(' start ')).toEqual({ kind: 'opt_in', keyword: 'START' });
    expect(classifyReply('Yes')).toEqual({ kind: 'opt_in', keyword: 'YES' });
    expect(classifyReply('unstop')).toEqual({ kind: 'opt_in', keyword: 'UNSTOP' });
  });

  it('requires opt-in keywords to match exactly', () => {
    expect(classifyReply('yes!')).toBeUndefined();
    expect(classifyReply('yes please')).toBeUndefined();
  });

  it('reads HELP and INFO as help', () => {
    expect(HELP_KEYWORDS).toEqual(['HELP', 'INFO']);
    expect(classifyReply('help')).toEqual({ kind: 'help', keyword: 'HELP' });
    expect(classifyReply('Info')).toEqual({ kind: 'help', keyword: 'INFO' });
  });
});
