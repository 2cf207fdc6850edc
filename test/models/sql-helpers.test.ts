import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/core/errors.js';
import { renderModel } from '../../src/models/render.js';
import type { SqlDialect } from '../../src/warehouse/dialect.js';
import { bigqueryDialect } from '../../src/warehouse/bigquery/bigquery-dialect.js';
import { duckdbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { snowflakeDialect } from '../../src/warehouse/snowflake/snowflake-dialect.js';

const DIALECTS: Record<string, SqlDialect> = {
  duckdb: duckdbDialect,
  snowflake: snowflakeDialect,
  bigquery: bigqueryDialect,
};

function render(template: string, dialect: SqlDialect = duckdbDialect): string {
  const context = { refTable: () => 't', sourceTable: () => undefined, varLiteral: () => undefined, dialect };
  return renderModel('audience', template, context).sql;
}

function renderError(template: string): string {
  try {
    render(template);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return (error as ModelError).message;
  }
  throw new Error(`rendering ${JSON.stringify(template)} did not fail`);
}

/** Each helper call and the SQL it compiles to on DuckDB, Snowflake and BigQuery. */
const CASES: { template: string; duckdb: string; snowflake: string; bigquery: string }[] = [
  {
    template: '{{type "float"}}',
    duckdb: 'DOUBLE',
    snowflake: 'FLOAT',
    bigquery: 'FLOAT64',
  },
  {
    template: '{{type "string"}}',
    duckdb: 'VARCHAR',
    snowflake: 'VARCHAR',
    bigquery: 'STRING',
  },
  {
    template: '{{date_diff_days "last_order_at" "p.as_of"}}',
    duckdb: "datediff('day', CAST(last_order_at AS DATE), CAST(p.as_of AS DATE))",
    snowflake: 'DATEDIFF(day, CAST(last_order_at AS DATE), CAST(p.as_of AS DATE))',
    bigquery: 'DATE_DIFF(CAST(p.as_of AS DATE), CAST(last_order_at AS DATE), DAY)',
  },
  {
    template: '{{date_add_days "p.as_of" "-p.lapsed_days"}}',
    duckdb: '(CAST(p.as_of AS DATE) + CAST(-p.lapsed_days AS INTEGER))',
    snowflake: 'DATEADD(day, -p.lapsed_days, CAST(p.as_of AS DATE))',
    bigquery: 'DATE_ADD(CAST(p.as_of AS DATE), INTERVAL -p.lapsed_days DAY)',
  },
  {
    template: '{{timestamp_add_days "s.data_end" -30}}',
    duckdb: '(s.data_end + to_days(CAST(-30 AS INTEGER)))',
    snowflake: 'DATEADD(day, -30, s.data_end)',
    bigquery: 'TIMESTAMP_ADD(s.data_end, INTERVAL -30 DAY)',
  },
  {
    template: '{{max_by "country" "invoiced_at"}}',
    duckdb: 'arg_max(country, invoiced_at)',
    snowflake: 'MAX_BY(country, IFF(country IS NOT NULL, invoiced_at, NULL))',
    bigquery:
      'ARRAY_AGG(IF(country IS NOT NULL AND invoiced_at IS NOT NULL, country, NULL) ' +
      'ORDER BY IF(country IS NOT NULL AND invoiced_at IS NOT NULL, invoiced_at, NULL) DESC LIMIT 1)[SAFE_OFFSET(0)]',
  },
  {
    template: `{{max_by "cart_value" "event_at" where="action_type = 'add'"}}`,
    duckdb: "arg_max(cart_value, event_at) FILTER (WHERE action_type = 'add')",
    snowflake: "MAX_BY(cart_value, IFF((action_type = 'add') AND cart_value IS NOT NULL, event_at, NULL))",
    bigquery:
      "ARRAY_AGG(IF((action_type = 'add') AND cart_value IS NOT NULL AND event_at IS NOT NULL, cart_value, NULL) " +
      "ORDER BY IF((action_type = 'add') AND cart_value IS NOT NULL AND event_at IS NOT NULL, event_at, NULL) DESC LIMIT 1)[SAFE_OFFSET(0)]",
  },
  {
    template: '{{percentile_cont "net_spend" 0.9}}',
    duckdb: 'quantile_cont(net_spend, 0.9) OVER ()',
    snowflake: 'PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY net_spend) OVER ()',
    bigquery: 'PERCENTILE_CONT(net_spend, 0.9) OVER ()',
  },
  {
    template: '{{percentile_cont "net_spend" "0.5" partition_by="country"}}',
    duckdb: 'quantile_cont(net_spend, 0.5) OVER (PARTITION BY country)',
    snowflake: 'PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY net_spend) OVER (PARTITION BY country)',
    bigquery: 'PERCENTILE_CONT(net_spend, 0.5) OVER (PARTITION BY country)',
  },
];

describe('SQL helpers', () => {
  for (const [name, dialect] of Object.entries(DIALECTS)) {
    it(`compile for ${name}`, () => {
      for (const testCase of CASES) {
        expect(render(testCase.template, dialect), testCase.template).toBe(testCase[name as 'duckdb']);
      }
    });
  }

  it('rejects an unknown logical type', () => {
    expect(renderError('{{type "varchar"}}')).toBe(
      'Model audience: {{type "varchar"}} names no logical type; use one of string, integer, decimal, float, boolean, timestamp, date, json',
    );
  });

  it('rejects a wrong argument count', () => {
    expect(renderError('{{date_diff_days "a"}}')).toBe(
      'Model audience: date_diff_days takes 2 argument(s), as in {{date_diff_days "start" "end"}}; it was given 1',
    );
  });

  it('rejects an unquoted expression', () => {
    expect(renderError('{{max_by country "invoiced_at"}}')).toMatch(/the value argument of max_by must be quoted SQL text/);
    expect(renderError('{{max_by "" "invoiced_at"}}')).toMatch(/the value argument of max_by must be quoted SQL text/);
  });

  it('rejects an unknown option', () => {
    expect(renderError('{{max_by "a" "b" filter="c"}}')).toBe(
      'Model audience: max_by has no option filter; its only option is where="..."',
    );
  });

  it('rejects a fraction outside 0 to 1', () => {
    expect(renderError('{{percentile_cont "a" 90}}')).toMatch(/fraction of percentile_cont must be a number from 0 to 1.*it was 90$/);
    expect(renderError('{{percentile_cont "a" "ninety"}}')).toMatch(/it was ninety$/);
  });
});
