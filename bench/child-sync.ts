/**
 * Child process of the sync memory benchmark: runs a project once, as `sluice run` does, and
 * prints its peak RSS, row counts and timings as one result line.
 *
 * Usage: node --import tsx bench/child-sync.ts PROJECT_DIR
 */
import { loadCliProject, withRunContext } from '../src/cli/session.js';
import { defaultRunOptions } from '../src/run/run-context.js';
import { runProject } from '../src/run/run-project.js';
import { PeakRss, printResult } from './peak-rss.js';

const projectDir = process.argv[2];
if (!projectDir) throw new Error('missing argument: the project folder to run');

const memory = new PeakRss();
const project = await loadCliProject({ project: projectDir, json: true });
const baselineMb = memory.currentMb();

const started = performance.now();
const summary = await withRunContext(project, { project: projectDir, json: true }, (context) =>
  runProject(context, defaultRunOptions),
);
const seconds = (performance.now() - started) / 1000;
const peak = memory.stop();

const sync = summary.syncs[0];
if (summary.status !== 'success' || !sync) {
  throw new Error(`benchmark run ended with status ${summary.status}: ${summary.error ?? sync?.error ?? 'no error recorded'}`);
}
printResult({
  ...peak,
  baselineMb,
  seconds,
  modelSeconds: summary.models.reduce((sum, model) => sum + model.durationMs, 0) / 1000,
  syncSeconds: sync.durationMs / 1000,
  counts: sync.counts,
});
