import type Handlebars from 'handlebars';

type Node = hbs.AST.Node;
type Program = ReturnType<typeof Handlebars.parse>;

/** Block helpers whose body runs with another value as `this`. */
const CONTEXT_CHANGING_BLOCKS = new Set(['each', 'with']);

/** Fields, paths and helper calls of a template, read once from its syntax tree. */
export interface TemplateSyntax {
  /**
   * Top-level row fields the template reads outside `#each` and `#with` blocks, helper
   * arguments and `#if` conditions included.
   */
  fields: string[];
  /** Path text (`first_name`, `address.city`) by the `line:column` where the path starts. */
  pathsByPosition: Map<string, string>;
  /**
   * Argument texts of each helper call by the `line:column` where the call starts. An argument
   * that is not a path, such as a literal or a subexpression, is undefined.
   */
  helperArgumentsByPosition: Map<string, (string | undefined)[]>;
  /** Names called with arguments that are not helpers, in order of first use. */
  unknownHelpers: string[];
  /** Partials and decorators found; message templates support neither. */
  unsupported: string[];
}

/** Returns the key used for positions: `line:column`, as Handlebars counts them. */
export function positionKey(position: hbs.AST.Position): string {
  return `${position.line}:${position.column}`;
}

/**
 * Walks a parsed template. `knownHelpers` lists every helper the render environment has, the
 * built-in ones included.
 */
export function readTemplateSyntax(
  program: Program,
  knownHelpers: ReadonlySet<string>,
): TemplateSyntax {
  const syntax: TemplateSyntax = {
    fields: [],
    pathsByPosition: new Map(),
    helperArgumentsByPosition: new Map(),
    unknownHelpers: [],
    unsupported: [],
  };
  const walker = new SyntaxWalker(syntax, knownHelpers);
  walker.visit(program, true);
  return syntax;
}

type HelperCall = hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;

class SyntaxWalker {
  readonly #syntax: TemplateSyntax;
  readonly #knownHelpers: ReadonlySet<string>;
  readonly #fields = new Set<string>();

  constructor(syntax: TemplateSyntax, knownHelpers: ReadonlySet<string>) {
    this.#syntax = syntax;
    this.#knownHelpers = knownHelpers;
  }

  /** Visits a node. `atRowLevel` is false inside blocks where `this` is not the row. */
  visit(node: Node | undefined | null, atRowLevel: boolean): void {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as hbs.AST.Program).body) this.visit(statement, atRowLevel);
        return;
      case 'MustacheStatement':
      case 'SubExpression':
        this.#visitCall(node as HelperCall, atRowLevel);
        return;
      case 'BlockStatement':
        this.#visitBlock(node as hbs.AST.BlockStatement, atRowLevel);
        return;
      case 'PathExpression':
        this.#visitPath(node as hbs.AST.PathExpression, atRowLevel);
        return;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        this.#syntax.unsupported.push(`partial at line ${node.loc.start.line}`);
        return;
      case 'Decorator':
      case 'DecoratorBlock':
        this.#syntax.unsupported.push(`decorator at line ${node.loc.start.line}`);
        return;
      default:
        // Content, comments and literals refer to nothing.
        return;
    }
  }

  #visitCall(call: HelperCall, atRowLevel: boolean): void {
    const hasArguments = call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0;
    const name = helperName(call);
    if (hasArguments && name !== undefined) {
      if (!this.#knownHelpers.has(name) && !this.#syntax.unknownHelpers.includes(name)) {
        this.#syntax.unknownHelpers.push(name);
      }
      const argumentTexts = call.params.map((param) =>
        param.type === 'PathExpression' ? (param as hbs.AST.PathExpression).original : undefined,
      );
      this.#syntax.helperArgumentsByPosition.set(positionKey(call.loc.start), argumentTexts);
    } else {
      this.visit(call.path, atRowLevel);
    }

    for (const param of call.params) this.visit(param, atRowLevel);
    for (const pair of call.hash?.pairs ?? []) this.visit(pair.value, atRowLevel);
  }

  #visitBlock(block: hbs.AST.BlockStatement, atRowLevel: boolean): void {
    this.#visitCall(block, atRowLevel);
    const name = helperName(block);
    const bodyAtRowLevel = atRowLevel && !(name && CONTEXT_CHANGING_BLOCKS.has(name));
    // A block on a plain field (`{{#items}}`) also runs its body against that field.
    const isSection = block.params.length === 0 && !(name && this.#knownHelpers.has(name));
    this.visit(block.program, bodyAtRowLevel && !isSection);
    this.visit(block.inverse, atRowLevel);
  }

  #visitPath(path: hbs.AST.PathExpression, atRowLevel: boolean): void {
    this.#syntax.pathsByPosition.set(positionKey(path.loc.start), path.original);
    const first = path.parts[0];
    if (!atRowLevel || path.data || path.depth > 0 || first === undefined) return;
    if (this.#knownHelpers.has(first) && path.parts.length === 1) return;
    if (!this.#fields.has(first)) {
      this.#fields.add(first);
      this.#syntax.fields.push(first);
    }
  }
}

function helperName(call: HelperCall): string | undefined {
  if (call.path.type !== 'PathExpression') return undefined;
  const path = call.path as hbs.AST.PathExpression;
  if (path.data || path.depth > 0 || path.parts.length !== 1) return undefined;
  return path.parts[0];
}
