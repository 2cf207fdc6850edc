import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMessageTemplate } from '../../src/templates/load-template.js';
import {
  type RenderResult,
  TemplateError,
  compileMessageTemplate,
} from '../../src/templates/message-template.js';

function textOf(result: RenderResult): string {
  if (!result.ok) throw new Error(`expected a rendered text, got: ${result.reason}`);
  return result.text;
}

function reasonOf(result: RenderResult): string {
  if (result.ok) throw new Error(`expected a rejection, got: ${result.text}`);
  return result.reason;
}

function sms(source: string, options: { locale?: string; timeZone?: string } = {}) {
  return compileMessageTemplate('test_sms.hbs', source, { channel: 'sms', ...options });
}

describe('message template rendering', () => {
  it('renders row fields into the text', () => {
    const template = sms('Hi {{first_name}}, you have {{points}} points.');
    expect(textOf(template.render({ first_name: 'Ana', points: 120 }, 'u1'))).toBe(
      'Hi Ana, you have 120 points.',
    );
  });

  it('leaves SMS text unescaped', () => {
    const template = sms('{{name}}');
    expect(textOf(template.render({ name: 'Tom & Jerry <3 "quoted"' }, 'u1'))).toBe(
      'Tom & Jerry <3 "quoted"',
    );
  });

  it('HTML-escapes email bodies', () => {
    const template = compileMessageTemplate('mail.hbs', '<p>{{name}}</p>', { channel: 'email' });
    expect(textOf(template.render({ name: '<script>&"' }, 'u1'))).toBe(
      '<p>&lt;script&gt;&amp;&quot;</p>',
    );
  });

  it('trims SMS text but keeps email text as written', () => {
    expect(textOf(sms('  Hi {{name}}\n').render({ name: 'Ana' }, 'u1'))).toBe('Hi Ana');
    const email = compileMessageTemplate('mail.hbs', '<p>Hi</p>\n', { channel: 'email' });
    expect(textOf(email.render({}, 'u1'))).toBe('<p>Hi</p>\n');
  });

  it('lists the top-level fields it reads', () => {
    const template = sms(
      '{{first_name}} {{formatDate signup_at}} {{#if vip}}VIP{{/if}} ' +
        '{{#each items}}{{name}}{{/each}} {{address.city}}',
    );
    expect(template.fields).toEqual(['first_name', 'signup_at', 'vip', 'items', 'address']);
  });
});

describe('message template missing fields', () => {
  const template = compileMessageTemplate('winback_email.hbs', '<p>Hi {{first_name}}</p>', {
    channel: 'email',
  });

  it('rejects only the row without the field, naming both', () => {
    const results = [
      template.render({ first_name: 'Ana' }, 'u1'),
      template.render({ last_name: 'Reyes' }, 'u2'),
      template.render({ first_name: 'Bo' }, 'u3'),
    ];
    expect(textOf(results[0]!)).toBe('<p>Hi Ana</p>');
    expect(reasonOf(results[1]!)).toContain(
      'template winback_email.hbs uses "first_name", which row u2 does not have',
    );
    expect(textOf(results[2]!)).toBe('<p>Hi Bo</p>');
  });

  it('treats a null value as missing', () => {
    expect(reasonOf(template.render({ first_name: null }, 'u4'))).toContain(
      'uses "first_name", which row u4 does not have',
    );
  });

  it('allows a missing field inside an if condition', () => {
    const optional = sms('Hi{{#if first_name}} {{first_name}}{{/if}}!');
    expect(textOf(optional.render({}, 'u1'))).toBe('Hi!');
    expect(textOf(optional.render({ first_name: 'Ana' }, 'u1'))).toBe('Hi Ana!');
  });

  it('names the full path of a missing nested field', () => {
    const nested = sms('{{address.city}}');
    expect(reasonOf(nested.render({ address: { street: 'Main' } }, 'u5'))).toContain(
      'uses "address.city", which row u5 does not have',
    );
  });

  it('names a helper argument the row does not have', () => {
    const dated = sms('Joined {{formatDate signup_at "d MMM yyyy"}}');
    expect(reasonOf(dated.render({}, 'u6'))).toContain(
      'uses "signup_at", which row u6 does not have',
    );
  });

  it('names a currency field the row does not have', () => {
    const priced = sms('{{formatCurrency cart_value cart_currency}}');
    expect(reasonOf(priced.render({ cart_value: '12.50' }, 'u7'))).toContain(
      'uses "cart_currency", which row u7 does not have',
    );
  });
});

