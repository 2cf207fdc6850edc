import { setMaxListeners } from 'node:events';

/**
 * Turns the first SIGTERM or SIGINT into an abort: the batches in flight finish, their outcomes
 * and the snapshot are recorded, and the command exits. A second signal exits at once.
 */
export function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  // Every request waiting for an account's rate budget listens on this one signal, so a batch of
  // messages can legitimately hold hundreds of listeners at once.
  setMaxListeners(0, controller.signal);
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`sluice: ${signal} received; finishing the batches in flight, then stopping\n`);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}

/** Resolves at the first SIGTERM or SIGINT, for commands that serve until stopped. */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
