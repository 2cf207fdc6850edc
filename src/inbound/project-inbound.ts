import type { Project } from '../config/project.js';
import type { InboundTwilioConfig } from '../config/inbound-schema.js';
import { inboundTwilioSchema } from '../config/inbound-schema.js';
import { SluiceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactor } from '../core/redact.js';
import { twilioAccountSchema } from '../destinations/twilio/twilio-config.js';
import type { SuppressionList } from '../suppression/suppression-list.js';
import { type InboundServer, startInboundServer } from './inbound-server.js';

/** Command-line values that replace those of `inbound.twilio` in sluice.yml. */
export interface InboundOverrides {
  destination?: string;
  host?: string;
  port?: number;
  path?: string;
  publicUrl?: string;
}

/**
 * Returns the webhook settings: sluice.yml's `inbound.twilio` with the overrides applied. Without
 * that section, `--destination` names the account, or else the project's only Twilio destination.
 */
export function resolveInboundSettings(project: Project, overrides: InboundOverrides): InboundTwilioConfig {
  const configured = project.config.inbound?.twilio;
  const destination = overrides.destination ?? configured?.destination ?? onlyTwilioDestination(project);
  const merged = {
    ...configured,
    destination,
    ...(overrides.host !== undefined && { host: overrides.host }),
    ...(overrides.port !== undefined && { port: overrides.port }),
    ...(overrides.path !== undefined && { path: overrides.path }),
    ...(overrides.publicUrl !== undefined && { public_url: overrides.publicUrl }),
  };

  const result = inboundTwilioSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new SluiceError('selection_invalid', `Invalid inbound setting ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

/** Starts the Twilio webhook for the project, applying replies to `suppressions`. */
export async function startProjectInbound(
  project: Project,
  settings: InboundTwilioConfig,
  suppressions: SuppressionList,
  logger: Logger,
): Promise<InboundServer> {
  const authToken = twilioAuthToken(project, settings.destination);
  return startInboundServer({
    host: settings.host,
    port: settings.port,
    path: settings.path,
    publicUrl: settings.public_url,
    authToken,
    suppressions,
    logger,
  });
}

function twilioAuthToken(project: Project, name: string): string {
  const account = project.config.destinations[name];
  const parsed = twilioAccountSchema.safeParse(account);
  if (account?.type !== 'twilio' || !parsed.success) {
    const known = twilioDestinationNames(project).join(', ') || 'none';
    throw new SluiceError('selection_invalid', `Destination "${name}" is not a Twilio destination in sluice.yml; Twilio destinations: ${known}`);
  }
  redactor.add(parsed.data.auth_token);
  return parsed.data.auth_token;
}

function onlyTwilioDestination(project: Project): string {
  const names = twilioDestinationNames(project);
  if (names.length === 1) return names[0]!;

  const found = names.length === 0 ? 'the project has none' : `the project has ${names.join(', ')}`;
  throw new SluiceError(
    'selection_invalid',
    `No Twilio destination chosen for the inbound webhook (${found}); pass --destination NAME or set inbound.twilio.destination in sluice.yml`,
  );
}

function twilioDestinationNames(project: Project): string[] {
  return Object.entries(project.config.destinations)
    .filter(([, account]) => account.type === 'twilio')
    .map(([name]) => name);
}