describe('formatDate helper', () => {
  const timestamp = '2011-07-09T12:50:07.123456Z';

  it('shows a timestamp in the given time zone', () => {
    const template = sms(
      "{{formatDate at \"EEEE d MMMM yyyy 'at' HH:mm:ss z\" timeZone=\"Europe/London\"}}",
      { locale: 'en-GB' },
    );
    expect(textOf(template.render({ at: timestamp }, 'u1'))).toBe(
      'Saturday 9 July 2011 at 13:50:07 BST',
    );
  });

  it('uses the template time zone by default', () => {
    const template = sms('{{formatDate at "yyyy-MM-dd h:mm a"}}', { timeZone: 'America/New_York' });
    expect(textOf(template.render({ at: '2011-12-09T17:05:00.000000Z' }, 'u1'))).toBe(
      '2011-12-09 12:05 PM',
    );
  });

  it('defaults to yyyy-MM-dd in UTC', () => {
    const template = sms('{{formatDate at}}');
    expect(textOf(template.render({ at: '2011-12-31T23:30:00.000000Z' }, 'u1'))).toBe('2011-12-31');
  });

  it('never shifts a calendar date by the time zone', () => {
    const template = sms('{{formatDate day "d MMM yyyy"}}', { timeZone: 'Pacific/Kiritimati' });
    expect(textOf(template.render({ day: '2011-12-09' }, 'u1'))).toBe('9 Dec 2011');
    const west = sms('{{formatDate day "d MMM yyyy"}}', { timeZone: 'Pacific/Pago_Pago' });
    expect(textOf(west.render({ day: '2011-12-09' }, 'u1'))).toBe('9 Dec 2011');
  });

  it('takes month and weekday names from the locale', () => {
    const german = sms('{{formatDate day "EEEE, d. MMMM yyyy"}}', { locale: 'de-DE' });
    expect(textOf(german.render({ day: '2011-12-09' }, 'u1'))).toBe('Freitag, 9. Dezember 2011');
    const russian = sms('{{formatDate day "d MMMM"}}', { locale: 'ru' });
    expect(textOf(russian.render({ day: '2011-01-09' }, 'u1'))).toBe('9 января');
  });

  it('writes quoted text and padded numbers as given', () => {
    const template = sms("{{formatDate at \"dd/MM/yy HH'h'mm ''SSS''\"}}");
    expect(textOf(template.render({ at: '2011-02-03T04:05:06.789000Z' }, 'u1'))).toBe(
      "03/02/11 04h05 '789'",
    );
  });

  it('rejects a row whose value is not a date, without the value', () => {
    const reason = reasonOf(sms('{{formatDate at}}').render({ at: 'next tuesday' }, 'u9'));
    expect(reason).toContain('template test_sms.hbs could not render row u9');
    expect(reason).toContain('formatDate at line 1 argument "at" is not an ISO-8601 date');
    expect(reason).not.toContain('next tuesday');
  });

  it('rejects an impossible calendar date', () => {
    expect(reasonOf(sms('{{formatDate day}}').render({ day: '2011-02-30' }, 'u1'))).toContain(
      'argument "day" is not a valid calendar date',
    );
    expect(
      reasonOf(sms('{{formatDate at}}').render({ at: '2011-02-30T10:00:00.000000Z' }, 'u1')),
    ).toContain('argument "at" is not a valid calendar date');
  });

  it('rejects an unknown time zone in a helper call for that row', () => {
    const template = sms('{{formatDate at timeZone="Mars/Olympus"}}');
    expect(reasonOf(template.render({ at: timestamp }, 'u1'))).toContain(
      'formatDate at line 1 has an invalid locale, time zone, currency or digit option',
    );
  });
});

