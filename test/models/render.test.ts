import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/core/errors.js';
import { renderModel, type RenderContext } from '../../src/models/render.js';
import { duckdbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { compile, loadModels, projectFile } from './model-fixture.js';

const context: RenderContext = {
  refTable: (model) => `"analytics"."${model}"`,
  sourceTable: (source, table) => (source === 'shop' ? `"raw"."${table}"` : undefined),
  varLiteral: (name) => ({ min_total: '100', region: "'EU'" })[name],
  dialect: duckdbDialect,
};

function renderError(template: string): ModelError {
  try {
    renderModel('audience', template, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error(`rendering ${JSON.stringify(template)} did not fail`);
}

describe('renderModel', () => {
  it('replaces ref, source and var helpers', () => {
    const template =
      'SELECT * FROM {{ref "customers"}} c JOIN {{source "shop" "orders"}} o USING (id)\n' +
      'WHERE o.total > {{var "min_total"}} AND c.region = {{var "region"}}';
    const rendered = renderModel('audience', template, context);

    expect(rendered.sql).toBe(
      'SELECT * FROM "analytics"."customers" c JOIN "raw"."orders" o USING (id)\n' +
        `WHERE o.total > 100 AND c.region = 'EU'`,
    );
    expect(rendered.refs).toEqual(['customers']);
    expect(rendered.sources).toEqual(['shop.orders']);
    expect(rendered.vars).toEqual(['min_total', 'region']);
  });

  it('lists vars in unrendered branches', () => {
    const template = 'SELECT 1 {{#if (var "region")}}WHERE x = {{var "min_total"}}{{else}}{{var "fallback"}}{{/if}}';
    const rendered = renderModel('m', template, context);

    expect(rendered.sql).toBe('SELECT 1 WHERE x = 100');
    expect(rendered.vars.sort()).toEqual(['fallback', 'min_total', 'region']);
  });

  it('lists each ref once, in first-use order', () => {
    const rendered = renderModel('m', '{{ref "b"}} {{ref "a"}} {{ref "b"}}', context);
    expect(rendered.refs).toEqual(['b', 'a']);
  });

  it('does not HTML-escape SQL', () => {
    const rendered = renderModel('m', `SELECT '<a>' AS tag, 1 & 3 AS bits, "x" FROM {{ref "m2"}}`, context);
    expect(rendered.sql).toBe(`SELECT '<a>' AS tag, 1 & 3 AS bits, "x" FROM "analytics"."m2"`);
  });

  it('drops a trailing semicolon and whitespace', () => {
    expect(renderModel('m', '  SELECT 1 ;  \n\n', context).sql).toBe('SELECT 1');
  });

  it('rejects a helper name without quotes', () => {
    const error = renderError('SELECT * FROM {{ref customers}}');
    expect(error.model).toBe('audience');
    expect(error.message).toMatch(/\{\{ref\}\} needs quoted names, as in \{\{ref "name"\}\}/);
  });

  it('rejects an unknown helper with its position', () => {
    const error = renderError('SELECT 1\nFROM x\nWHERE {{model "customers"}}');
    expect(error.message).toBe(
      'Model audience uses an unknown template helper or variable "model" at line 3, column 9; ' +
        'use one of ref, source, var, type, date_diff_days, date_add_days, timestamp_add_days, max_by, percentile_cont',
    );
  });

  it('rejects an undeclared source', () => {
    const error = renderError('SELECT * FROM {{source "crm" "contacts"}}');
    expect(error.message).toMatch(/Model audience uses \{\{source "crm" "contacts"\}\}/);
    expect(error.message).toMatch(/declare it/);
  });

  it('rejects an unset var', () => {
    const error = renderError('SELECT {{var "lookback_days"}}');
    expect(error.message).toMatch(/\{\{var "lookback_days"\}\}, which is not set/);
    expect(error.message).toMatch(/add it under vars in sluice.yml or pass --var lookback_days=VALUE/);
  });

  it('reports a template syntax error', () => {
    const error = renderError('SELECT * FROM {{ref "customers"');
    expect(error.message).toMatch(/^Cannot render model audience: Parse error on line 1/);
  });
});

describe('compileProject helpers', () => {
  it('renders helpers with the dialect quoting', async () => {
    const sources = `sources:
  crm: { tables: { contact_list: { table: 'Contact "List"', schema: raw } } }
  files: { tables: { events: { file: data/events.parquet } } }
`;
    const project = await loadModels(
      {
        orders: 'SELECT 1 AS id',
        audience:
          'SELECT * FROM {{ref "orders"}}, {{source "crm" "contact_list"}}, {{source "files" "events"}} ' +
          'WHERE n = {{var "n"}} AND s = {{var "s"}} AND b = {{var "b"}}',
      },
      { 'sluice.yml': projectFile(`vars: { n: 2.5, s: "O'Brien", b: true }\n${sources}`) },
    );
    const compiled = compile(project).find((model) => model.name === 'audience')!;

    expect(compiled.sql).toBe(
      `SELECT * FROM "analytics"."orders", "raw"."Contact ""List""", read_parquet('data/events.parquet') ` +
        `WHERE n = 2.5 AND s = 'O''Brien' AND b = true`,
    );
    expect(compiled.refs).toEqual(['orders']);
    expect(compiled.sources).toEqual(['crm.contact_list', 'files.events']);
  });

  it('lists known models for an unknown ref', async () => {
    const project = await loadModels({
      orders: 'SELECT 1 AS id',
      customers: 'SELECT 1 AS id',
      audience: 'SELECT * FROM {{ref "customer"}}',
    });

    expect(() => compile(project)).toThrowError(
      'Model audience references {{ref "customer"}}, which is not a model; known models: audience, customers, orders',
    );
  });

  it('uses run vars over sluice.yml vars', async () => {
    const project = await loadModels({ m: 'SELECT {{var "limit"}} AS n' }, { 'sluice.yml': projectFile('vars: { limit: 10 }\n') });

    expect(compile(project)[0]!.sql).toBe('SELECT 10 AS n');
    expect(compile(project, { limit: 'ten' })[0]!.sql).toBe(`SELECT 'ten' AS n`);
    expect(compile(project, project.config.vars, { limit: 'ten' })[0]!.sql).toBe(`SELECT 'ten' AS n`);
  });

  it('accepts declared or used run vars', async () => {
    const project = await loadModels(
      { m: 'SELECT {{var "limit"}} AS n' },
      { 'sluice.yml': projectFile('vars: { limit: 10, unused: 1 }\n') },
    );

    expect(compile(project, project.config.vars, { unused: '2' })[0]!.sql).toBe('SELECT 10 AS n');
    const undeclared = await loadModels({ m: 'SELECT {{var "since"}} AS n' });
    expect(compile(undeclared, undeclared.config.vars, { since: '2024-01-01' })[0]!.sql).toBe(`SELECT '2024-01-01' AS n`);
  });

  it('rejects unknown run vars', async () => {
    const project = await loadModels({ m: 'SELECT {{var "limit"}} AS n' }, { 'sluice.yml': projectFile('vars: { as_of: 1, limit: 10 }\n') });

    expect(() => compile(project, project.config.vars, { limt: '5' })).toThrowError(
      'Unknown --var limt: no model uses it and sluice.yml does not declare it under vars; ' +
        'known variables: as_of, limit; check the spelling or declare it under vars',
    );
    expect(() => compile(project, project.config.vars, { a: '1', b: '2' })).toThrowError(/^Unknown --var a, b: no model uses them/);
  });
});
