import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Row } from '../../../src/core/values.js';
import type {
  ChangeRecord,
  Destination,
  RowOutcome,
} from '../../../src/destinations/destination.js';
import { createTwilioDestinationType } from '../../../src/destinations/twilio/index.js';
import {
  type TwilioImitation,
  type TwilioImitationOptions,
  startTwilioImitation,
} from '../../../src/imitations/twilio.js';
import type { SuppressionList } from '../../../src/suppression/suppression-list.js';
import { changeRecord, testContext } from '../change-records.js';

export const SENDER = '+12025550100';

/** Templates written into every test project. */
export const TEMPLATES: Record<string, string> = {
  'cart_reminder.hbs':
    'Hi {{first_name}}, your basket of {{formatCurrency cart_value cart_currency ' +
    'locale="en-GB"}} is waiting. Reply STOP to opt out.\n',
  'plain.hbs': '{{text}}',
};

/** Starts imitations and opens destinations, and closes them all in `cleanup`. */
export class TwilioFixture {
  readonly #imitations: TwilioImitation[] = [];
  readonly #destinations: Destination[] = [];
  readonly #projectDirs: string[] = [];

  /**
   * Starts an imitation with its own Account SID: limiters are shared per account in the
   * process, so tests on one SID would tighten each other's concurrency.
   */
  async imitation(options: TwilioImitationOptions = {}): Promise<TwilioImitation> {
    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const imitation = await startTwilioImitation({ accountSid, ...options });
    this.#imitations.push(imitation);
    return imitation;
  }

  async projectDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-twilio-'));
    this.#projectDirs.push(dir);
    await mkdir(path.join(dir, 'templates'));
    for (const [name, text] of Object.entries(TEMPLATES)) {
      await writeFile(path.join(dir, 'templates', name), text);
    }
    return dir;
  }

  /** Opens a Twilio destination against the imitation, with fast retries. */
  async open(
    imitation: TwilioImitation,
    settings: {
      account?: Record<string, unknown>;
      options?: Record<string, unknown>;
      suppressionList?: SuppressionList;
    } = {},
  ) {
    const type = createTwilioDestinationType({ suppressionList: settings.suppressionList });
    const account = type.accountSchema.parse({
      type: 'twilio',
      account_sid: imitation.accountSid,
      auth_token: imitation.authToken,
      from: SENDER,
      base_url: imitation.url,
      max_retry_wait_ms: 50,
      timeout_ms: 2_000,
      ...settings.account,
    });
    const options = type.syncSchema.parse({
      template: 'cart_reminder.hbs',
      to_field: 'phone',
      ...settings.options,
    });
    const context = testContext({ projectDir: await this.projectDir(), syncName: 'cart_sms' });
    const destination = await type.open(account, options, context);
    this.#destinations.push(destination);
    return { destination, context };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#destinations.splice(0).map((destination) => destination.close()));
    await Promise.all(this.#imitations.splice(0).map((imitation) => imitation.close()));
    await Promise.all(
      this.#projectDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })),
    );
  }
}

/** Builds a `send` record for the cart reminder template. */
export function cartSend(key: string, phone: string | null, extra: Row = {}): ChangeRecord {
  return changeRecord(key, 'send', {
    phone,
    first_name: 'Ana',
    cart_value: '42.5',
    cart_currency: 'GBP',
    ...extra,
  });
}

export function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

export function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}
