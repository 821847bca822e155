/**
 * A template compiled to closures, giving exactly what adaptivecards-templating's `Template.expand` gives for the
 * part of the templating language Warden's cards use: property paths (`${title}`, `${ask.text}`, `${$data}`,
 * `$root`, `$index`), string and number literals, `null`, `true`, `false`, `count()`, `if()`, `==`, `!=`, `<`, `<=`,
 * `>`, `>=`, interpolation inside text, `$data` (repeating for arrays) and `$when`.
 *
 * Why: the library evaluates each `${…}` through adaptive-expressions' generic machinery (a memory object per
 * expression, and a case-insensitive scan of every key on every property read), which made rendering a 40 KB table
 * card most of a turn's CPU. The library stays the definition: a template using anything else is not compiled
 * (`compileTemplate` returns null), and data outside what is modelled here (a missing property, a non-boolean
 * `$when`, a comparison of objects) makes a compiled render give up with `UNSUPPORTED` so that the caller renders
 * with the library instead. test/cards/compiled-template.test.ts holds the two to the same output.
 *
 * One difference is assumed rather than checked: the library reads properties case-insensitively and this reads
 * them exactly, which matters only for data with two keys differing in case. View models are typed and have none.
 */
export const UNSUPPORTED = Symbol('unsupported by the compiled template');

export type CompiledTemplate = (root: unknown) => unknown;

/** Where an expression is evaluated: the library's `$root`, `$data` (the root unless a `$data` set it) and `$index`. */
interface Scope {
  root: unknown;
  data: unknown;
  index: number | undefined;
}

/** A compiled node: the library's `internalExpand` result for it, where `null` means "dropped". */
type Node = (scope: Scope) => unknown;
type Expression = (scope: Scope) => unknown;

class Unsupported extends Error {}
const giveUp = (): never => {
  throw new Unsupported();
};

const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);

/** Compiles `template`, or returns null when it uses templating the compiler does not model. */
export const compileTemplate = (template: object): CompiledTemplate | null => {
  let node: Node;
  try {
    node = compileNode(template);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  return (root) => {
    try {
      return node({ root, data: root, index: undefined });
    } catch (error) {
      if (error instanceof Unsupported) return UNSUPPORTED;
      throw error;
    }
  };
};

const compileNode = (node: unknown): Node => {
  if (typeof node === 'string') {
    return node.includes('${') ? compileText(node) : () => node;
  }
  if (Array.isArray(node)) return compileArray(node);
  if (node !== null && typeof node === 'object') return compileObject(node as Record<string, unknown>);
  return () => node;
};

/**
 * Items that expand to null are dropped; items that expand to arrays (a repeated `$data`) are spliced in. The result is
 * allocated at its exact size: a card's hundreds of small arrays live until it is sent and stored, and an array grown
 * by `push` keeps room for 16 more (a one-item array of 184 bytes instead of 56).
 */
const compileArray = (items: unknown[]): Node => {
  const compiled = items.map(compileNode);
  return (scope) => {
    const values: unknown[] = new Array(compiled.length);
    let size = 0;
    let asIs = true;
    for (let index = 0; index < compiled.length; index += 1) {
      const value = compiled[index](scope);
      values[index] = value;
      if (value === null) asIs = false;
      else if (Array.isArray(value)) {
        asIs = false;
        size += value.length;
      } else size += 1;
    }
    if (asIs) return values;
    const result: unknown[] = new Array(size);
    let at = 0;
    for (const value of values) {
      if (value === null) continue;
      if (Array.isArray(value)) for (const element of value) result[at++] = element;
      else result[at++] = value;
    }
    return result;
  };
};

const compileObject = (source: Record<string, unknown>): Node => {
  const fields = Object.keys(source)
    .filter((key) => !RESERVED.has(key))
    .map((key) => ({ key, value: compileNode(source[key]) }));
  const when = compileCondition(source.$when);
  const dataSource = source.$data;
  // A `$data` that is not an expression is a literal context; only text is modelled.
  const data: Expression | null =
    dataSource === undefined
      ? null
      : typeof dataSource === 'string' && dataSource.includes('${')
        ? compileText(dataSource)
        : typeof dataSource === 'string'
          ? () => dataSource
          : giveUp();

  const expandOne = (scope: Scope): Record<string, unknown> | null => {
    if (when && !when(scope)) return null;
    const result: Record<string, unknown> = {};
    for (const field of fields) {
      const value = field.value(scope);
      if (value !== undefined) result[field.key] = value;
    }
    return result;
  };

  if (!data) return expandOne;
  return (scope) => {
    const context = data(scope);
    if (context === undefined) giveUp();
    if (!Array.isArray(context)) return expandOne({ root: scope.root, data: context, index: scope.index });
    const expanded: Record<string, unknown>[] = [];
    for (let index = 0; index < context.length; index += 1) {
      // The library keeps the previous element as `$data` for an undefined one; nothing here relies on that.
      if (context[index] === undefined) giveUp();
      const one = expandOne({ root: scope.root, data: context[index], index });
      if (one !== null) expanded.push(one);
    }
    return expanded.length === 0 ? null : expanded.length === 1 ? expanded[0] : expanded;
  };
};

/**
 * `$when` keeps its object only for a boolean `true`. Absent, it keeps every object; a literal (not an expression)
 * drops it, as the library does with a warning.
 */
const compileCondition = (source: unknown): ((scope: Scope) => boolean) | null => {
  if (source === undefined) return null;
  if (typeof source !== 'string' || !source.includes('${')) return source ? () => false : null;
  const expression = compileText(source);
  return (scope) => expression(scope) === true;
};

/**
 * A string with `${…}`: the expression's own value when the string is one expression (an array stays an array),
 * otherwise text with each expression's value in place.
 */
const compileText = (text: string): Expression => {
  const parts: (string | Expression)[] = [];
  let rest = text;
  while (rest.length > 0) {
    const start = rest.indexOf('${');
    if (start < 0) {
      parts.push(literalText(rest));
      break;
    }
    if (start > 0) parts.push(literalText(rest.slice(0, start)));
    const end = rest.indexOf('}', start);
    if (end < 0) giveUp();
    parts.push(parseExpression(rest.slice(start + 2, end)));
    rest = rest.slice(end + 1);
  }
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0];
  return (scope) => {
    let result = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        result += part;
        continue;
      }
      const value = part(scope);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') giveUp();
      result += String(value);
    }
    return result;
  };
};

