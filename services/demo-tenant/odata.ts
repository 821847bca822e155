/**
 * The slice of OData v4 `$filter` that Graph accepts on the endpoints the demo tenant serves: a real tokenizer and a
 * recursive-descent parser, then a compiler that checks every clause against the endpoint's documented operators and
 * turns it into a predicate, plus the equality and time hints that let lazily generated logs skip work.
 */

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterOp = CompareOp | 'startswith' | 'in';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'guid'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: CompareOp; path: string; value: Literal }
  | { kind: 'in'; path: string; values: Literal[] }
  | { kind: 'startswith'; path: string; value: Literal }
  | { kind: 'any'; path: string; body: FilterNode };

/** Why a filter was refused; the route turns it into the error body Graph sends for that endpoint family. */
export class FilterError extends Error {
  constructor(
    readonly reason: 'syntax' | 'unsupported' | 'type' | 'value' | 'retention',
    readonly property: string | null,
    detail: string,
  ) {
    super(detail);
    this.name = 'FilterError';
  }
}

type Token =
  | { type: 'punct'; value: '(' | ')' | ',' | ':' }
  | { type: 'name'; value: string }
  | { type: 'literal'; value: Literal };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}(?![\w:.-])/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w-])/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_.]*)*/;

const syntax = (detail: string) => new FilterError('syntax', null, detail);