describe('formatNumber and formatCurrency helpers', () => {
  it('formats numbers with the locale separators', () => {
    const template = sms('{{formatNumber amount locale="de-DE" minimumFractionDigits=2}}');
    expect(textOf(template.render({ amount: '1234.5' }, 'u1'))).toBe('1.234,50');
  });

  it('keeps every digit of an exact decimal string', () => {
    const template = sms('{{formatNumber amount maximumFractionDigits=2}}');
    expect(textOf(template.render({ amount: '12345678901234567.89' }, 'u1'))).toBe(
      '12,345,678,901,234,567.89',
    );
  });

  it('formats an amount in a currency from a field', () => {
    const template = sms('{{formatCurrency total currency locale="fr-FR"}}');
    // fr-FR separates groups and the symbol with narrow and plain no-break spaces.
    expect(textOf(template.render({ total: 1234.5, currency: 'eur' }, 'u1'))).toBe(
      '1\u202f234,50\u00a0€',
    );
  });

  it('uses the currency decimals', () => {
    const template = sms('{{formatCurrency total "JPY"}}');
    expect(textOf(template.render({ total: '1234' }, 'u1'))).toBe('¥1,234');
  });

  it('rejects a row with an invalid currency code', () => {
    const template = sms('{{formatCurrency total currency}}');
    expect(reasonOf(template.render({ total: 5, currency: 'EURO' }, 'u1'))).toContain(
      'argument "currency" is not a three-letter ISO 4217 currency code',
    );
  });

  it('rejects a row whose amount is not a number', () => {
    const template = sms('{{formatNumber total}}');
    expect(reasonOf(template.render({ total: 'lots' }, 'u1'))).toContain(
      'argument "total" is not a number or decimal string',
    );
  });
});

describe('message template compilation', () => {
  it('rejects an unknown helper, naming it', () => {
    expect(() => sms('{{shout first_name}}')).toThrow(TemplateError);
    expect(() => sms('{{shout first_name}}')).toThrow(/calls unknown helpers: shout/);
  });

  it('reports a syntax error with the template name', () => {
    expect(() => sms('Hi {{#if x}}')).toThrow(/Template test_sms.hbs has a syntax error/);
  });

  it('rejects partials', () => {
    expect(() => sms('{{> footer}}')).toThrow(/neither partials nor decorators/);
  });

  it('rejects an invalid default locale or time zone', () => {
    expect(() => sms('Hi', { timeZone: 'Europe/Atlantis' })).toThrow(
      /time zone "Europe\/Atlantis"/,
    );
    expect(() => sms('Hi', { locale: 'not a locale!' })).toThrow(TemplateError);
  });
});

describe('loadMessageTemplate', () => {
  const projects: string[] = [];

  afterEach(async () => {
    await Promise.all(projects.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function projectWith(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-templates-'));
    projects.push(dir);
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(dir, 'templates', name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
    return dir;
  }

  it('reads a template from the templates folder', async () => {
    const dir = await projectWith({ 'sms/reminder.hbs': 'Hi {{name}}' });
    const template = await loadMessageTemplate(dir, 'sms/reminder.hbs', { channel: 'sms' });
    expect(template.name).toBe('sms/reminder.hbs');
    expect(textOf(template.render({ name: 'Ana' }, 'u1'))).toBe('Hi Ana');
  });

  it('rejects a path outside the templates folder', async () => {
    const dir = await projectWith({});
    await writeFile(path.join(dir, 'secret.hbs'), 'x');
    await expect(loadMessageTemplate(dir, '../secret.hbs', { channel: 'sms' })).rejects.toThrow(
      /outside the project's templates\/ folder/,
    );
  });

  it('names a missing template file', async () => {
    const dir = await projectWith({});
    await expect(loadMessageTemplate(dir, 'nope.hbs', { channel: 'sms' })).rejects.toThrow(
      'Template templates/nope.hbs is not found',
    );
  });

  it('compiles the example project templates', async () => {
    const projectDir = path.resolve(import.meta.dirname, '../..');
    const reminder = await loadMessageTemplate(projectDir, 'cart_reminder_sms.hbs', {
      channel: 'sms',
    });
    const winback = await loadMessageTemplate(projectDir, 'winback_email.hbs', {
      channel: 'email',
    });
    expect(reminder.fields).toEqual(['cart_currency', 'cart_value', 'last_added_category']);
    expect(textOf(reminder.render({ cart_currency: 'GBP', cart_value: '12.5' }, 'c1'))).toContain(
      'Your basket is saved: GBP 12.5.',
    );
    expect(textOf(winback.render({ first_name: 'Ana' }, 'c1'))).toContain('<p>Hi Ana,</p>');
  });
});