/** Text outside `${…}`: the library reads it as an expression-language template string, so escapes would differ. */
const literalText = (text: string): string => {
  if (/[\\`$]/.test(text)) giveUp();
  return text;
};

// ---- The expression subset: a small recursive-descent parser producing closures. ----

const TOKEN =
  /\s*(?:(\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|('[^'\\]*')|(\d+(?:\.\d+)?)|(==|!=|<=|>=|<|>)|([(),]))/y;

interface Token {
  kind: 'name' | 'string' | 'number' | 'operator' | 'punctuation';
  text: string;
}

const tokenize = (source: string): Token[] => {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(source);
    if (!match) giveUp();
    const [, name, string, number, operator, punctuation] = match!;
    if (name !== undefined) tokens.push({ kind: 'name', text: name });
    else if (string !== undefined) tokens.push({ kind: 'string', text: string.slice(1, -1) });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number });
    else if (operator !== undefined) tokens.push({ kind: 'operator', text: operator });
    else tokens.push({ kind: 'punctuation', text: punctuation });
  }
  return tokens;
};

const parseExpression = (source: string): Expression => {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const expect = (text: string) => {
    if (peek()?.text !== text) giveUp();
    position += 1;
  };

  const comparison = (): Expression => {
    const left = operand();
    const next = peek();
    if (next?.kind !== 'operator') return left;
    position += 1;
    return compare(next.text, left, operand());
  };

  const operand = (): Expression => {
    const token = tokens[position++];
    if (!token) return giveUp();
    if (token.kind === 'string') return () => token.text;
    if (token.kind === 'number') {
      const value = Number(token.text);
      return () => value;
    }
    if (token.kind !== 'name') return giveUp();
    if (peek()?.text === '(') {
      position += 1;
      const args: Expression[] = [comparison()];
      while (peek()?.text === ',') {
        position += 1;
        args.push(comparison());
      }
      expect(')');
      return call(token.text, args);
    }
    if (token.text === 'null') return () => null;
    if (token.text === 'true') return () => true;
    if (token.text === 'false') return () => false;
    return path(token.text);
  };

  const expression = comparison();
  if (position !== tokens.length) giveUp();
  return expression;
};

/** A property path read as the library reads it: from `$data` unless it starts at `$root`, `$data` or `$index`. */
const path = (text: string): Expression => {
  const [head, ...rest] = text.split('.');
  const start: (scope: Scope) => unknown =
    head === '$root'
      ? (scope) => scope.root
      : head === '$data'
        ? (scope) => scope.data
        : head === '$index'
          ? (scope) => scope.index
          : head.startsWith('$')
            ? giveUp()
            : (scope) => read(scope.data, head);
  return (scope) => {
    let value = start(scope);
    for (const key of rest) value = read(value, key);
    // The library substitutes "${path}" text for an undefined value; nothing here relies on that.
    if (value === undefined) giveUp();
    return value;
  };
};

const read = (from: unknown, key: string): unknown => {
  if (from === null || typeof from !== 'object' || Array.isArray(from)) return giveUp();
  return Object.prototype.hasOwnProperty.call(from, key) ? (from as Record<string, unknown>)[key] : giveUp();
};

const call = (name: string, args: Expression[]): Expression => {
  if (name === 'count' && args.length === 1) {
    const [of] = args;
    return (scope) => {
      const value = of(scope);
      return Array.isArray(value) || typeof value === 'string' ? value.length : giveUp();
    };
  }
  if (name === 'if' && args.length === 3) {
    const [condition, then, otherwise] = args;
    // adaptive-expressions' truth: a boolean is itself, null is false, anything else is true.
    return (scope) => {
      const value = condition(scope);
      return (typeof value === 'boolean' ? value : value !== null) ? then(scope) : otherwise(scope);
    };
  }
  return giveUp();
};

const isScalar = (value: unknown) =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** adaptive-expressions' equality for scalars; objects and arrays (compared deeply there) are left to the library. */
const equal = (left: unknown, right: unknown): boolean => {
  if (left === null || right === null) return left === right;
  if (!isScalar(left) || !isScalar(right)) return giveUp();
  if (typeof left === 'number' && typeof right === 'number')
    return Math.abs(left - right) < Number.EPSILON || left === right;
  return left === right;
};

const compare = (operator: string, left: Expression, right: Expression): Expression => {
  if (operator === '==') return (scope) => equal(left(scope), right(scope));
  if (operator === '!=') return (scope) => !equal(left(scope), right(scope));
  const test =
    operator === '<'
      ? (a: number, b: number) => a < b
      : operator === '<='
        ? (a: number, b: number) => a <= b
        : operator === '>'
          ? (a: number, b: number) => a > b
          : (a: number, b: number) => a >= b;
  return (scope) => {
    const a = left(scope);
    const b = right(scope);
    return typeof a === 'number' && typeof b === 'number' ? test(a, b) : giveUp();
  };
};