export const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const ch = text[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ type: 'punct', value: ch });
      i += 1;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw syntax(`Unterminated string literal at position ${i}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j += 1;
      }
      tokens.push({ type: 'literal', value: { kind: 'string', value } });
      i = j + 1;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime) {
      const ms = Date.parse(datetime[0]);
      if (Number.isNaN(ms)) throw syntax(`Invalid date and time '${datetime[0]}'`);
      tokens.push({ type: 'literal', value: { kind: 'datetime', value: ms } });
      i += datetime[0].length;
      continue;
    }
    const date = DATE_ONLY.exec(rest);
    if (date) {
      const ms = Date.parse(`${date[0]}T00:00:00Z`);
      if (Number.isNaN(ms)) throw syntax(`Invalid date '${date[0]}'`);
      tokens.push({ type: 'literal', value: { kind: 'datetime', value: ms } });
      i += date[0].length;
      continue;
    }
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({ type: 'literal', value: { kind: 'guid', value: guid[0].toLowerCase() } });
      i += guid[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ type: 'literal', value: { kind: 'number', value: Number(number[0]) } });
      i += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      const word = name[0];
      if (word === 'true' || word === 'false') {
        tokens.push({ type: 'literal', value: { kind: 'boolean', value: word === 'true' } });
      } else if (word === 'null') {
        tokens.push({ type: 'literal', value: { kind: 'null' } });
      } else {
        tokens.push({ type: 'name', value: word });
      }
      i += word.length;
      continue;
    }
    throw syntax(`Unexpected character '${ch}' at position ${i}`);
  }
  return tokens;
};

const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const FUNCTIONS: readonly string[] = ['startswith', 'endswith', 'contains'];

class Parser {
  private position = 0;
  private lambdaVariable: string | null = null;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    if (this.tokens.length === 0) throw syntax('Empty filter');
    const node = this.parseOr();
    if (this.position < this.tokens.length) throw syntax('Unexpected text after the end of the expression');
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.type === 'name' && token.value === word;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token?.type === 'punct' && token.value === value;
  }

  private expectPunct(value: string): void {
    if (!this.isPunct(value)) throw syntax(`Expected '${value}'`);
    this.position += 1;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.position += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.isWord('and')) {
      this.position += 1;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    if (this.isWord('not')) {
      this.position += 1;
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    if (this.isPunct('(')) {
      this.position += 1;
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    const token = this.peek();
    if (token?.type !== 'name') throw syntax('Expected a property or a function');
    this.position += 1;
    const lower = token.value.toLowerCase();
    if (FUNCTIONS.includes(lower) && this.isPunct('(')) {
      if (lower !== 'startswith') throw new FilterError('unsupported', null, `Function '${token.value}'`);
      this.position += 1;
      const path = this.parsePath();
      this.expectPunct(',');
      const value = this.parseLiteral();
      this.expectPunct(')');
      return { kind: 'startswith', path, value };
    }
    const segments = token.value.split('/');
    const last = segments[segments.length - 1];
    if ((last === 'any' || last === 'all') && segments.length > 1 && this.isPunct('(')) {
      if (last === 'all' || this.lambdaVariable)
        throw new FilterError('unsupported', null, `Lambda '${last}'`);
      this.position += 1;
      const variable = this.peek();
      if (variable?.type !== 'name' || variable.value.includes('/'))
        throw syntax('Expected a lambda variable');
      this.position += 1;
      this.expectPunct(':');
      this.lambdaVariable = variable.value;
      const body = this.parseOr();
      this.lambdaVariable = null;
      this.expectPunct(')');
      return { kind: 'any', path: segments.slice(0, -1).join('/'), body };
    }
    const path = this.resolvePath(token.value);
    const op = this.peek();
    if (op?.type !== 'name') throw syntax(`Expected an operator after '${token.value}'`);
    this.position += 1;
    if (op.value === 'in') {
      this.expectPunct('(');
      const values = [this.parseLiteral()];
      while (this.isPunct(',')) {
        this.position += 1;
        values.push(this.parseLiteral());
      }
      this.expectPunct(')');
      return { kind: 'in', path, values };
    }
    if (!COMPARE_OPS.includes(op.value)) throw syntax(`Unknown operator '${op.value}'`);
    return { kind: 'compare', op: op.value as CompareOp, path, value: this.parseLiteral() };
  }

  private parsePath(): string {
    const token = this.peek();
    if (token?.type !== 'name') throw syntax('Expected a property');
    this.position += 1;
    return this.resolvePath(token.value);
  }

  /** Inside a lambda, `t/id` is relative to the element and `t` alone is the element itself (""). */
  private resolvePath(path: string): string {
    if (!this.lambdaVariable) return path;
    if (path === this.lambdaVariable) return '';
    if (path.startsWith(`${this.lambdaVariable}/`)) return path.slice(this.lambdaVariable.length + 1);
    throw syntax(`'${path}' is not qualified by the lambda variable '${this.lambdaVariable}'`);
  }

  private parseLiteral(): Literal {
    const token = this.peek();
    if (token?.type !== 'literal') throw syntax('Expected a literal value');
    this.position += 1;
    return token.value;
  }
}

export const parseFilter = (text: string): FilterNode => new Parser(tokenize(text)).parse();

export type ValueType = 'string' | 'datetime' | 'enum' | 'number' | 'boolean';

export interface PropertySpec<T> {
  type: ValueType;
  ops: readonly FilterOp[];
  enumValues?: readonly string[];
  get(record: T): unknown;
}

export interface LambdaSpec<T> {
  items(record: T): readonly unknown[];
  /** Properties of each element, or `element` for a primitive collection (`t eq 'x'`). */
  properties: Record<string, PropertySpec<unknown>>;
}

export interface FilterSchema<T> {
  properties: Record<string, PropertySpec<T>>;
  lambdas?: Record<string, LambdaSpec<T>>;
  allowOr?: boolean;
  /** The property the log is ordered by; its bounds become range hints. */
  timeProperty?: string;
}

export interface FilterHints {
  lowerMs: number | null;
  upperMs: number | null;
  /** Top-level `prop eq 'value'` clauses (lower-cased), for pruning before a record is built. */
  equals: Map<string, string>;
  /** Every datetime literal, for retention checks. */
  datetimes: number[];
}

export interface CompiledFilter<T> {
  test(record: T): boolean;
  hints: FilterHints;
}

const lookup = <V>(table: Record<string, V>, name: string): [string, V] | null => {
  if (Object.prototype.hasOwnProperty.call(table, name)) return [name, table[name]];
  const lower = name.toLowerCase();
  const key = Object.keys(table).find((candidate) => candidate.toLowerCase() === lower);
  return key ? [key, table[key]] : null;
};

const literalMatches = (spec: PropertySpec<unknown>, literal: Literal): boolean => {
  if (literal.kind === 'null') return true;
  switch (spec.type) {
    case 'string':
    case 'enum':
      return literal.kind === 'string';
    case 'datetime':
      return literal.kind === 'datetime';
    case 'number':
      return literal.kind === 'number';
    case 'boolean':
      return literal.kind === 'boolean';
  }
};

const edmName: Record<Literal['kind'], string> = {
  string: 'Edm.String',
  datetime: 'Edm.DateTimeOffset',
  guid: 'Edm.Guid',
  number: 'Edm.Int32',
  boolean: 'Edm.Boolean',
  null: 'null',
};

const specEdm: Record<ValueType, string> = {
  string: 'Edm.String',
  enum: 'Edm.String',
  datetime: 'Edm.DateTimeOffset',
  number: 'Edm.Int32',
  boolean: 'Edm.Boolean',
};

const toComparable = (value: unknown, type: ValueType): string | number | boolean | null => {
  if (value === null || value === undefined) return null;
  if (type === 'datetime') return typeof value === 'string' ? Date.parse(value) : Number(value);
  if (type === 'string' || type === 'enum') return String(value).toLowerCase();
  return value as number | boolean;
};

const literalComparable = (literal: Literal): string | number | boolean | null => {
  switch (literal.kind) {
    case 'string':
    case 'guid':
      return literal.value.toLowerCase();
    case 'datetime':
    case 'number':
      return literal.value;
    case 'boolean':
      return literal.value;
    case 'null':
      return null;
  }
};

const compare = (
  op: CompareOp,
  left: string | number | boolean | null,
  right: string | number | boolean | null,
) => {
  if (op === 'eq') return left === right;
  if (op === 'ne') return left !== right;
  if (left === null || right === null) return false;
  switch (op) {
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
};

type Predicate = (record: unknown) => boolean;

// Clients send the same few filters over and over (a bot's time bounds move once a second at most), and a compiled
// filter holds nothing of the request it came from, so each schema keeps its most recently compiled ones.
const COMPILED_PER_SCHEMA = 256;
const compiledFilters = new WeakMap<FilterSchema<never>, Map<string, CompiledFilter<never>>>();

/**
 * Checks the tree against the schema (only documented properties and operators, literal types that match) and
 * compiles it. Throws FilterError; the caller chooses Graph's error shape for its endpoint family. The result is
 * shared with later calls for the same text and schema, so callers must not change its hints.
 */
export const compileFilter = <T>(text: string, schema: FilterSchema<T>): CompiledFilter<T> => {
  let cache = compiledFilters.get(schema);
  if (!cache) {
    cache = new Map();
    compiledFilters.set(schema, cache);
  }
  const cached = cache.get(text);
  if (cached) return cached as CompiledFilter<T>;
  // Refused filters throw before this point and are not kept: each refusal is worked out again.
  const compiled = compileUncached(text, schema);
  if (cache.size >= COMPILED_PER_SCHEMA) cache.delete(cache.keys().next().value!);
  cache.set(text, compiled as CompiledFilter<never>);
  return compiled;
};

const compileUncached = <T>(text: string, schema: FilterSchema<T>): CompiledFilter<T> => {
  const tree = parseFilter(text);
  const hints: FilterHints = { lowerMs: null, upperMs: null, equals: new Map(), datetimes: [] };

  const property = (
    table: Record<string, PropertySpec<never>>,
    path: string,
    op: FilterOp,
  ): [string, PropertySpec<unknown>] => {
    const found = lookup(table, path);
    if (!found) throw new FilterError('unsupported', path, `Property '${path}' cannot be filtered`);
    const [name, spec] = found as [string, PropertySpec<unknown>];
    if (!spec.ops.includes(op)) throw new FilterError('unsupported', name, `Operator '${op}' on '${name}'`);
    return [name, spec];
  };

  const checkLiteral = (name: string, spec: PropertySpec<unknown>, literal: Literal, op: string): void => {
    if (!literalMatches(spec, literal)) {
      throw new FilterError(
        'type',
        name,
        `A binary operator with incompatible types was detected. Found operand types '${specEdm[spec.type]}' and '${edmName[literal.kind]}' for operator kind '${op}'.`,
      );
    }
    if (literal.kind === 'datetime') hints.datetimes.push(literal.value);
    if (spec.type === 'enum' && literal.kind === 'string' && spec.enumValues) {
      if (!spec.enumValues.includes(literal.value)) {
        throw new FilterError('value', name, `'${literal.value}' is not a valid value for '${name}'`);
      }
    }
  };

  /** The conjuncts of an `and` chain, in the order written. */
  const flatten = (node: FilterNode, into: FilterNode[] = []): FilterNode[] => {
    if (node.kind === 'and') {
      flatten(node.left, into);
      flatten(node.right, into);
    } else into.push(node);
    return into;
  };

  /** Relative cost of testing a clause: comparing a value, parsing a timestamp, or walking a collection. */
  const cost = (node: FilterNode, table: Record<string, PropertySpec<never>>): number => {
    if (node.kind === 'any') return 3;
    if (node.kind === 'compare' || node.kind === 'in' || node.kind === 'startswith')
      return lookup(table, node.path)?.[1].type === 'datetime' ? 2 : 1;
    return 2;
  };

  const build = (
    node: FilterNode,
    table: Record<string, PropertySpec<never>>,
    lambdas: Record<string, LambdaSpec<never>> | undefined,
  ): Predicate => {
    switch (node.kind) {
      case 'and': {
        // Built in the order written (the first refusal is the one reported), then run cheapest first: clauses are
        // pure, and a timestamp parsed per record is usually implied by the range the log was narrowed to anyway.
        const parts = flatten(node).map((part) => ({
          test: build(part, table, lambdas),
          cost: cost(part, table),
        }));
        const tests = parts.sort((a, b) => a.cost - b.cost).map((part) => part.test);
        return (record) => {
          for (const test of tests) if (!test(record)) return false;
          return true;
        };
      }
      case 'or': {
        if (!schema.allowOr) throw new FilterError('unsupported', null, "Operator 'or'");
        const left = build(node.left, table, lambdas);
        const right = build(node.right, table, lambdas);
        return (record) => left(record) || right(record);
      }
      case 'not':
        throw new FilterError('unsupported', null, "Operator 'not'");
      case 'compare': {
        const [name, spec] = property(table, node.path, node.op);
        checkLiteral(name, spec, node.value, node.op === 'eq' ? 'Equal' : node.op);
        const expected = literalComparable(node.value);
        return (record) => compare(node.op, toComparable(spec.get(record), spec.type), expected);
      }
      case 'in': {
        const [name, spec] = property(table, node.path, 'in');
        for (const value of node.values) checkLiteral(name, spec, value, 'In');
        const expected = new Set(node.values.map(literalComparable));
        return (record) => expected.has(toComparable(spec.get(record), spec.type));
      }
      case 'startswith': {
        const [name, spec] = property(table, node.path, 'startswith');
        if (node.value.kind !== 'string') {
          throw new FilterError('type', name, `startswith needs a string on '${name}'`);
        }
        const prefix = node.value.value.toLowerCase();
        return (record) => {
          const value = spec.get(record);
          return typeof value === 'string' && value.toLowerCase().startsWith(prefix);
        };
      }
      case 'any': {
        const found = lambdas ? lookup(lambdas, node.path) : null;
        if (!found) throw new FilterError('unsupported', node.path, `Lambda on '${node.path}'`);
        const [, lambda] = found as [string, LambdaSpec<unknown>];
        const inner = build(node.body, lambda.properties as Record<string, PropertySpec<never>>, undefined);
        return (record) => lambda.items(record).some((item) => inner(item));
      }
    }
  };

  const predicate = build(
    tree,
    schema.properties as Record<string, PropertySpec<never>>,
    schema.lambdas as Record<string, LambdaSpec<never>> | undefined,
  );

  // Hints come only from clauses every match must satisfy: the top-level conjunction.
  for (const node of flatten(tree)) {
    if (node.kind === 'any') {
      // `targetResources/any(t: t/id eq 'x')` hints `targetResources/id`: some element must have that value.
      const lambda = schema.lambdas ? lookup(schema.lambdas, node.path) : null;
      if (!lambda) continue;
      const [lambdaName, { properties }] = lambda;
      for (const inner of flatten(node.body)) {
        if (inner.kind !== 'compare' || inner.op !== 'eq' || inner.path === '') continue;
        if (inner.value.kind !== 'string' && inner.value.kind !== 'guid') continue;
        const found = lookup(properties, inner.path);
        if (found) hints.equals.set(`${lambdaName}/${found[0]}`, inner.value.value.toLowerCase());
      }
      continue;
    }
    if (node.kind !== 'compare') continue;
    const found = lookup(schema.properties, node.path);
    if (!found) continue;
    const [name] = found;
    if (schema.timeProperty && name === schema.timeProperty && node.value.kind === 'datetime') {
      const ms = node.value.value;
      if (node.op === 'ge' || node.op === 'gt' || node.op === 'eq')
        hints.lowerMs = Math.max(hints.lowerMs ?? -Infinity, ms);
      if (node.op === 'le' || node.op === 'lt' || node.op === 'eq')
        hints.upperMs = Math.min(hints.upperMs ?? Infinity, ms);
    } else if (node.op === 'eq' && (node.value.kind === 'string' || node.value.kind === 'guid')) {
      hints.equals.set(name, node.value.value.toLowerCase());
    }
  }
  return { test: predicate as (record: T) => boolean, hints };
};

// Each entity type's properties by lower-cased name (the first wins, as a search in order would find it).
const propertiesByLowerName = new WeakMap<readonly string[], Map<string, string>>();

const propertyNamed = (known: readonly string[], name: string): string | undefined => {
  let byLower = propertiesByLowerName.get(known);
  if (!byLower) {
    byLower = new Map();
    for (const candidate of known) {
      const lower = candidate.toLowerCase();
      if (!byLower.has(lower)) byLower.set(lower, candidate);
    }
    propertiesByLowerName.set(known, byLower);
  }
  return byLower.get(name.toLowerCase());
};

/** `$select`: a comma-separated list of properties of the entity type; unknown names are refused like Graph does. */
export const parseSelect = (text: string, known: readonly string[]): string[] | { unknown: string } => {
  const result: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (!name) continue;
    const match = propertyNamed(known, name);
    if (!match) return { unknown: name };
    if (!result.includes(match)) result.push(match);
  }
  return result;
};

export const applySelect = (
  record: Record<string, unknown>,
  select: string[] | null,
): Record<string, unknown> => {
  if (!select) return record;
  const out: Record<string, unknown> = {};
  if (typeof record['@odata.type'] === 'string') out['@odata.type'] = record['@odata.type'];
  for (const name of select) out[name] = record[name] === undefined ? null : record[name];
  return out;
};

export interface SearchClause {
  property: string;
  terms: string[];
}

/**
 * Directory `$search`: `"property:text"` clauses joined by AND/OR. Graph tokenizes both sides and matches each term
 * as a prefix of a word, so "displayName:Ben" finds "Ben Walters" and "Ben Andersen".
 */
export const parseSearch = (
  text: string,
  searchable: readonly string[],
): { clauses: SearchClause[]; joiner: 'AND' | 'OR' } | null => {
  const parts = text.trim().split(/\s+(AND|OR)\s+/);
  const clauses: SearchClause[] = [];
  let joiner: 'AND' | 'OR' = 'AND';
  for (let i = 0; i < parts.length; i += 1) {
    if (i % 2 === 1) {
      joiner = parts[i] as 'AND' | 'OR';
      continue;
    }
    const match = /^"([A-Za-z]+):([^"]*)"$/.exec(parts[i].trim());
    if (!match) return null;
    const property = searchable.find((name) => name.toLowerCase() === match[1].toLowerCase());
    if (!property) return null;
    clauses.push({ property, terms: searchTokens(match[2]) });
  }
  return clauses.length ? { clauses, joiner } : null;
};

export const searchTokens = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

export const searchMatches = (
  record: Record<string, unknown>,
  search: { clauses: SearchClause[]; joiner: 'AND' | 'OR' },
): boolean => {
  const results = search.clauses.map((clause) => {
    const value = record[clause.property];
    if (typeof value !== 'string') return false;
    const words = searchTokens(value);
    return clause.terms.every((term) => words.some((word) => word.startsWith(term)));
  });
  return search.joiner === 'AND' ? results.every(Boolean) : results.some(Boolean);
};
