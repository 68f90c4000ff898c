/**
 * EventBridge event-pattern matching for the sandbox.
 *
 * Semantics follow the EventBridge user guide ("Creating event patterns", "Content filtering") and
 * aws/event-ruler, the open-source matcher behind EventBridge:
 *
 * - A pattern is compiled the way event-ruler's `JsonRuleCompiler` does it: nested keys are joined with `.`
 *   (so `{"a":{"b":[...]}}` and `{"a.b":[...]}` are the same field), `$or` forks the rule into sub-rules, and a
 *   later key overrides an earlier one with the same path. Validation errors use event-ruler's wording.
 * - On top of event-ruler, EventBridge rejects patterns with more than 1,000 `$or` combinations and wildcard
 *   patterns whose matching machine is too complex (event-ruler's `MachineComplexityEvaluator` above 10).
 * - An event is seen as its leaves: every scalar (string, number, boolean, null) under its dotted path.
 *   Objects and empty arrays are not leaves, so `exists` only applies to leaves.
 * - Matching is array-consistent: two fields matched by one sub-rule must not come from different elements of
 *   the same array. Fields are visited in sorted path order, as event-ruler's state machine does; an
 *   `exists: false` field is checked against the array elements chosen by the fields sorted before it.
 *
 * Use {@link compilePattern} once per rule and `matches` per event; {@link matchesPattern} is the one-shot form.
 *
 * @example
 * const rule = compilePattern({ source: ['aws.ec2'], detail: { state: [{ 'anything-but': 'running' }] } });
 * rule.matches({ source: 'aws.ec2', detail: { state: 'stopped' } }); // true
 */

/** EventBridge's limit on `$or` combinations (sub-rules) in one pattern. */
const MAX_OR_COMBINATIONS = 1000;

/**
 * EventBridge's per-pattern limit on wildcard complexity: the most wildcard-pattern states one value can keep
 * alive at once (event-ruler's README recommends 10 per rule; AWS rejects `*:*:*:*:*:event-bus/*`, 11, and
 * accepts `/Users/*\/dir/dir/dir/dir/dir/doc.txt`, 7).
 */
const MAX_WILDCARD_COMPLEXITY = 10;

/**
 * Numeric matching is limited to values in [-5.0e9, 5.0e9] (user guide): a numeric or anything-but operand
 * outside it makes the pattern invalid, and an event number outside it never satisfies a numeric condition.
 * Within the range numbers are compared as IEEE-754 doubles, as event-ruler does today.
 */
const NUMERIC_LIMIT = 5e9;

/** Thrown for a pattern EventBridge would reject with `InvalidEventPatternException`. */
class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A pattern validated once, to be matched against many events. */
export interface CompiledPattern {
  /** True when the event matches the pattern. Never throws; a non-object event matches nothing. */
  matches(event: unknown): boolean;
  /**
   * Literal values every alternative of the pattern requires, by field path: an event can only match if, for
   * each listed path, one of its leaves at that path has one of the listed {@link literalKeyOf} keys.
   * Used by `RuleIndex` to avoid scanning rules that cannot match.
   */
  readonly requiredLiterals: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Validates and compiles an event pattern, given as an object or as its JSON text.
 * @throws InvalidEventPatternError when EventBridge would reject the pattern.
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  const root = parsePatternRoot(pattern);
  const items = new PatternParser().parseRoot(root);
  const combinations = countCombinations(items, 1);
  if (combinations > MAX_OR_COMBINATIONS) {
    throw new InvalidEventPatternError(
      `The pattern has ${combinations > 1e6 ? 'more than 1000000' : combinations} $or combinations; at most ${MAX_OR_COMBINATIONS} are allowed`,
    );
  }
  const subRules = expandSubRules(items);
  checkWildcardComplexity(subRules);
  return new Matcher(subRules);
}

/**
 * True when the event matches the pattern. Compiles the pattern on every call: prefer {@link compilePattern}
 * when one pattern is matched against many events.
 * @throws InvalidEventPatternError when EventBridge would reject the pattern.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}

/**
 * The key under which an exact-match literal is indexed: equal keys for values an exact pattern value
 * considers equal (numbers by value, so `300` and `300.0` share a key). Undefined for non-scalars.
 */
export function literalKeyOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      // String() is the shortest round-trip form: equal doubles (0 and -0 too) give equal keys.
      return Number.isFinite(value) ? `n${String(value)}` : undefined;
    case 'boolean':
      return value ? 't' : 'f';
    case 'object':
      return value === null ? 'z' : undefined;
    default:
      return undefined;
  }
}

/**
 * A reader of the scalar leaves of events at one dotted field path, across arrays and dotted event keys: an
 * event key `"a.b"` and nested keys `a` → `b` both reach the path `a.b`, as in EventBridge.
 */
