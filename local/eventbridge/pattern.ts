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
 * The parts: pattern-syntax.ts (limits, parse and validation), wildcards.ts (wildcard values and their complexity),
 * ip-ranges.ts (`cidr` and IP values), ignore-case.ts, pattern-errors.ts; here, the `$or` expansion and matching.
 *
 * @example
 * const rule = compilePattern({ source: ['aws.ec2'], detail: { state: [{ 'anything-but': 'running' }] } });
 * rule.matches({ source: 'aws.ec2', detail: { state: 'stopped' } }); // true
 */

import { type Anchor, IgnoreCaseMatcher } from './ignore-case';
import { type HexRange, hexRangeMatches, ipHexOf } from './ip-ranges';
import { InvalidEventPatternError } from './pattern-errors';
import {
  type JsonObject,
  MAX_OR_COMBINATIONS,
  type NumericRange,
  type PatternItem,
  PatternParser,
  type SubRule,
  type ValueSpec,
  isComparableNumber,
  isObject,
  parsePatternRoot,
} from './pattern-syntax';
import { checkWildcardComplexity, parseWildcard, wildcardMatches } from './wildcards';

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
