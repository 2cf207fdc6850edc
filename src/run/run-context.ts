import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Project } from '../config/project.js';
import type { Logger } from '../core/logger.js';
import type { Reporter } from '../core/progress.js';
import type { DestinationType } from '../destinations/destination.js';
import type { StateStore } from '../state/store.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';

/** Connections and services a run needs, opened once by the caller (the CLI, the scheduler or a test). */
export interface RunContext {
  project: Project;
  warehouse: WarehouseAdapter;
  store: StateStore;
  destinationTypes: ReadonlyMap<string, DestinationType<any, any>>;
  logger: Logger;
  reporter: Reporter;
  /** Identifies this process as a lock owner. */
  owner: string;
  /** Aborting finishes the batches in flight, records them and stops. */
  signal?: AbortSignal;
}

export interface RunOptions {
  trigger: 'manual' | 'schedule';
  /** Sync or model names; empty means every enabled sync. */
  select: string[];
  /** Overrides of sluice.yml vars for this run. */
  vars: Record<string, string>;
  /** Send every delivered row again (removals still apply). */
  full: boolean;
  /** Skip the removal and shrink guards for this run. */
  allowRemovals: boolean;
}

export const defaultRunOptions: RunOptions = { trigger: 'manual', select: [], vars: {}, full: false, allowRemovals: false };

export function lockOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Run ids sort by start time and stay unique across processes. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run_${stamp}_${randomBytes(3).toString('hex')}`;
}
