/**
 * Turns the first SIGTERM or SIGINT into an abort: the batches in flight finish, their outcomes
 * and the snapshot are recorded, and the command exits. A second signal exits at once.
 */
export function stopOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`sluice: ${signal} received; finishing the batches in flight, then stopping\n`);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}
