import { diffSuite } from './diff-suite.js';
import type { BenchSuite } from './suite.js';
import { syncMemorySuite } from './sync-memory-suite.js';

/** Every suite of `npm run bench`, in the order they run. */
export const suites: BenchSuite[] = [diffSuite, syncMemorySuite];
