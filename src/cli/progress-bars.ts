import cliProgress from 'cli-progress';
import type { ProgressTask, Reporter } from '../core/progress.js';

/** Draws one progress bar per long step on stderr; only used when stderr is a terminal. */
export function terminalReporter(): Reporter {
  return {
    start(name, total, unit) {
      const bar = new cliProgress.SingleBar(
        {
          format: `${name.padEnd(32).slice(0, 32)} {bar} {value}/{total} ${unit} {detail}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0, { detail: '' });
      const task: ProgressTask = {
        update(done, detail) {
          bar.update(done, { detail: detail ?? '' });
        },
        stop() {
          bar.update(Math.max(total, 1));
          bar.stop();
        },
      };
      return task;
    },
  };
}
