import Handlebars from 'handlebars';
import { ModelError, errorMessage } from '../core/errors.js';
import type { SqlDialect } from '../warehouse/dialect.js';
import { SQL_HELPER_NAMES, registerSqlHelpers } from './sql-helpers.js';

/** Resolvers for the template helpers of a model. */
export interface RenderContext {
  /** SQL for the table of another model. */
  refTable(model: string): string;
  /** SQL for a raw source table, or undefined when the source does not exist. */
  sourceTable(source: string, table: string): string | undefined;
  /** SQL literal for a variable, or undefined when it is not set. */
  varLiteral(name: string): string | undefined;
  /** The warehouse's dialect, which the helpers in sql-helpers.ts write SQL for. */
  dialect: SqlDialect;
}

export interface RenderedModel {
  sql: string;
  refs: string[];
  sources: string[];
  /** Names in every `{{var "name"}}` of the template, including those in a branch not rendered. */
  vars: string[];
}

const HELPER_LIST = ['ref', 'source', 'var', ...SQL_HELPER_NAMES].join(', ');

/**
 * Renders a model's SQL template. Helpers: `{{ref "model"}}`, `{{source "source" "table"}}`,
 * `{{var "name"}}` and the SQL helpers of sql-helpers.ts. Output is SQL, so nothing is
 * HTML-escaped; unknown helpers and missing arguments are errors that name the model.
 */
export function renderModel(name: string, template: string, context: RenderContext): RenderedModel {
  const refs = new Set<string>();
  const sources = new Set<string>();
  const handlebars = Handlebars.create();

  handlebars.registerHelper('ref', (model: unknown) => {
    const target = requireString(name, 'ref', model);
    refs.add(target);
    return context.refTable(target);
  });
  handlebars.registerHelper('source', (source: unknown, table: unknown) => {
    const sourceName = requireString(name, 'source', source);
    const tableName = requireString(name, 'source', table);
    const sql = context.sourceTable(sourceName, tableName);
    if (sql === undefined) {
      throw new ModelError(name, `Model ${name} uses {{source "${sourceName}" "${tableName}"}}, which is not declared under sources in sluice.yml; declare it there`);
    }
    sources.add(`${sourceName}.${tableName}`);
    return sql;
  });
  handlebars.registerHelper('var', (variable: unknown) => {
    const varName = requireString(name, 'var', variable);
    const literal = context.varLiteral(varName);
    if (literal === undefined) {
      throw new ModelError(name, `Model ${name} uses {{var "${varName}"}}, which is not set; add it under vars in sluice.yml or pass --var ${varName}=VALUE`);
    }
    return literal;
  });
  registerSqlHelpers((helper, fn) => handlebars.registerHelper(helper, fn), name, context.dialect);
  handlebars.registerHelper('helperMissing', function (...args: unknown[]) {
    const options = args[args.length - 1] as { name?: string };
    throw new ModelError(name, `Model ${name} uses an unknown template helper or variable "${options.name}"; use one of ${HELPER_LIST}`);
  });

  try {
    const ast = handlebars.parse(template);
    const sql = handlebars.compile(ast, { noEscape: true, strict: true })({});
    return { sql: sql.trim().replace(/;\s*$/, '').trimEnd(), refs: [...refs], sources: [...sources], vars: varNames(ast) };
  } catch (error) {
    if (error instanceof ModelError) throw error;
    // Strict mode raises `"foo" not defined in [object Object] - 1:2` for unknown names before
    // helperMissing runs. Its line is 1-based and its column 0-based.
    const unknown = /^"([^"]*)" not defined in .* - (\d+):(\d+)$/.exec(errorMessage(error));
    if (unknown) {
      const [, helper, line, column] = unknown;
      throw new ModelError(
        name,
        `Model ${name} uses an unknown template helper or variable "${helper}" at line ${line}, column ${Number(column) + 1}; use one of ${HELPER_LIST}`,
        { cause: error },
      );
    }
    throw new ModelError(name, `Cannot render model ${name}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Collects the quoted name of every `var` helper call: `{{var "x"}}`, `(var "x")` or `{{#if (var "x")}}`. */
class VarNameCollector extends Handlebars.Visitor {
  readonly names = new Set<string>();

  override MustacheStatement(node: hbs.AST.MustacheStatement): void {
    this.#collect(node.path, node.params);
    super.MustacheStatement(node);
  }

  override SubExpression(node: hbs.AST.SubExpression): void {
    this.#collect(node.path, node.params);
    super.SubExpression(node);
  }

  override BlockStatement(node: hbs.AST.BlockStatement): void {
    this.#collect(node.path, node.params);
    super.BlockStatement(node);
  }

  #collect(path: hbs.AST.PathExpression | hbs.AST.Literal, params: hbs.AST.Expression[]): void {
    const first = params[0];
    if (path.type === 'PathExpression' && (path as hbs.AST.PathExpression).original === 'var' && first?.type === 'StringLiteral') {
      this.names.add((first as hbs.AST.StringLiteral).value);
    }
  }
}

function varNames(ast: hbs.AST.Program): string[] {
  const collector = new VarNameCollector();
  collector.accept(ast);
  return [...collector.names];
}

function requireString(model: string, helper: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new ModelError(model, `Model ${model}: {{${helper}}} needs quoted names, as in {{${helper} "name"}}`);
}
