import type { Project } from '../config/project.js';
import type { Logger } from '../core/logger.js';
import { resolveInboundSettings, startProjectInbound } from '../inbound/project-inbound.js';
import { openStateStore } from '../state/open-store.js';

export interface ScheduledInbound {
  stop(): Promise<void>;
}

/**
 * Starts the webhook of sluice.yml's `inbound:` section next to the scheduler, or returns
 * undefined when the section is absent. The webhook keeps its own state store connection open
 * while it runs.
 */
export async function startScheduledInbound(project: Project, logger: Logger): Promise<ScheduledInbound | undefined> {
  if (project.config.inbound === undefined) return undefined;

  const settings = resolveInboundSettings(project, {});
  const store = await openStateStore(project.config.state, project.dir, { logger });
  try {
    const server = await startProjectInbound(project, settings, store.suppressions, logger);
    process.stderr.write(`sluice: receiving Twilio replies at ${server.url}\n`);
    return {
      stop: async () => {
        await server.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
