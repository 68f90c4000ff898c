/**
 * EventBridge event patterns as event-ruler's JsonRuleCompiler reads them: the limits, the validation errors (in
 * event-ruler's wording) and the parse of a pattern into fields and `$or` forks with their value matchers.
 * Matching is in pattern.ts.
 */

import { type HexRange, exactIpRange, parseCidr, parseIp } from './ip-ranges';
import { InvalidEventPatternError, invalid } from './pattern-errors';
import { parseWildcard } from './wildcards';

/** EventBridge's limit on `$or` combinations (sub-rules) in one pattern. */
export const MAX_OR_COMBINATIONS = 1000;

/**
 * Numeric matching is limited to values in [-5.0e9, 5.0e9] (user guide): a numeric or anything-but operand
 * outside it makes the pattern invalid, and an event number outside it never satisfies a numeric condition.
 * Within the range numbers are compared as IEEE-754 doubles, as event-ruler does today.
 */
const NUMERIC_LIMIT = 5e9;

// ---------------------------------------------------------------------------------------------------------------
// Parsing and validation (event-ruler's JsonRuleCompiler, in document order so the first error is the one reported)
// ---------------------------------------------------------------------------------------------------------------

export type JsonObject = Record<string, unknown>;

/** A compiled value matcher: one element of a field's value list. */
export type ValueSpec =
  | { readonly kind: 'exact-string'; readonly value: string }
  | { readonly kind: 'exact-number'; readonly value: number }
  | { readonly kind: 'exact-literal'; readonly value: boolean | null }
  | { readonly kind: 'ip'; readonly range: HexRange; readonly text: string }
  | { readonly kind: 'prefix' | 'suffix' | 'wildcard'; readonly value: string }
  | { readonly kind: 'prefix-ic' | 'suffix-ic' | 'equals-ic'; readonly value: string }
  | { readonly kind: 'anything-but-strings'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-numbers'; readonly values: readonly number[] }
  | {
      readonly kind:
        'anything-but-prefix' | 'anything-but-suffix' | 'anything-but-ic' | 'anything-but-wildcard';
      readonly values: readonly string[];
    }
  | { readonly kind: 'numeric'; readonly range: NumericRange }
  | { readonly kind: 'exists'; readonly value: boolean }
  | { readonly kind: 'cidr'; readonly range: HexRange; readonly text: string };

export interface NumericRange {
  readonly low: number;
  readonly lowOpen: boolean;
  readonly high: number;
  readonly highOpen: boolean;
}

/** A field of a (sub-)pattern or an `$or` fork, in document order; nested objects are flattened into paths. */
export type PatternItem =
  | { readonly kind: 'field'; readonly path: string; readonly values: readonly ValueSpec[] }
  | { readonly kind: 'or'; readonly branches: readonly (readonly PatternItem[])[] };

/** Field names event-ruler reserves: they cannot be used as keys inside `$or` (Constants.java). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parsePatternRoot(pattern: unknown): JsonObject {
  let root = pattern;
  if (typeof pattern === 'string') {
    try {
      root = JSON.parse(pattern) as unknown;
    } catch (error) {
      throw new InvalidEventPatternError(`Filter is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!isObject(root)) invalid('Filter is not an object');
  return root;
}

/** How the JSON parser would print a token, for error messages ("Invalid member in numeric match: ]"). */
function tokenText(value: unknown): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isObject(value)) return '{';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'null';
}

function isJsonNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export class PatternParser {
  parseRoot(root: JsonObject): PatternItem[] {
    const items: PatternItem[] = [];
    this.parseObject(root, '', false, items);
    return items;
  }

  private parseObject(object: JsonObject, prefix: string, insideOr: boolean, items: PatternItem[]): void {
    const keys = Object.keys(object);
    if (keys.length === 0) invalid('Empty objects are not allowed');
    for (const key of keys) {
      const value = object[key];
      if (key === '$or') {
        items.push(this.parseOr(value, prefix));
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(key)) {
        invalid(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
      }
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (Array.isArray(value)) {
        items.push({ kind: 'field', path, values: this.parseValues(value) });
      } else if (isObject(value)) {
        this.parseObject(value, path, insideOr, items);
      } else {
        invalid(`"${key}" must be an object or an array`);
      }
    }
  }

  private parseOr(value: unknown, prefix: string): PatternItem {
    if (!Array.isArray(value)) invalid('It must be an Array followed with $or.');
    const branches: PatternItem[][] = [];
    for (const branch of value) {
      if (!isObject(branch)) invalid('Only JSON object is allowed in array of $or relationship.');
      const items: PatternItem[] = [];
      this.parseObject(branch, prefix, true, items);
      branches.push(items);
    }
    if (branches.length < 2) invalid('There must have at least 2 Objects in $or relationship.');
    return { kind: 'or', branches };
  }

  private parseValues(values: readonly unknown[]): ValueSpec[] {
    const specs: ValueSpec[] = [];
    for (const value of values) {
      if (typeof value === 'string') {
        const ip = parseIp(value);
        specs.push(
          ip === undefined
            ? { kind: 'exact-string', value }
            : { kind: 'ip', range: exactIpRange(ip), text: value },
        );
      } else if (isJsonNumber(value)) {
        specs.push({ kind: 'exact-number', value });
      } else if (value === null || typeof value === 'boolean') {
        specs.push({ kind: 'exact-literal', value });
      } else if (isObject(value)) {
        specs.push(this.parseMatchExpression(value));
      } else {
        invalid('Match value must be String, number, true, false, or null');
      }
    }
    if (specs.length === 0) invalid('Empty arrays are not allowed');
    return specs;
  }

  /** One `{ "<operator>": ... }` element; the operator's value is checked before any extra key is reported. */
  private parseMatchExpression(expression: JsonObject): ValueSpec {
    const keys = Object.keys(expression);
    const operator = keys[0];
    if (operator === undefined) invalid('Match expression name not found');
    const operand = expression[operator];
    const onlyOneKey = (): void => {
      if (keys.length > 1) invalid('Only one key allowed in match expression');
    };
    switch (operator) {
      case 'exactly': {
        if (typeof operand !== 'string') invalid('exact match pattern must be a string');
        onlyOneKey();
        return { kind: 'exact-string', value: operand };
      }
      case 'prefix':
      case 'suffix': {
        if (isObject(operand)) {
          const value = this.parseIgnoreCaseModifier(operand, operator);
          onlyOneKey();
          return { kind: operator === 'prefix' ? 'prefix-ic' : 'suffix-ic', value };
        }
        if (typeof operand !== 'string') invalid(`${operator} match pattern must be a string`);
        onlyOneKey();
        return { kind: operator, value: operand };
      }
      case 'equals-ignore-case': {
        if (typeof operand !== 'string') invalid('equals-ignore-case match pattern must be a string');
        onlyOneKey();
        return { kind: 'equals-ic', value: operand };
      }
      case 'wildcard': {
        if (typeof operand !== 'string') invalid('wildcard match pattern must be a string');
        parseWildcard(operand);
        onlyOneKey();
        return { kind: 'wildcard', value: operand };
      }
      case 'numeric': {
        if (!Array.isArray(operand)) invalid('Value of numeric must be an array.');
        const range = parseNumeric(operand);
        if (keys.length > 1) invalid('Too many elements in numeric expression');
        return { kind: 'numeric', range };
      }
      case 'anything-but': {
        const spec = this.parseAnythingBut(operand);
        if (keys.length > 1) invalid('Too many elements in numeric expression');
        return spec;
      }
      case 'exists': {
        if (typeof operand !== 'boolean') invalid('exists match pattern must be either true or false.');
        onlyOneKey();
        return { kind: 'exists', value: operand };
      }
      case 'cidr': {
        // Sic: event-ruler reports a non-string CIDR with the prefix message.
        if (typeof operand !== 'string') invalid('prefix match pattern must be a string');
        const range = parseCidr(operand);
        onlyOneKey();
        return { kind: 'cidr', range, text: operand };
      }
      default:
        return invalid(`Unrecognized match type ${operator}`);
    }
  }

  /** `{"prefix": {"equals-ignore-case": "x"}}` and the suffix form. */
  private parseIgnoreCaseModifier(modifier: JsonObject, operator: 'prefix' | 'suffix'): string {
    const keys = Object.keys(modifier);
    const name = keys[0];
    const label = operator === 'prefix' ? 'Prefix' : 'Suffix';
    if (name === undefined) invalid(`${label} expression name not found`);
    if (name !== 'equals-ignore-case') invalid(`Unsupported ${operator} pattern: ${name}`);
    const value = modifier[name];
    if (typeof value !== 'string') invalid('equals-ignore-case match pattern must be a string');
    if (keys.length > 1) invalid('Only one key allowed in match expression');
    return value;
  }

  private parseAnythingBut(operand: unknown): ValueSpec {
    if (isObject(operand)) {
      const keys = Object.keys(operand);
      const name = keys[0];
      if (name === undefined) invalid('Anything-But expression name not found');
      const kind = ANYTHING_BUT_SETS.get(name);
      if (kind === undefined) invalid(`Unsupported anything-but pattern: ${name}`);
      const values = this.parseAnythingButSet(operand[name], kind);
      if (keys.length > 1) invalid('Too many elements in numeric expression');
      return { kind, values };
    }
    if (Array.isArray(operand)) return this.parseAnythingButList(operand);
    if (typeof operand === 'string') return { kind: 'anything-but-strings', values: [operand] };
    if (isJsonNumber(operand)) return { kind: 'anything-but-numbers', values: [comparableOperand(operand)] };
    return invalid('Value of anything-but must be an array or single string/number value.');
  }

  private parseAnythingButList(list: readonly unknown[]): ValueSpec {
    const strings: string[] = [];
    const numbers: number[] = [];
    for (const value of list) {
      if (typeof value === 'string') strings.push(value);
      else if (isJsonNumber(value)) numbers.push(comparableOperand(value));
      else invalid('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.length > 0 === numbers.length > 0) {
      invalid(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    }
    return strings.length > 0
      ? { kind: 'anything-but-strings', values: strings }
      : { kind: 'anything-but-numbers', values: numbers };
  }

  private parseAnythingButSet(operand: unknown, kind: AnythingButSetKind): string[] {
    const typeError = (): never =>
      invalid(
        kind === 'anything-but-ic'
          ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
          : kind === 'anything-but-wildcard'
            ? 'wildcard match pattern must be a string'
            : 'prefix/suffix match pattern must be a string',
      );
    const check = (value: unknown): string => {
      if (typeof value !== 'string') return typeError();
      if ((kind === 'anything-but-prefix' || kind === 'anything-but-suffix') && value === '') {
        invalid('Null prefix/suffix not allowed');
      }
      return value;
    };
    let values: string[];
    if (Array.isArray(operand)) {
      values = operand.map(check);
      // event-ruler accepts an empty set here and then fails at match time; EventBridge cannot use it either.
      if (values.length === 0) invalid('Empty arrays are not allowed');
    } else if (typeof operand === 'string' || isJsonNumber(operand)) {
      values = [check(operand)];
    } else {
      return invalid('Value of anything-but must be an array or single string/number value.');
    }
    if (kind === 'anything-but-wildcard') values.forEach(parseWildcard);
    return values;
  }
}

type AnythingButSetKind =
  'anything-but-prefix' | 'anything-but-suffix' | 'anything-but-ic' | 'anything-but-wildcard';

const ANYTHING_BUT_SETS: ReadonlyMap<string, AnythingButSetKind> = new Map([
  ['prefix', 'anything-but-prefix'],
  ['suffix', 'anything-but-suffix'],
  ['equals-ignore-case', 'anything-but-ic'],
  ['wildcard', 'anything-but-wildcard'],
]);

/** Numbers that numeric matching compares: the user guide limits it to [-5.0e9, 5.0e9]. */
export function isComparableNumber(value: number): boolean {
  return value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT;
}

/**
 * A number used as a numeric or anything-but operand must be within the numeric range (event-ruler's
 * ComparableNumber of the EventBridge era the user guide describes rejects the rule otherwise).
 */
function comparableOperand(value: number): number {
  if (!isComparableNumber(value)) invalid('Value must be between -5.0E9 and 5.0E9, inclusive');
  // -0 and 0 are the same number to EventBridge.
  return value === 0 ? 0 : value;
}

/**
 * `["=", x]`, `["<", x]`, `[">", x, "<=", y]`, … (event-ruler's processNumericMatchExpression): the shape is
 * checked first, then the operands' range.
 */
function parseNumeric(terms: readonly unknown[]): NumericRange {
  const [operator, first, secondOperator, second] = terms;
  if (typeof operator !== 'string') invalid(`Invalid member in numeric match: ${tokenText(operator)}`);
  const needNumber = (value: unknown, label: string): number => {
    if (!isJsonNumber(value)) invalid(`Value of ${label} must be numeric`);
    return value;
  };
  switch (operator) {
    case '=': {
      const value = needNumber(first, 'equals');
      if (terms.length > 2) invalid('Too many elements in numeric expression');
      const operand = comparableOperand(value);
      return { low: operand, lowOpen: false, high: operand, highOpen: false };
    }
    case '<':
    case '<=': {
      const value = needNumber(first, operator);
      if (terms.length > 2) invalid('Too many elements in numeric expression');
      return { low: -Infinity, lowOpen: false, high: comparableOperand(value), highOpen: operator === '<' };
    }
    case '>':
    case '>=': {
      const low = needNumber(first, operator);
      const lowOpen = operator === '>';
      if (terms.length === 2)
        return { low: comparableOperand(low), lowOpen, high: Infinity, highOpen: false };
      if (typeof secondOperator !== 'string') {
        invalid(`Bad value in numeric range: ${tokenText(secondOperator)}`);
      }
      if (secondOperator !== '<' && secondOperator !== '<=') {
        invalid(`Bad numeric range operator: ${secondOperator}`);
      }
      const high = needNumber(second, secondOperator);
      if (terms.length > 4) invalid('Too many terms in numeric range expression');
      comparableOperand(low);
      comparableOperand(high);
      if (!(low < high)) invalid('Bottom must be less than top');
      return {
        low: comparableOperand(low),
        lowOpen,
        high: comparableOperand(high),
        highOpen: secondOperator === '<',
      };
    }
    default:
      return invalid(`Unrecognized numeric range operator: ${operator}`);
  }
}

/** One sub-rule of an expanded pattern: each field path with the values it accepts. */
export type SubRule = Map<string, readonly ValueSpec[]>;
