import type { Project } from '../config/project.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { imitationCatalog, type RunningImitation } from '../imitations/catalog.js';

export interface StartedImitation {
  name: string;
  url: string;
  credentials: Record<string, string>;
  /** False when the port was taken, most likely by `sluice imitations` in another terminal. */
  started: boolean;
}

/**
 * Starts the imitations listed under `imitations` in sluice.yml. A port already in use is left
 * alone, on the assumption that another `sluice imitations` process serves it. Returns what was
 * started and a function that stops it.
 */
export async function startProjectImitations(
  project: Project,
  logger: Logger,
): Promise<{ imitations: StartedImitation[]; stop(): Promise<void> }> {
  const configured = Object.entries(project.config.imitations);
  const unknown = configured.filter(([name]) => !imitationCatalog.has(name));
  if (unknown.length > 0) {
    const known = [...imitationCatalog.keys()].join(', ');
    throw new ConfigError(unknown.map(([name]) => ({ file: 'sluice.yml', path: `imitations.${name}`, message: `no imitation of "${name}"; use one of ${known}` })));
  }

  const running: RunningImitation[] = [];
  const imitations: StartedImitation[] = [];
  for (const [name, { port }] of configured) {
    const entry = imitationCatalog.get(name)!;
    const url = `http://127.0.0.1:${port}`;
    try {
      running.push(await entry.start(port));
      imitations.push({ name, url, credentials: entry.credentials, started: true });
      logger.log('info', 'imitation.started', { imitation: name, url });
    } catch (error) {
      if (!/EADDRINUSE/.test(errorMessage(error))) throw error;
      imitations.push({ name, url, credentials: entry.credentials, started: false });
      logger.log('warn', 'imitation.port_in_use', { imitation: name, url });
    }
  }

  return {
    imitations,
    async stop() {
      await Promise.all(running.map((imitation) => imitation.close()));
    },
  };
}