export function leafReader(path: string): (event: unknown) => readonly unknown[] {
  const slot = new PathSlot(path);
  return (event) => {
    slot.read(event);
    return slot.values.slice(0, slot.count);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing and validation (event-ruler's JsonRuleCompiler, in document order so the first error is the one reported)
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

/** A compiled value matcher: one element of a field's value list. */
type ValueSpec =
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

interface NumericRange {
  readonly low: number;
  readonly lowOpen: boolean;
  readonly high: number;
  readonly highOpen: boolean;
}

/** A field of a (sub-)pattern or an `$or` fork, in document order; nested objects are flattened into paths. */
type PatternItem =
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

function invalid(message: string): never {
  throw new InvalidEventPatternError(message);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsePatternRoot(pattern: unknown): JsonObject {
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

class PatternParser {
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
function isComparableNumber(value: number): boolean {
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

// ---------------------------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------------------------

/** A wildcard pattern as literal segments between `*`s (escapes resolved). */
interface WildcardShape {
  readonly segments: readonly string[];
}

/**
 * Parses `*`, `\*` and `\\`; any other backslash, or two `*` in a row, is an error (event-ruler WildcardParser).
 * Positions in messages count UTF-8 bytes of the quoted value, as event-ruler does.
 */
function parseWildcard(value: string): WildcardShape {
  const position = (index: number): number => new TextEncoder().encode(`"${value.slice(0, index)}`).length;
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '*') {
      if (value[i + 1] === '*') invalid(`Consecutive wildcard characters at pos ${position(i)}`);
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') invalid(`Invalid escape character at pos ${position(i)}`);
      current += next;
      i++;
    } else {
      current += c;
    }
  }
  segments.push(current);
  return { segments };
}

function wildcardMatches(shape: WildcardShape, text: string): boolean {
  const { segments } = shape;
  const first = segments[0] as string;
  if (segments.length === 1) return text === first;
  const last = segments[segments.length - 1] as string;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  let position = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    const found = text.indexOf(segment, position);
    if (found < 0 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Case-insensitive matching: each pattern character matches its own lower- or upper-case form, as event-ruler's
// EqualsIgnoreCaseParser does ("ß" matches "SS"; the Kelvin sign does not match "k").
// ---------------------------------------------------------------------------------------------------------------

type Anchor = 'equals' | 'prefix' | 'suffix';

class IgnoreCaseMatcher {
  /** Per pattern character, its lower- and upper-case forms, when every form is a single UTF-16 unit. */
  private readonly lower: string;
  private readonly upper: string;
  /** Otherwise a regular expression over the alternatives. */
  private readonly regex: RegExp | undefined;

  constructor(
    pattern: string,
    private readonly anchor: Anchor,
  ) {
    const alternatives: string[][] = [];
    for (const char of pattern) {
      const lower = char.toLowerCase();
      const upper = char.toUpperCase();
      alternatives.push(lower === upper ? [lower] : [lower, upper]);
    }
    const simple = alternatives.every((forms) => forms.every((form) => form.length === 1));
    this.lower = simple ? alternatives.map((forms) => forms[0]).join('') : '';
    this.upper = simple ? alternatives.map((forms) => forms[forms.length - 1]).join('') : '';
    if (simple) {
      this.regex = undefined;
    } else {
      const body = alternatives.map((forms) => `(?:${forms.map(escapeRegex).join('|')})`).join('');
      this.regex = new RegExp(
        anchor === 'equals' ? `^${body}$` : anchor === 'prefix' ? `^${body}` : `${body}$`,
        's',
      );
    }
  }

  test(text: string): boolean {
    if (this.regex !== undefined) return this.regex.test(text);
    const { lower, upper } = this;
    const length = lower.length;
    if (this.anchor === 'equals' ? text.length !== length : text.length < length) return false;
    const offset = this.anchor === 'suffix' ? text.length - length : 0;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(offset + i);
      if (c !== lower.charCodeAt(i) && c !== upper.charCodeAt(i)) return false;
    }
    return true;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks (event-ruler CIDR.java, with Java's InetAddress literal parsing)
// ---------------------------------------------------------------------------------------------------------------

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_DIGITS = '0123456789ABCDEF';

/** An IP literal as bytes (4 or 16), or undefined if the text is not one. IPv4-mapped IPv6 becomes IPv4. */
function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): number[] | undefined {
  if (text.length > 15) return undefined;
  const bytes = text.split('.').map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  if (text.length < 2) return undefined;
  const bytes: number[] = [];
  let i = 0;
  if (text[0] === ':' && text[++i] !== ':') return undefined;
  let gap = -1;
  let sawDigit = false;
  let value = 0;
  while (i < text.length) {
    const c = text[i++] as string;
    if (c !== ':') {
      value = (value << 4) | parseInt(c, 16);
      if (value > 0xffff) return undefined;
      sawDigit = true;
      continue;
    }
    if (!sawDigit) {
      if (gap !== -1) return undefined;
      gap = bytes.length;
      continue;
    }
    if (i === text.length || bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
    sawDigit = false;
    value = 0;
  }
  if (sawDigit) {
    if (bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
  }
  if (gap !== -1) {
    if (bytes.length === 16) return undefined;
    bytes.splice(gap, 0, ...new Array<number>(16 - bytes.length).fill(0));
  }
  if (bytes.length !== 16) return undefined;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function toHex(bytes: readonly number[]): string {
  let hex = '';
  for (const b of bytes) hex += (HEX_DIGITS[b >> 4] as string) + (HEX_DIGITS[b & 15] as string);
  return hex;
}

/** An address range over hex digits, matched the way event-ruler's byte machine walks a range. */
interface HexRange {
  readonly bottom: string;
  readonly top: string;
  readonly bottomOpen: boolean;
  readonly topOpen: boolean;
}

/** An exact IP in a pattern is a one-address range (event-ruler CIDR.ipToRangeIfPossible). */
function exactIpRange(bytes: readonly number[]): HexRange {
  const hex = toHex(bytes);
  const last = hex[hex.length - 1] as string;
  const stem = hex.slice(0, -1);
  if (last === 'F') return { bottom: `${stem}E`, bottomOpen: true, top: hex, topOpen: false };
  const next = HEX_DIGITS[HEX_DIGITS.indexOf(last) + 1] as string;
  return { bottom: hex, bottomOpen: false, top: `${stem}${next}`, topOpen: true };
}

/** Java's String.split("/"): trailing empty strings dropped. */
function splitJava(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 1 && parts[0] === '' && text.length > 0) return [];
  return parts;
}

function parseCidr(text: string): HexRange {
  const parts = splitJava(text, '/');
  if (parts.length !== 2) invalid("Malformed CIDR, one '/' required");
  const [address, mask] = parts as [string, string];
  if (
    !/^[+-]?[0-9]+$/.test(mask) ||
    !Number.isSafeInteger(Number(mask)) ||
    Math.abs(Number(mask)) > 2 ** 31
  ) {
    invalid('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(mask);
  if (maskBits < 0) invalid('Malformed CIDR, mask bits must not be negative');
  const shaped = IPV4_SHAPE.test(address) || IPV6_SHAPE.test(address);
  const bytes = shaped ? parseIp(address) : [];
  if (bytes === undefined) invalid(`Invalid IP address: ${address}`);
  if (bytes.length !== 4 && bytes.length !== 16) invalid(`Nonstandard IP address: ${address}`);
  if (bytes.length === 4 && maskBits > 31) invalid('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && maskBits > 127) invalid('IPv6 mask bits must be < 128');
  const bottom: number[] = [];
  const top: number[] = [];
  bytes.forEach((b, index) => {
    const fixed = Math.max(0, Math.min(8, maskBits - index * 8));
    const keep = (0xff << (8 - fixed)) & 0xff;
    bottom.push(b & keep);
    top.push(b | (~keep & 0xff));
  });
  return { bottom: toHex(bottom), top: toHex(top), bottomOpen: false, topOpen: false };
}

/**
 * Whether hex digits fall in the range, digit by digit as event-ruler's range trie decides: a value longer or
 * shorter than the range (an IPv6 address against an IPv4 block) is decided by its leading digits alone.
 */
function hexRangeMatches(range: HexRange, value: string): boolean {
  const { bottom, top } = range;
  let fork = 0;
  while (bottom.charCodeAt(fork) === top.charCodeAt(fork)) {
    if (fork >= value.length || value.charCodeAt(fork) !== bottom.charCodeAt(fork)) return false;
    fork++;
  }
  if (fork >= value.length) return false;
  const digit = value.charCodeAt(fork);
  const low = bottom.charCodeAt(fork);
  const high = top.charCodeAt(fork);
  if (digit > low && digit < high) return true;
  if (digit === low) return followEdge(bottom, fork, value, range.bottomOpen, 1);
  if (digit === high) return followEdge(top, fork, value, range.topOpen, -1);
  return false;
}

/** Along the bottom (direction 1: larger digits win) or top (direction -1: smaller digits win) edge. */
function followEdge(edge: string, fork: number, value: string, open: boolean, direction: 1 | -1): boolean {
  const last = edge.length - 1;
  if (fork === last) return !open;
  for (let i = fork + 1; i <= last; i++) {
    if (i >= value.length) return false;
    const difference = (value.charCodeAt(i) - edge.charCodeAt(i)) * direction;
    if (difference > 0) return true;
    if (difference < 0) return false;
    if (i === last) return !open;
  }
  return false;
}

function ipHexOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = parseIp(value);
  return bytes === undefined ? undefined : toHex(bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// $or expansion
// ---------------------------------------------------------------------------------------------------------------

/** Sub-rules the items produce from `incoming` rules, without building them (guards the expansion). */
function countCombinations(items: readonly PatternItem[], incoming: number): number {
  let count = incoming;
  for (const item of items) {
    if (item.kind !== 'or') continue;
    let sum = 0;
    for (const branch of item.branches) {
      sum += countCombinations(branch, count);
      if (sum > 1e6) return sum;
    }
    count = sum;
  }
  return count;
}

type SubRule = Map<string, readonly ValueSpec[]>;

/** JsonRuleCompiler's expansion: fields before an `$or` are copied into each branch; a later path overrides. */
function expandSubRules(items: readonly PatternItem[]): SubRule[] {
  const apply = (rules: SubRule[], list: readonly PatternItem[]): SubRule[] => {
    let current = rules;
    for (const item of list) {
      if (item.kind === 'field') {
        if (current.length === 0) current = [new Map<string, readonly ValueSpec[]>()];
        for (const rule of current) rule.set(item.path, item.values);
      } else {
        const base = current;
        current = [];
        for (const branch of item.branches) {
          const copies =
            base.length === 0 ? [new Map<string, readonly ValueSpec[]>()] : base.map((r) => new Map(r));
          current.push(...apply(copies, branch));
        }
      }
    }
    return current;
  };
  return apply([], items);
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcard complexity (event-ruler MachineComplexityEvaluator over the rule's wildcard sub-rules)
// ---------------------------------------------------------------------------------------------------------------

function checkWildcardComplexity(subRules: readonly SubRule[]): void {
  const withWildcards = subRules.filter((rule) =>
    [...rule.values()].some((specs) =>
      specs.some((s) => s.kind === 'wildcard' || s.kind === 'anything-but-wildcard'),
    ),
  );
  if (withWildcards.length === 0) return;
  for (const machine of wildcardMachines(withWildcards)) {
    if (machine.complexity(MAX_WILDCARD_COMPLEXITY) > MAX_WILDCARD_COMPLEXITY) {
      invalid(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
}

/** Equal for patterns event-ruler considers equal (an anything-but set regardless of order). */
function specIdentity(spec: ValueSpec): string {
  return 'values' in spec
    ? JSON.stringify([spec.kind, [...new Set<unknown>(spec.values)].sort()])
    : JSON.stringify(spec);
}

/**
 * Builds the byte machines event-ruler would build for the rule's wildcard sub-rules: a machine belongs to a field
 * at a name state, and sub-rules share a name state while they share the patterns that lead to it. The evaluator
 * only walks value transitions, so machines behind an `exists: false` field alone are not evaluated (as in AWS).
 */
function wildcardMachines(subRules: readonly SubRule[]): WildcardByteMachine[] {
  interface Field {
    readonly state: number;
    readonly next: Map<string, number>;
    bytes: WildcardByteMachine | undefined;
  }
  const fields = new Map<string, Field>();
  const valueEdges = new Map<number, Set<number>>();
  let nameStates = 1;
  const newNameState = (): number => nameStates++;
  for (const rule of subRules) {
    let states = [0];
    for (const path of [...rule.keys()].sort()) {
      const specs = rule.get(path) ?? [];
      const reached = new Set<number>();
      for (const state of states) {
        const key = `${state}\u0000${path}`;
        let field = fields.get(key);
        if (field === undefined) {
          field = { state, next: new Map(), bytes: undefined };
          fields.set(key, field);
        }
        // Each pattern leads to the name state it already has, else to the key's previous pattern's, else a new one.
        let last: number | undefined;
        for (const spec of specs) {
          let next: number;
          if (spec.kind === 'wildcard' || spec.kind === 'anything-but-wildcard') {
            // Wildcards build states again on every addition; their match tells which name state they lead to.
            field.bytes ??= new WildcardByteMachine();
            const values = 'values' in spec ? javaHashSetOrder(spec.values) : [spec.value];
            next = field.bytes.add(specIdentity(spec), values, last, newNameState);
          } else {
            // exists:false lives in a name matcher beside the byte machine, but shares the next name state.
            const identity = spec.kind === 'exists' && !spec.value ? '\u0000absent' : specIdentity(spec);
            next = field.next.get(identity) ?? last ?? newNameState();
            field.next.set(identity, next);
          }
          last = next;
          reached.add(next);
          if (!(spec.kind === 'exists' && !spec.value)) {
            valueEdges.set(state, (valueEdges.get(state) ?? new Set()).add(next));
          }
        }
      }
      states = [...reached];
    }
  }
  const evaluated = new Set<number>();
  const visit = (state: number): void => {
    if (evaluated.has(state)) return;
    evaluated.add(state);
    valueEdges.get(state)?.forEach(visit);
  };
  visit(0);
  return [...fields.values()].flatMap((field) =>
    field.bytes !== undefined && evaluated.has(field.state) ? [field.bytes] : [],
  );
}

/**
 * The order Java's HashSet iterates the quoted values in (event-ruler keeps anything-but values in one), which
 * decides how a set's values share states with earlier additions.
 */
function javaHashSetOrder(values: readonly string[]): string[] {
  const unique = [...new Set(values)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (value: string): number => {
    let hash = 0;
    const quoted = `"${value}"`;
    for (let i = 0; i < quoted.length; i++) hash = (Math.imul(hash, 31) + quoted.charCodeAt(i)) | 0;
    return (hash ^ (hash >>> 16)) & (capacity - 1);
  };
  return unique
    .map((value, index) => ({ value, index, bucket: bucket(value) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.value);
}

/** A state of the byte machine event-ruler builds for wildcard patterns, or a match (an accepted pattern). */
interface ByteNode {
  /** Byte transitions, in the order they were added. */
  readonly bytes: Map<number, number[]>;
  /** Transitions taken on any byte (a star); a star's own state loops to itself. */
  readonly any: number[];
  /** Set for states after a star: they cannot be shared with patterns that reach them differently. */
  indeterminate: boolean;
  /** The pattern a match node accepts. */
  readonly match: string | undefined;
}

const WILDCARD_CHAR = -1;
const QUOTE = 0x22;

/** Stop exploring state sets after this many; only pathological patterns get near it. */
const MAX_COMPLEXITY_STATE_SETS = 20_000;

/**
 * A replica of the part of event-ruler's ByteMachine that wildcard patterns build: states are shared along common
 * prefixes as far as event-ruler shares them (ByteMachine.addMatchValue, canReuseNextByteState,
 * findOrMakeNextByteState, insertMatch), so that complexity is counted on the same machine.
 */
class WildcardByteMachine {
  private readonly nodes: ByteNode[] = [];
  /** Match nodes by pattern and name state: equal matches are one node. */
  private readonly matchNodes = new Map<string, number>();
  private readonly matchNameState = new Map<number, number>();
  private readonly start = this.node(false);
  private readonly alphabet = new Set<number>([QUOTE]);

  private node(indeterminate: boolean, match?: string): number {
    this.nodes.push({ bytes: new Map(), any: [], indeterminate, match });
    return this.nodes.length - 1;
  }

  private at(index: number): ByteNode {
    return this.nodes[index] as ByteNode;
  }

  /** Targets on a byte: byte transitions plus any-byte transitions; on the wildcard character, any-byte only. */
  private transitions(state: number, char: number): number[] {
    const node = this.at(state);
    if (char === WILDCARD_CHAR) return node.any;
    const targets = node.bytes.get(char);
    return targets === undefined ? node.any : [...targets, ...node.any.filter((t) => !targets.includes(t))];
  }

  private link(from: number, byte: number, to: number): void {
    const bytes = this.at(from).bytes;
    const targets = bytes.get(byte) ?? [];
    if (!targets.includes(to)) bytes.set(byte, [...targets, to]);
  }

  /** CompoundByteTransition.getNextByteState: the first determinate state, else the first state. */
  private nextState(targets: readonly number[]): number | undefined {
    const states = targets.filter((t) => this.at(t).match === undefined);
    return states.find((t) => !this.at(t).indeterminate) ?? states[0];
  }

  /**
   * Adds a pattern's values and returns the name state they lead to: that of a match of the pattern already on
   * the final transition, else `nameState`, else a new one. A match is the pattern together with its name state.
   */
  add(
    identity: string,
    values: readonly string[],
    nameState: number | undefined,
    newNameState: () => number,
  ): number {
    let target = nameState;
    for (const value of values) {
      target = this.addValue(identity, value, () => (target ??= newNameState()));
    }
    return target ?? newNameState();
  }

  private addValue(identity: string, value: string, nameState: () => number): number {
    const chars = wildcardChars(value);
    chars.forEach((c) => c !== WILDCARD_CHAR && this.alphabet.add(c));
    const last = chars.length - 1;
    let state = this.start;
    let previous: number | undefined;
    let i = 0;
    // Walk existing states while event-ruler would re-use them (addMatchValue).
    for (; i < last; i++) {
      const reusable = this.transitions(state, chars[i] as number).find((next) =>
        this.canReuse(state, next, chars, i),
      );
      if (reusable === undefined) break;
      previous = state;
      state = reusable;
    }
    // addEndOfMatch: follow determinate states, then build the rest.
    for (; i < last; i++) {
      const targets = this.transitions(state, chars[i] as number);
      if (targets.length === 0) break;
      const next = this.nextState(targets);
      if (next === undefined) {
        const created = this.node(this.at(state).indeterminate);
        this.link(state, chars[i] as number, created);
        previous = state;
        state = created;
      } else {
        if (this.at(next).indeterminate) break;
        previous = state;
        state = next;
      }
    }
    for (; i < last; i++) {
      const char = chars[i] as number;
      const next = this.nextState(this.transitions(state, char));
      let target = next;
      if (target === undefined || this.at(target).indeterminate) {
        target = this.node(this.at(state).indeterminate);
        if (char === WILDCARD_CHAR) {
          this.at(target).indeterminate = true;
          this.at(target).any.push(target);
          this.at(state).any.push(target);
        } else {
          this.link(state, char, target);
          if (previous !== undefined && chars[i - 1] === WILDCARD_CHAR) this.link(previous, char, target);
        }
      }
      previous = state;
      state = target;
    }
    // insertMatch on the closing quote: re-use a match of this pattern already there, else link this one.
    const existing = this.transitions(state, QUOTE).find((t) => this.at(t).match === identity);
    if (existing !== undefined) return this.matchNameState.get(existing) as number;
    const target = nameState();
    const key = `${identity}\u0000${target}`;
    let match = this.matchNodes.get(key);
    if (match === undefined) {
      match = this.node(false, identity);
      this.matchNodes.set(key, match);
      this.matchNameState.set(match, target);
    }
    this.link(state, QUOTE, match);
    if (previous !== undefined && chars[last - 1] === WILDCARD_CHAR) this.link(previous, QUOTE, match);
    return target;
  }

  /** ByteMachine.canReuseNextByteState for byte and wildcard characters. */
  private canReuse(state: number, next: number, chars: readonly number[], i: number): boolean {
    const node = this.at(next);
    if (node.match !== undefined || next === state) return false;
    if (!node.indeterminate) return true;
    const char = chars[i] as number;
    if (char === WILDCARD_CHAR || (char >= 0x80 && char <= 0xbf)) return true;
    const any = this.at(state).any;
    if (any.length > 0 && !(any.length === 1 && any[0] === state)) return false;
    // Lower- and upper-case paths of a cased character would converge on the star's state.
    const text = new TextDecoder().decode(Uint8Array.from(utf8Char(chars, i)));
    return text.toLowerCase() === text.toUpperCase();
  }

  /**
   * MachineComplexityEvaluator.evaluate: over every set of states one value can reach, the patterns reachable
   * from each state, plus those of star states a state could enter but the value has not entered yet.
   */
  complexity(limit: number): number {
    // Patterns reachable from each node. Edges lead to newer nodes (or to matches, which lead nowhere), so the
    // newest node first is a topological order.
    const reachable = this.nodes.map((node) => new Set(node.match === undefined ? [] : [node.match]));
    for (let index = this.nodes.length - 1; index >= 0; index--) {
      const node = this.at(index);
      const into = reachable[index] as Set<string>;
      const collect = (target: number): void => {
        if (target !== index) for (const pattern of reachable[target] as Set<string>) into.add(pattern);
      };
      for (const targets of node.bytes.values()) targets.forEach(collect);
      node.any.forEach(collect);
    }
    let other = 0;
    while (this.alphabet.has(other)) other++;
    const bytes = [...this.alphabet, other];
    const cached = this.nodes.map(() => new Map<number, number[]>());
    const targetsOf = (index: number, byte: number): number[] => {
      const cache = cached[index] as Map<number, number[]>;
      let targets = cache.get(byte);
      if (targets === undefined) {
        targets = this.at(index).match === undefined ? this.transitions(index, byte) : [];
        cache.set(byte, targets);
      }
      return targets;
    };
    const step = (from: readonly number[], byte: number): number[] => {
      const to = new Set<number>();
      for (const index of from) for (const target of targetsOf(index, byte)) to.add(target);
      return [...to].sort((a, b) => a - b);
    };
    const weight = (set: readonly number[]): number => {
      const members = new Set(set);
      let total = 0;
      for (const index of set) {
        total += (reachable[index] as Set<string>).size;
        for (const loop of this.at(index).any) {
          if (!members.has(loop)) total += (reachable[loop] as Set<string>).size;
        }
      }
      return total;
    };
    const seen = new Set<string>();
    const queue: number[][] = [];
    const enqueue = (set: number[]): void => {
      const key = set.join(',');
      if (set.length > 0 && !seen.has(key)) {
        seen.add(key);
        queue.push(set);
      }
    };
    for (const byte of bytes) enqueue(step([this.start], byte));
    let max = 0;
    for (let head = 0; head < queue.length && head < MAX_COMPLEXITY_STATE_SETS; head++) {
      const set = queue[head] as number[];
      max = Math.max(max, weight(set));
      if (max > limit) return max;
      for (const byte of bytes) enqueue(step(set, byte));
    }
    return max;
  }
}

/** A wildcard value as event-ruler parses it: UTF-8 bytes of the quoted value, `*` as WILDCARD_CHAR. */
function wildcardChars(value: string): number[] {
  const encoder = new TextEncoder();
  const { segments } = parseWildcard(value);
  const chars: number[] = [QUOTE];
  segments.forEach((segment, index) => {
    if (index > 0) chars.push(WILDCARD_CHAR);
    chars.push(...encoder.encode(segment));
  });
  chars.push(QUOTE);
  return chars;
}

/** The UTF-8 bytes of the character starting at `i` (stopping at a wildcard). */
function utf8Char(chars: readonly number[], i: number): number[] {
  const bytes = [chars[i] as number];
  for (let j = i + 1; j < chars.length && (chars[j] as number) >= 0x80 && (chars[j] as number) <= 0xbf; j++) {
    bytes.push(chars[j] as number);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------------

/**
 * Collects the leaves of an event at one dotted path into buffers reused across matches (the first `count`
 * entries are this event's; truncating arrays is slow in V8, so they are overwritten instead).
 */
class PathSlot {
  private readonly last: number;
  /** joined[i][j] = segments i..i+j joined by '.', the event keys that can start at segment i. */
  private readonly joined: readonly (readonly string[])[];
  readonly values: unknown[] = [];
  /** Array membership of each leaf: flat [array, index, array, index, …], or null outside arrays of objects. */
  readonly members: (unknown[] | null)[] = [];
  count = 0;
  generation = -1;

  constructor(readonly path: string) {
    const segments = path.split('.');
    this.last = segments.length - 1;
    this.joined = segments.map((_, i) =>
      segments.slice(i).map((__, j) => segments.slice(i, i + j + 1).join('.')),
    );
  }

  /** Collects the leaves of `event`. */
  read(event: unknown): void {
    this.count = 0;
    this.collect(event, 0, null);
  }

  /** Visits `node` (an object or array) for the segments from `index` on. */
  private collect(node: unknown, index: number, members: unknown[] | null): void {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const element: unknown = node[i];
        if (typeof element === 'object' && element !== null) {
          this.collect(element, index, withMember(members, node, i));
        }
      }
      return;
    }
    const object = node as JsonObject;
    const row = this.joined[index] as readonly string[];
    for (let j = 0; j < row.length; j++) {
      const key = row[j] as string;
      const child = object[key];
      if (child === undefined || !Object.hasOwn(object, key)) continue;
      if (index + j === this.last) this.emit(child, members);
      else this.collect(child, index + j + 1, members);
    }
  }

  /** Leaves of a value at the end of the path: scalars, and scalars inside (nested) arrays. */
  private emit(value: unknown, members: unknown[] | null): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        // Scalars in an array carry no membership of it; nested arrays do (event-ruler Event.traverseArray).
        if (Array.isArray(element)) this.emit(element, withMember(members, value, i));
        else this.emitScalar(element, members);
      }
    } else {
      this.emitScalar(value, members);
    }
  }

  private emitScalar(value: unknown, members: unknown[] | null): void {
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean' || value === null) {
      this.values[this.count] = value;
      this.members[this.count] = members;
      this.count++;
    }
  }
}

function withMember(members: unknown[] | null, array: unknown, index: number): unknown[] {
  return members === null ? [array, index] : [...members, array, index];
}

/** The element index of `array` in a leaf's membership, if the leaf is inside it. */
function memberIndexOf(members: readonly unknown[], array: unknown): unknown {
  for (let a = 0; a < members.length; a += 2) if (members[a] === array) return members[a + 1];
  return undefined;
}

/** The first `length` constraints (flat array/index pairs) agree with a leaf's membership. */
function consistent(constraints: readonly unknown[], length: number, members: readonly unknown[]): boolean {
  for (let a = 0; a < members.length; a += 2) {
    const array = members[a];
    for (let b = 0; b < length; b += 2) {
      if (constraints[b] === array && constraints[b + 1] !== members[a + 1]) return false;
    }
  }
  return true;
}

interface ValueTest {
  test(value: unknown): boolean;
}

class NumericTest implements ValueTest {
  constructor(private readonly range: NumericRange) {}

  test(value: unknown): boolean {
    if (typeof value !== 'number' || !isComparableNumber(value)) return false;
    const { low, lowOpen, high, highOpen } = this.range;
    return (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high);
  }
}

class HexRangeTest implements ValueTest {
  /**
   * @param numbersAsText event-ruler also walks a number's JSON text through address ranges when the field has no
   *   numeric patterns, so `0.0.0.0/1` matches the number 42; AWS behaves the same.
   */
  constructor(
    private readonly range: HexRange,
    private readonly numbersAsText: boolean,
  ) {}

  test(value: unknown): boolean {
    if (typeof value === 'number')
      return this.numbersAsText && hexRangeMatches(this.range, JSON.stringify(value));
    const hex = ipHexOf(value);
    return hex !== undefined && hexRangeMatches(this.range, hex);
  }
}

class StringTest implements ValueTest {
  constructor(private readonly predicate: (text: string) => boolean) {}

  test(value: unknown): boolean {
    return typeof value === 'string' && this.predicate(value);
  }
}

/** Anything-but: any leaf (strings, numbers, booleans, null) the excluded predicate does not hold for. */
class AnythingButTest implements ValueTest {
  constructor(private readonly excluded: (value: unknown) => boolean) {}

  test(value: unknown): boolean {
    return !this.excluded(value);
  }
}

/**
 * Prefix test as event-ruler runs it on the quoted value: a prefix ending in `"` can match the closing quote,
 * so `{"prefix": "ab\""}` matches the string `ab`.
 */
function startsWithQuoted(text: string, prefix: string): boolean {
  if (prefix.length <= text.length) return text.startsWith(prefix);
  return prefix.length === text.length + 1 && prefix.endsWith('"') && prefix.startsWith(text);
}

/** Suffix test on the quoted value: a suffix starting with `"` can match the opening quote. */
function endsWithQuoted(text: string, suffix: string): boolean {
  if (suffix.length <= text.length) return text.endsWith(suffix);
  return suffix.length === text.length + 1 && suffix.startsWith('"') && suffix.endsWith(text);
}

function ignoreCasePredicate(value: string, anchor: Anchor): (text: string) => boolean {
  const matcher = new IgnoreCaseMatcher(value, anchor);
  // Only a pattern holding a quote can reach past the value into its quotes.
  if (anchor === 'equals' || !value.includes('"')) return (text) => matcher.test(text);
  return anchor === 'prefix' ? (text) => matcher.test(`${text}"`) : (text) => matcher.test(`"${text}`);
}

function stringPredicate(spec: ValueSpec): ((text: string) => boolean) | undefined {
  switch (spec.kind) {
    case 'prefix':
      return (text) => startsWithQuoted(text, spec.value);
    case 'suffix':
      return (text) => endsWithQuoted(text, spec.value);
    case 'wildcard': {
      const shape = parseWildcard(spec.value);
      return (text) => wildcardMatches(shape, text);
    }
    case 'prefix-ic':
      return ignoreCasePredicate(spec.value, 'prefix');
    case 'suffix-ic':
      return ignoreCasePredicate(spec.value, 'suffix');
    case 'equals-ic':
      return ignoreCasePredicate(spec.value, 'equals');
    default:
      return undefined;
  }
}

function anyOf(predicates: readonly ((text: string) => boolean)[]): (value: unknown) => boolean {
  return (value) => typeof value === 'string' && predicates.some((p) => p(value));
}

function valueTestOf(spec: ValueSpec, numericField: boolean): ValueTest | undefined {
  const predicate = stringPredicate(spec);
  if (predicate !== undefined) return new StringTest(predicate);
  switch (spec.kind) {
    case 'numeric':
      return new NumericTest(spec.range);
    case 'cidr':
    case 'ip':
      return new HexRangeTest(spec.range, !numericField);
    case 'anything-but-strings': {
      const excluded = new Set(spec.values);
      return new AnythingButTest((value) => typeof value === 'string' && excluded.has(value));
    }
    case 'anything-but-numbers': {
      const excluded = new Set(spec.values);
      return new AnythingButTest((value) => typeof value === 'number' && excluded.has(value));
    }
    case 'anything-but-prefix':
      return new AnythingButTest(anyOf(spec.values.map((p) => (text: string) => startsWithQuoted(text, p))));
    case 'anything-but-suffix':
      return new AnythingButTest(anyOf(spec.values.map((s) => (text: string) => endsWithQuoted(text, s))));
    case 'anything-but-ic':
      return new AnythingButTest(
        anyOf(
          spec.values
            .map((v) => new IgnoreCaseMatcher(v, 'equals'))
            .map((m) => (text: string) => m.test(text)),
        ),
      );
    case 'anything-but-wildcard':
      return new AnythingButTest(
        anyOf(spec.values.map(parseWildcard).map((shape) => (text: string) => wildcardMatches(shape, text))),
      );
    default:
      return undefined;
  }
}

/** One field of a sub-rule: the values it accepts at its path. */
class FieldCondition {
  readonly absence: boolean;
  private readonly existence: boolean;
  private readonly strings: Set<string> | undefined;
  private readonly numbers: Set<number> | undefined;
  private readonly literals: readonly (boolean | null)[];
  private readonly tests: readonly ValueTest[];
  readonly hasValueTests: boolean;
  /** Literal keys when the field accepts only exact literals (for indexing), else undefined. */
  readonly literalKeys: ReadonlySet<string> | undefined;
  /** Arrays holding leaves of the sub-rule's later fields, for the event of `laterGeneration`. */
  readonly laterArrays = new Set<unknown>();
  laterGeneration = -1;

  constructor(
    readonly slot: PathSlot,
    specs: readonly ValueSpec[],
  ) {
    const strings = new Set<string>();
    const numbers = new Set<number>();
    const literals: (boolean | null)[] = [];
    const tests: ValueTest[] = [];
    const keys = new Set<string>();
    // A field with numeric patterns matches numbers numerically only (event-ruler's NUMERIC transition mode).
    const numericField = specs.some(
      (s) => s.kind === 'exact-number' || s.kind === 'numeric' || s.kind === 'anything-but-numbers',
    );
    let onlyLiterals = true;
    let absence = false;
    let existence = false;
    for (const spec of specs) {
      switch (spec.kind) {
        case 'exact-string':
          strings.add(spec.value);
          keys.add(literalKeyOf(spec.value) as string);
          break;
        case 'exact-number':
          numbers.add(spec.value);
          keys.add(literalKeyOf(spec.value) as string);
          break;
        case 'exact-literal':
          literals.push(spec.value);
          keys.add(literalKeyOf(spec.value) as string);
          break;
        case 'exists':
          onlyLiterals = false;
          if (spec.value) existence = true;
          else absence = true;
          break;
        default:
          onlyLiterals = false;
          tests.push(valueTestOf(spec, numericField) as ValueTest);
      }
    }
    this.absence = absence;
    this.existence = existence;
    this.strings = strings.size > 0 ? strings : undefined;
    this.numbers = numbers.size > 0 ? numbers : undefined;
    this.literals = literals;
    this.tests = tests;
    this.hasValueTests = existence || strings.size + numbers.size + literals.length + tests.length > 0;
    this.literalKeys = onlyLiterals ? keys : undefined;
  }

  test(value: unknown): boolean {
    if (this.existence) return true;
    switch (typeof value) {
      case 'string':
        if (this.strings?.has(value)) return true;
        break;
      case 'number':
        if (this.numbers?.has(value)) return true;
        break;
      default:
        if (this.literals.includes(value as boolean | null)) return true;
    }
    for (const test of this.tests) if (test.test(value)) return true;
    return false;
  }
}

class Matcher implements CompiledPattern {
  private readonly rules: readonly (readonly FieldCondition[])[];
  /** Array elements chosen so far (flat array/index pairs); the first `constraintCount` entries are live. */
  private readonly constraints: unknown[] = [];
  private constraintCount = 0;
  private generation = 0;
  private event: unknown;
  readonly requiredLiterals: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(subRules: readonly SubRule[]) {
    const slots = new Map<string, PathSlot>();
    const slotOf = (path: string): PathSlot => {
      let slot = slots.get(path);
      if (slot === undefined) {
        slot = new PathSlot(path);
        slots.set(path, slot);
      }
      return slot;
    };
    // Sorted paths: the order event-ruler's state machine visits fields in, which exists:false depends on.
    this.rules = subRules.map((rule) =>
      [...rule.keys()].sort().map((path) => new FieldCondition(slotOf(path), rule.get(path) ?? [])),
    );
    this.requiredLiterals = requiredLiteralsOf(this.rules);
  }

  matches(event: unknown): boolean {
    let subject = event;
    if (typeof subject === 'string') {
      try {
        subject = JSON.parse(subject) as unknown;
      } catch {
        return false;
      }
    }
    if (!isObject(subject)) return false;
    // Leaves are collected lazily, once per path per event.
    this.event = subject;
    this.generation++;
    const rules = this.rules;
    for (let r = 0; r < rules.length; r++) {
      this.constraintCount = 0;
      if (this.matchFrom(rules[r] as readonly FieldCondition[], 0)) return true;
    }
    return false;
  }

  private leavesOf(slot: PathSlot): PathSlot {
    if (slot.generation !== this.generation) {
      slot.generation = this.generation;
      slot.read(this.event);
    }
    return slot;
  }

  /** Depth-first over the sub-rule's fields, carrying the array elements chosen so far. */
  private matchFrom(rule: readonly FieldCondition[], index: number): boolean {
    if (index === rule.length) return true;
    const condition = rule[index] as FieldCondition;
    const { values, members, count } = this.leavesOf(condition.slot);
    const constraints = this.constraints;
    const base = this.constraintCount;
    // Once the rest failed with unchanged constraints, trying it again with unchanged constraints is pointless.
    let triedUnchanged = false;
    if (condition.absence) {
      let present = false;
      for (let i = 0; i < count && !present; i++) {
        const m = members[i] ?? null;
        present = m === null || consistent(constraints, base, m);
      }
      if (!present) {
        if (this.matchFrom(rule, index + 1)) return true;
        triedUnchanged = true;
      }
    }
    if (!condition.hasValueTests) return false;
    // event-ruler looks a field's values up through the first constrained array holding any of them, so only the
    // values in that array's chosen element are candidates (values outside it, via dotted keys, are not).
    let scope: unknown;
    let scopeIndex: unknown;
    for (let c = 0; c < base && scope === undefined; c += 2) {
      for (let i = 0; i < count; i++) {
        const m = members[i] ?? null;
        if (m !== null && memberIndexOf(m, constraints[c]) !== undefined) {
          scope = constraints[c];
          scopeIndex = constraints[c + 1];
          break;
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const m = members[i] ?? null;
      if (scope !== undefined && (m === null || memberIndexOf(m, scope) !== scopeIndex)) continue;
      if (m !== null && !consistent(constraints, base, m)) continue;
      // A leaf in no array that later fields have leaves in leaves their outcome as it is.
      const inert = m === null || !this.touchesLaterFields(rule, index, m);
      if (inert && triedUnchanged) continue;
      if (!condition.test(values[i])) continue;
      if (inert) {
        triedUnchanged = true;
        if (this.matchFrom(rule, index + 1)) return true;
      } else {
        let top = base;
        for (let k = 0; k < m.length; k++) constraints[top++] = m[k];
        this.constraintCount = top;
        const matched = this.matchFrom(rule, index + 1);
        this.constraintCount = base;
        if (matched) return true;
      }
    }
    return false;
  }

  /** Whether a leaf's arrays hold leaves of the fields after `index` (which its element would then constrain). */
  private touchesLaterFields(
    rule: readonly FieldCondition[],
    index: number,
    members: readonly unknown[],
  ): boolean {
    const condition = rule[index] as FieldCondition;
    if (condition.laterGeneration !== this.generation) {
      condition.laterGeneration = this.generation;
      condition.laterArrays.clear();
      for (let f = index + 1; f < rule.length; f++) {
        const slot = this.leavesOf((rule[f] as FieldCondition).slot);
        for (let i = 0; i < slot.count; i++) {
          const m = slot.members[i] ?? null;
          if (m !== null) for (let a = 0; a < m.length; a += 2) condition.laterArrays.add(m[a]);
        }
      }
    }
    for (let a = 0; a < members.length; a += 2) if (condition.laterArrays.has(members[a])) return true;
    return false;
  }
}

/** Paths every sub-rule constrains to exact literals, with the union of the literals they accept. */
function requiredLiteralsOf(rules: readonly (readonly FieldCondition[])[]): Map<string, Set<string>> {
  const required = new Map<string, Set<string>>();
  rules.forEach((rule, index) => {
    const here = new Map<string, ReadonlySet<string>>();
    for (const condition of rule) {
      if (condition.literalKeys !== undefined) here.set(condition.slot.path, condition.literalKeys);
    }
    if (index === 0) {
      for (const [path, keys] of here) required.set(path, new Set(keys));
      return;
    }
    for (const [path, keys] of required) {
      const more = here.get(path);
      if (more === undefined) required.delete(path);
      else for (const key of more) keys.add(key);
    }
  });
  return required;
}
