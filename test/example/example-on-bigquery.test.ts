import { bigqueryTarget } from '../support/targets/bigquery-target.js';
import { describeExampleOn } from './example-comparison.js';

// bqemulator 1.4.0 builds every model and delivers what DuckDB delivers, so no gap is expected.
describeExampleOn(bigqueryTarget(), {
  failingModels: [],
  keyOnlySyncs: new Set(),
});
