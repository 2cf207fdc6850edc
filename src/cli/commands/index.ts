import type { Command } from 'commander';
import { registerCompile } from './compile.js';
import { registerIdentity } from './identity.js';
import { registerImitations } from './imitations.js';
import { registerInbound } from './inbound.js';
import { registerPlan } from './plan.js';
import { registerRun, registerSync } from './run.js';
import { registerRuns } from './runs.js';
import { registerSchedule } from './schedule.js';
import { registerSuppressions } from './suppressions.js';
import { registerValidate } from './validate.js';

export function registerCommands(program: Command): void {
  registerValidate(program);
  registerCompile(program);
  registerRun(program);
  registerPlan(program);
  registerSync(program);
  registerRuns(program);
  registerSchedule(program);
  registerImitations(program);
  registerIdentity(program);
  registerSuppressions(program);
  registerInbound(program);
}
