import { bigqueryTarget } from '../support/targets/bigquery-target.js';
import { describeExampleOn } from './example-comparison.js';

describeExampleOn(bigqueryTarget(), {
  failingModels: [],
  keyOnlySyncs: new Set(),
});
